package marshal

import (
	"testing"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

func smallCall() any {
	return value.Tuple{"obj_123", "get_fortune", []any{"Alice"}, value.NewDict(0)}
}

func BenchmarkEncodeSmallCall(b *testing.B) {
	c, v := New(), smallCall()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.Marshal(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeSmallCall(b *testing.B) {
	c := New()
	data, err := c.Marshal(nil, smallCall())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Unmarshal(data, serial.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func megabyte() []byte {
	p := make([]byte, 1<<20)
	for i := range p {
		p[i] = byte(i * 7)
	}
	return p
}

func BenchmarkEncode1MiBBytes(b *testing.B) {
	c, v := New(), megabyte()
	buf := make([]byte, 0, 1<<20+16)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.Marshal(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode1MiBBytes(b *testing.B) {
	c := New()
	data, err := c.Marshal(nil, megabyte())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Unmarshal(data, serial.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefuseBomb measures refusing a 5-byte list header that claims
// 2^31-1 items: no allocation beyond the error.
func BenchmarkRefuseBomb(b *testing.B) {
	c := New()
	data := []byte{'[', 0xff, 0xff, 0xff, 0x7f}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Unmarshal(data, serial.Limits{}); err == nil {
			b.Fatal("accepted")
		}
	}
}
