package msgpack

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// fuzzLimits keep fuzz inputs cheap while still letting the limits trip.
var fuzzLimits = serial.Limits{MaxDepth: 24, MaxItems: 1 << 14, MaxBytes: 1 << 20}

func addSeeds(f *testing.F) {
	for _, vec := range loadVectors(f) {
		p, _ := vec.payload(f)
		f.Add(p)
	}
	for _, s := range [][]byte{
		{0xdd, 0xff, 0xff, 0xff, 0xff},
		{0xdf, 0xff, 0xff, 0xff, 0xff},
		{0x81, 0x92, 0x01, 0xa1, 'x', 0xc0},
		{0xd6, 0xff, 0, 0, 0, 1},
		{0xc7, 12, 0xff, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0xd7, 0x32, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f},
		{0xd7, 0x33, 1, 0, 0, 0, 0, 0, 0, 0},
		{0xd8, 0x30, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0xf0, 0xbf},
		{0xc7, 3, 0x31, '-', '9', '9'},
		{0xca, 0x7f, 0xc0, 0, 1},
	} {
		f.Add(s)
	}
}

// FuzzUnmarshal: no input panics, errors are classified, and a decoded
// value can always be encoded again.
func FuzzUnmarshal(f *testing.F) {
	addSeeds(f)
	c := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		v, err := c.Unmarshal(data, fuzzLimits)
		if !bytes.Equal(orig, data) {
			t.Fatal("Unmarshal modified its input")
		}
		if err != nil {
			if !errors.Is(err, serial.ErrMalformed) && !errors.Is(err, serial.ErrLimit) && !errors.Is(err, serial.ErrUnsupported) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if _, err := c.Marshal(nil, v); err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
	})
}

// FuzzStability: decode → encode → decode changes nothing, except that
// msgpack timestamps (ext -1) and sub-microsecond times are normalised to
// Pyro4's microsecond datetime on the first pass; after that it is a fixed
// point, value and bytes.
func FuzzStability(f *testing.F) {
	addSeeds(f)
	c := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		v1, err := c.Unmarshal(data, fuzzLimits)
		if err != nil {
			return
		}
		e1, err := c.Marshal(nil, v1)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		v2, err := c.Unmarshal(e1, serial.Limits{})
		if err != nil {
			t.Fatalf("re-decode of %x: %v", e1, err)
		}
		if !hasTime(v1) {
			if d := diff(v1, v2); d != "" {
				t.Fatalf("decode→encode→decode changed the value: %s", d)
			}
			if !bytes.Equal(e1, mustMarshal(t, v2)) {
				t.Fatal("encoding is not stable")
			}
		}
		e2 := mustMarshal(t, v2)
		v3, err := c.Unmarshal(e2, serial.Limits{})
		if err != nil {
			t.Fatalf("third decode: %v", err)
		}
		if d := diff(v2, v3); d != "" {
			t.Fatalf("not a fixed point after one pass: %s", d)
		}
		if e3 := mustMarshal(t, v3); !bytes.Equal(e2, e3) {
			t.Fatalf("bytes not a fixed point: %x vs %x", e2, e3)
		}
	})
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := New().Marshal(nil, v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func hasTime(v any) bool {
	switch x := v.(type) {
	case time.Time:
		return true
	case []any:
		for _, e := range x {
			if hasTime(e) {
				return true
			}
		}
	case value.Tuple:
		for _, e := range x {
			if hasTime(e) {
				return true
			}
		}
	case *value.Dict:
		for _, it := range x.Items {
			if hasTime(it.Key) || hasTime(it.Value) {
				return true
			}
		}
	}
	return false
}
