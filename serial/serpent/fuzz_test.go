package serpent

import (
	"errors"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// FuzzUnmarshal feeds arbitrary text to the parser. Refusals must carry a
// position and one of the sentinels. What decodes must encode (unless
// serpent forbids the value, such as a None dict key), decode again to the
// same value, and reach a fixed point of the encoding.
func FuzzUnmarshal(f *testing.F) {
	for _, e := range loadValueVectors(f) {
		if e.SerpentText != "" {
			f.Add([]byte(e.SerpentText))
		}
	}
	for _, m := range loadMessageVectors(f) {
		data, _ := m.payload(f)
		f.Add(data)
	}
	for _, s := range syntaxCorpus {
		if len(s) < 1000 {
			f.Add([]byte(s))
		}
	}
	lim := serial.Limits{MaxDepth: 32, MaxItems: 10_000, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := codec.Unmarshal(data, lim)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DecodeError: %v", err)
			}
			if !errors.Is(err, serial.ErrMalformed) && !errors.Is(err, serial.ErrLimit) && !errors.Is(err, serial.ErrUnsupported) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if de.Offset < 0 || de.Offset > len(data) || de.Line < 1 || de.Column < 1 {
				t.Fatalf("bad position in %v", err)
			}
			return
		}
		enc, err := codec.Marshal(nil, v)
		if err != nil {
			if !errors.Is(err, serial.ErrUnsupported) {
				t.Fatalf("decoded %#v but encoding fails with %v", v, err)
			}
			return
		}
		// A complex number gains parentheses, bytes become a dict.
		lim2 := serial.Limits{MaxDepth: lim.MaxDepth + 1}
		back, err := codec.Unmarshal(enc, lim2)
		if err != nil {
			t.Fatalf("cannot decode own output %q: %v", enc, err)
		}
		if want := afterPython(v); !value.Equal(want, back) {
			t.Fatalf("round trip changed %#v into %#v via %q", want, back, enc)
		}
		enc2, err := codec.Marshal(nil, back)
		if err != nil {
			t.Fatalf("cannot re-encode %#v: %v", back, err)
		}
		back2, err := codec.Unmarshal(enc2, lim2)
		if err != nil {
			t.Fatalf("cannot decode %q: %v", enc2, err)
		}
		enc3, err := codec.Marshal(nil, back2)
		if err != nil || string(enc3) != string(enc2) {
			t.Fatalf("encoding is not stable: %q then %q (%v)", enc2, enc3, err)
		}
	})
}

// FuzzStringRoundTrip: any valid UTF-8 string survives Marshal and
// Unmarshal, and so do arbitrary bytes; invalid UTF-8 is refused.
func FuzzStringRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `"`, `'"`, "\\", "\x00\n\r\t\x7f", "\u0085\u00a0\u00ad", "\u2028\u200b",
		"\U000e0001", "😀", "\xff", "\u0cf3", "\ufeff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := codec.Marshal(nil, s)
		if !utf8.ValidString(s) {
			if !errors.Is(err, serial.ErrUnsupported) {
				t.Fatalf("invalid UTF-8 %q: got %v", s, err)
			}
		} else {
			if err != nil {
				t.Fatal(err)
			}
			back, err := codec.Unmarshal(enc, serial.Limits{})
			if err != nil || back != s {
				t.Fatalf("%q -> %q -> %#v (%v)", s, enc, back, err)
			}
		}
		enc, err = codec.Marshal(nil, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		back, err := codec.Unmarshal(enc, serial.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := ToBytes(back)
		if err != nil || string(b) != s {
			t.Fatalf("bytes %q -> %q -> %q (%v)", s, enc, b, err)
		}
	})
}

// FuzzFloatRoundTrip: every float64 bit pattern comes back (NaN as a NaN).
func FuzzFloatRoundTrip(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 1, 0.1, 1e16, 1e-5, 5e-324, math.MaxFloat64, math.Inf(1), math.NaN()} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		enc, err := codec.Marshal(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		back, err := codec.Unmarshal(enc, serial.Limits{})
		if err != nil {
			t.Fatalf("%q: %v", enc, err)
		}
		y, ok := back.(float64)
		if !ok || !(math.Float64bits(y) == bits || math.IsNaN(x) && math.IsNaN(y)) {
			t.Fatalf("%v (%#x) -> %q -> %#v", x, bits, enc, back)
		}
	})
}
