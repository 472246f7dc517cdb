package msgpack

import (
	"bytes"
	"testing"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

func smallCall() any {
	return []any{"obj_123", "get_fortune", []any{"Alice"}, &value.Dict{}}
}

func bytesCall() any {
	return []any{"obj_123", "store", []any{bytes.Repeat([]byte{0x5a}, 1<<20)}, &value.Dict{}}
}

func benchEncode(b *testing.B, v any) {
	c := New()
	buf, err := c.Marshal(nil, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, err = c.Marshal(buf[:0], v)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, v any) {
	c := New()
	in, err := c.Marshal(nil, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Unmarshal(in, serial.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSmallCall(b *testing.B) { benchEncode(b, smallCall()) }
func BenchmarkDecodeSmallCall(b *testing.B) { benchDecode(b, smallCall()) }
func BenchmarkEncodeBytes1MiB(b *testing.B) { benchEncode(b, bytesCall()) }
func BenchmarkDecodeBytes1MiB(b *testing.B) { benchDecode(b, bytesCall()) }

// BenchmarkDecodeVectors decodes every recorded Pyro4 payload once per
// iteration.
func BenchmarkDecodeVectors(b *testing.B) {
	c := New()
	var payloads [][]byte
	total := 0
	for _, vec := range loadVectors(b) {
		p, _ := vec.payload(b)
		payloads = append(payloads, p)
		total += len(p)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range payloads {
			if _, err := c.Unmarshal(p, serial.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
