package value

import (
	"reflect"
	"testing"
)

// BenchmarkDecodeCallArgs binds the args of a small call, ("hello", 42), to
// the parameters (string, int), as the daemon does with its cached decoders.
func BenchmarkDecodeCallArgs(b *testing.B) {
	args := Tuple{"hello", int64(42)}
	types := []reflect.Type{reflect.TypeFor[string](), reflect.TypeFor[int]()}
	decs := make([]Decoder, len(types))
	for i, t := range types {
		d, err := DecoderFor(t)
		if err != nil {
			b.Fatal(err)
		}
		decs[i] = d
	}
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			in := make([]reflect.Value, len(decs))
			for i, d := range decs {
				in[i] = reflect.New(types[i]).Elem()
				if err := d(args[i], in[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("reuse", func(b *testing.B) {
		in := make([]reflect.Value, len(decs))
		for i := range decs {
			in[i] = reflect.New(types[i]).Elem()
		}
		b.ReportAllocs()
		for b.Loop() {
			for i, d := range decs {
				if err := d(args[i], in[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

type benchResult struct {
	Name  string
	Count int
	OK    bool
	Tags  []string
}

// BenchmarkEncodeStruct encodes a small struct result with its cached
// encoder.
func BenchmarkEncodeStruct(b *testing.B) {
	r := benchResult{Name: "fortune", Count: 7, OK: true, Tags: []string{"a", "b"}}
	enc, err := EncoderFor(reflect.TypeFor[benchResult]())
	if err != nil {
		b.Fatal(err)
	}
	rv := reflect.ValueOf(r)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := enc(rv); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeStruct binds a dict to a small struct.
func BenchmarkDecodeStruct(b *testing.B) {
	d := dictOf("name", "fortune", "count", int64(7), "ok", true, "tags", []any{"a", "b"})
	var out benchResult
	dec, err := DecoderFor(reflect.TypeFor[benchResult]())
	if err != nil {
		b.Fatal(err)
	}
	dst := reflect.ValueOf(&out).Elem()
	b.ReportAllocs()
	for b.Loop() {
		if err := dec(d, dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromModel converts a value that is already in the model, the
// common case for results typed any.
func BenchmarkFromModel(b *testing.B) {
	v := []any{"a", int64(1), Tuple{1.5, "b"}, dictOf("k", "v")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := From(v); err != nil {
			b.Fatal(err)
		}
	}
}
