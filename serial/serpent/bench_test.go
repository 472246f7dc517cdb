package serpent

import (
	"testing"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

const smallCall = Header + "('obj_123','get_fortune',('Alice',),{})"

func BenchmarkDecodeSmallCall(b *testing.B) {
	data := []byte(smallCall)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := codec.Unmarshal(data, serial.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSmallCall(b *testing.B) {
	var v any = value.Tuple{"obj_123", "get_fortune", value.Tuple{"Alice"}, &value.Dict{}}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		out, err := codec.Marshal(buf[:0], v)
		if err != nil || string(out) != smallCall {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMixed decodes the recorded invoke_mixed payload (ints up
// to big ints, floats, unicode, bytes, containers).
func BenchmarkDecodeMixed(b *testing.B) {
	var data []byte
	for _, m := range loadMessageVectors(b) {
		if m.Name == "invoke_mixed" {
			data, _ = m.payload(b)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := codec.Unmarshal(data, serial.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func oneMiB() []byte {
	p := make([]byte, 1<<20)
	for i := range p {
		p[i] = byte(i * 7)
	}
	return p
}

func BenchmarkEncodeBytes1MiB(b *testing.B) {
	p := oneMiB()
	buf := make([]byte, 0, 2<<20)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := codec.Marshal(buf[:0], p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBytes1MiB decodes the base64 dict of 1 MiB: one copy of
// the base64 text into a string.
func BenchmarkDecodeBytes1MiB(b *testing.B) {
	data, err := codec.Marshal(nil, oneMiB())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(1 << 20)
	for b.Loop() {
		if _, err := codec.Unmarshal(data, serial.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBytes1MiBToBytes adds the base64 decoding (ToBytes).
func BenchmarkDecodeBytes1MiBToBytes(b *testing.B) {
	data, err := codec.Marshal(nil, oneMiB())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(1 << 20)
	for b.Loop() {
		v, err := codec.Unmarshal(data, serial.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ToBytes(v); err != nil {
			b.Fatal(err)
		}
	}
}
