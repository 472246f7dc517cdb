package jsonser

import (
	"strings"
	"testing"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

func smallCall() any {
	return dict("object", "obj_123", "method", "get_fortune", "params", []any{"Alice"}, "kwargs", value.NewDict(0))
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

// megabyteString is 1 MiB of mixed ASCII and non-ASCII text with a few
// characters that need escaping.
func megabyteString() string {
	chunk := "Pyro4 payload \u00e9\u2603 line\n\t\"quoted\" "
	s := strings.Repeat(chunk, (1<<20)/len(chunk)+1)
	for len(s) > 1<<20 {
		s = s[:len(s)-1]
	}
	return strings.ToValidUTF8(s, "")
}

func BenchmarkEncode1MiBString(b *testing.B) {
	c, v := New(), any(megabyteString())
	buf := make([]byte, 0, 1<<21)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.Marshal(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode1MiBString(b *testing.B) {
	c := New()
	data, err := c.Marshal(nil, megabyteString())
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

// BenchmarkDecode1MiBPlainString has no escapes, so the fast path applies.
func BenchmarkDecode1MiBPlainString(b *testing.B) {
	c := New()
	data, err := c.Marshal(nil, strings.Repeat("abcdefgh\u00e9", (1<<20)/10))
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
