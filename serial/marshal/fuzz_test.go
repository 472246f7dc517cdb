package marshal

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
		"\xa9\x01r\x00\x00\x00\x00", "{z\x01az\x01b0", "l\x02\x00\x00\x00\xff\x7f\x01\x00", "f\x03nan",
		"x\x011\x012", "<\x02\x00\x00\x00i\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\xf0?", "[\xff\xff\xff\x7f",
		string(amplifier(4, 3)),
	} {
		f.Add([]byte(s))
	}
}

// FuzzUnmarshal: any input either decodes or fails with one of the
// package's sentinel errors; never a panic. A decoded value can always be
// encoded again.
func FuzzUnmarshal(f *testing.F) {
	addSeeds(f)
	c := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Unmarshal(data, fuzzLimits)
		if err != nil {
			if !errors.Is(err, serial.ErrMalformed) && !errors.Is(err, serial.ErrLimit) && !errors.Is(err, serial.ErrUnsupported) {
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
// twice, so encoding is deterministic and decoding loses nothing the
// encoder writes.
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
			t.Fatalf("re-decode of %x: %v", enc1, err)
		}
		enc2, err := c.Marshal(nil, v2)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(enc1, enc2) {
			t.Fatalf("unstable encoding:\n%x\n%x", enc1, enc2)
		}
	})
}
