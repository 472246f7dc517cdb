package jsonser

import (
	"bytes"
	"errors"
	"testing"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
)

// fuzzLimits keep fuzzing fast while still letting real payloads through.
var fuzzLimits = serial.Limits{MaxDepth: 32, MaxItems: 1 << 14, MaxBytes: 1 << 20}

func addSeeds(f *testing.F) {
	_, payloads := pytest.LoadVectors(f, vectorFile)
	for _, p := range payloads {
		f.Add(p)
	}
	for _, s := range []string{
		`[NaN, Infinity, -Infinity, -0.0, 1e400, 123456789012345678901234567890]`, `"\ud834\udd1e\u00e9\n"`,
		`{"a": 1, "a": 2}`, "[[[[[]]]]]", `"\ud800"`, "1.5e-7", "\"\xc3\xa9\"",
	} {
		f.Add([]byte(s))
	}
}

// FuzzUnmarshal: any input either decodes or fails with a sentinel error,
// never a panic; a decoded value can always be encoded again.
func FuzzUnmarshal(f *testing.F) {
	addSeeds(f)
	c := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Unmarshal(data, fuzzLimits)
		if err != nil {
			if !errors.Is(err, serial.ErrMalformed) && !errors.Is(err, serial.ErrLimit) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if _, err := c.Marshal(nil, v); err != nil {
			t.Fatalf("decoded value cannot be encoded: %v", err)
		}
	})
}

// FuzzStability: decode → encode → decode → encode gives the same bytes
// twice (encoding is canonical and decoding loses nothing it writes).
func FuzzStability(f *testing.F) {
	addSeeds(f)
	c := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Unmarshal(data, fuzzLimits)
		if err != nil {
			return
		}
		enc1, err := c.Marshal(nil, v)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		v2, err := c.Unmarshal(enc1, fuzzLimits)
		if err != nil {
			t.Fatalf("re-decode of %q: %v", enc1, err)
		}
		enc2, err := c.Marshal(nil, v2)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(enc1, enc2) {
			t.Fatalf("unstable encoding:\n%q\n%q", enc1, enc2)
		}
	})
}
