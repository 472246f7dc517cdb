package serpent

// Helpers shared by this package's tests: the Python peer (through
// internal/pytest), a reader for Python reprs and value predicates.

import (
	"encoding/base64"
	"fmt"
	"math"
	"testing"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/require"
)

var codec = New()

// requirePython is pytest.RequirePython for tests that run serpent itself.
func requirePython(t testing.TB) {
	t.Helper()
	pytest.RequirePython(t, "serpent")
}

// fromTagged is pytest.FromTagged that, like Unmarshal, turns serpent's NaN
// class dict into a float NaN.
func fromTagged(raw any) (any, error) {
	return pytest.FromTagged(raw, func(d *value.Dict) (any, bool) {
		return nanDict(d)
	})
}

// pyValue decodes Python repr text with the codec under test, after
// rewriting the non-literal spellings repr uses for floats: nan becomes
// serpent's NaN dict and inf becomes 1e30000.
func pyValue(t testing.TB, repr string) any {
	t.Helper()
	v, err := codec.Unmarshal([]byte(reprToLiteral(repr)), serial.Limits{})
	require.NoError(t, err, "repr %q", repr)
	return v
}

// reprToLiteral replaces the names nan and inf outside string literals.
func reprToLiteral(s string) string {
	var out []byte
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, s[i:min(j+1, len(s))]...)
			i = j + 1
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			switch name := s[i:j]; name {
			case "nan":
				out = append(out, "{'__class__':'float','value':'nan'}"...)
			case "inf":
				out = append(out, "1e30000"...)
			default:
				out = append(out, name...)
			}
			i = j
		default:
			out = append(out, c)
			i++
		}
	}
	return string(out)
}

// contains reports whether pred holds for v or anything inside it.
func contains(v any, pred func(any) bool) bool {
	if pred(v) {
		return true
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if contains(e, pred) {
				return true
			}
		}
	case value.Tuple:
		for _, e := range x {
			if contains(e, pred) {
				return true
			}
		}
	case value.Set:
		for _, e := range x {
			if contains(e, pred) {
				return true
			}
		}
	case *value.Dict:
		for _, it := range x.Items {
			if contains(it.Key, pred) || contains(it.Value, pred) {
				return true
			}
		}
	}
	return false
}

func isSet(v any) bool { _, ok := v.(value.Set); return ok }

func isBytes(v any) bool { _, ok := v.([]byte); return ok }

func isComplex(v any) bool { _, ok := v.(complex128); return ok }

func isBytesDict(v any) bool {
	d, ok := v.(*value.Dict)
	if !ok || d.Len() != 2 {
		return false
	}
	_, err := ToBytes(d)
	return err == nil
}

// afterPython returns what a value written by Marshal becomes once Python
// reads it: bytes arrive as serpent's base64 dict, an empty set as an empty
// tuple, and complex numbers go through Python's real+imaginary
// arithmetic (which drops some signs of zero).
func afterPython(v any) any {
	switch x := v.(type) {
	case []byte:
		d := value.NewDict(2)
		d.Append("data", base64.StdEncoding.EncodeToString(x))
		d.Append("encoding", "base64")
		return d
	case complex128:
		re, im := real(x), imag(x)
		if im >= 0 && !math.Signbit(im) {
			return complex(re+0.0, im)
		}
		return complex(re, 0.0-math.Abs(im))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = afterPython(e)
		}
		return out
	case value.Tuple:
		out := make(value.Tuple, len(x))
		for i, e := range x {
			out[i] = afterPython(e)
		}
		return out
	case value.Set:
		if len(x) == 0 {
			return value.Tuple{}
		}
		out := make(value.Set, len(x))
		for i, e := range x {
			out[i] = afterPython(e)
		}
		return out
	case *value.Dict:
		out := value.NewDict(x.Len())
		for _, it := range x.Items {
			out.Append(afterPython(it.Key), afterPython(it.Value))
		}
		return out
	}
	return v
}

// strictEqual is value.Equal plus matching Go types for ints (int64 vs
// *big.Int follows from normalisation) and dict order.
func strictEqual(a, b any) bool {
	if !value.Equal(a, b) {
		return false
	}
	da, ok := a.(*value.Dict)
	if !ok {
		switch x := a.(type) {
		case []any:
			y := b.([]any)
			for i := range x {
				if !strictEqual(x[i], y[i]) {
					return false
				}
			}
		case value.Tuple:
			y := b.(value.Tuple)
			for i := range x {
				if !strictEqual(x[i], y[i]) {
					return false
				}
			}
		}
		return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
	}
	db := b.(*value.Dict)
	for i := range da.Items {
		if !strictEqual(da.Items[i].Key, db.Items[i].Key) || !strictEqual(da.Items[i].Value, db.Items[i].Value) {
			return false
		}
	}
	return true
}
