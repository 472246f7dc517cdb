// Package serpent implements serpent 1.41, the Python-literal text format
// that Pyro4 4.82 uses as its default serializer (serializer id 1).
//
// A serpent payload is UTF-8 text: the header line
// "# serpent utf-8 python3.2\n" followed by one Python literal expression, as
// Python's ast.literal_eval reads it. [Codec.Marshal] writes exactly what
// Pyro4's serpent writer produces for the same value; [Codec.Unmarshal] is a
// parser for the literal subset of Python's grammar, never an evaluator.
//
// # Value mapping
//
// Encoding takes the types of package value plus Go's other integer kinds,
// float32 and complex64. Decoding produces only value-model types:
//
//	written by Pyro4                          decoded as
//	None True False                           nil, bool
//	123  (0x/0o/0b, underscores)              int64, or *big.Int beyond int64
//	1.5  1e30000 (= inf)                      float64
//	{'__class__':'float','value':'nan'}       float64 NaN (as Pyro4 does on receive)
//	(1.0+2.0j)  1j  -1-2j                     complex128
//	'text' "text" '''text''' r'..' u'..'      string
//	b'..'                                     []byte
//	{'data': '<b64>', 'encoding': 'base64'}   *value.Dict (see [ToBytes])
//	[..] (..) {..} {k:v} set()                []any, value.Tuple, value.Set, *value.Dict
//
// Datetimes, dates, decimals and UUIDs are written as strings (Python's
// isoformat/str) and therefore come back as strings. A time.Time in
// time.Local is written as a naive datetime (no offset, like Python's naive
// datetime); a time.Time in any other location, including UTC, is written as
// an aware datetime with its offset ("2024-01-02T03:04:05+00:00"). Python
// datetimes have microsecond resolution, so nanoseconds are truncated.
//
// # Deliberate differences from serpent 1.41
//
// The writer refuses (with [serial.ErrUnsupported]) the few values for which
// serpent writes text that no peer can parse back: NaN dict keys or set
// members, bytes dict keys, complex numbers with a NaN part, ints of more than
// 4300 decimal digits (CPython's int/str conversion limit) and strings that are
// not valid UTF-8. A complex number whose imaginary part is -0.0 is written as
// "(x-0.0j)" where serpent writes the unparsable "(x+-0.0j)"; Python reads
// either sign of zero back as +0.0 (it also loses the sign of a -0.0 real
// part). A reference cycle is reported as exceeding the nesting limit.
//
// The reader refuses (with [serial.ErrUnsupported]) literal syntax that has no
// value-model form: lone surrogates (\ud800), \N{name} escapes and the
// Ellipsis. Int literals in any base are limited to 4300 digits (CPython
// limits only decimal ones).
//
// # Invariants
//
//   - Unmarshal never panics and never evaluates anything: only literals,
//     unary +/- on a number, a real number plus or minus an imaginary one,
//     and the call set() are accepted, the forms ast.literal_eval accepts
//     (less the refusals above). Names other than True, False, None and set
//     are refused.
//   - The input must be valid UTF-8 without a 0x00 byte, as serpent.loads
//     requires.
//   - Nesting (every bracket counts, parentheses included), the number of
//     container elements and the bytes of decoded str/bytes data are bounded
//     by [serial.Limits]; recursion depth never exceeds MaxDepth. Work is
//     linear in the input size for a given MaxDepth: int literals are capped
//     at 4300 digits, and duplicate dict keys and set members are resolved
//     with a hash map.
//   - Dicts keep their wire order. Duplicate keys follow Python: the first
//     key stays in place and the last value wins; ints, floats, complex
//     numbers and bools that Python considers equal are the same key.
//     Unhashable keys (lists, dicts, sets) are refused, as Python does.
//   - Errors are [*DecodeError] values carrying the position; they wrap
//     [serial.ErrMalformed], [serial.ErrLimit] or [serial.ErrUnsupported].
//   - Marshal refuses nesting deeper than 200 levels, as serpent does by
//     default, with an error wrapping [serial.ErrLimit].
package serpent

import (
	"encoding/base64"
	"fmt"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// Header is the first line of every payload serpent writes.
const Header = "# serpent utf-8 python3.2\n"

// Codec is the serpent serializer. The zero value is ready to use and it is
// safe for concurrent use.
type Codec struct{}

var _ serial.Serializer = (*Codec)(nil)

// New returns a serpent codec.
func New() *Codec { return &Codec{} }

// ID returns serial.IDSerpent (1).
func (*Codec) ID() uint16 { return serial.IDSerpent }

// Name returns "serpent".
func (*Codec) Name() string { return "serpent" }

// Marshal appends the header line and the serpent text of v to dst. On error
// it returns dst with its original length and an error wrapping
// serial.ErrUnsupported (a type or value serpent cannot carry) or
// serial.ErrLimit (nesting deeper than 200 levels).
func (*Codec) Marshal(dst []byte, v any) ([]byte, error) {
	n := len(dst)
	dst = append(dst, Header...)
	out, err := appendValue(dst, v, 0, false)
	if err != nil {
		return dst[:n], err
	}
	return out, nil
}

// Unmarshal parses a serpent payload within lim (zero fields take their
// defaults). The header line is optional, as it is for Python: it is a
// comment. Decoded strings are copies; the result never aliases data.
func (*Codec) Unmarshal(data []byte, lim serial.Limits) (any, error) {
	return decode(data, lim.WithDefaults())
}

// ToBytes returns the bytes carried by v: v itself when it is a []byte (a
// b'..' literal), or the decoded data of a serpent bytes dict
// {'data': '<base64>', 'encoding': 'base64'}, the form serpent writes for
// bytes, bytearray and memoryview. Anything else is an error wrapping
// serial.ErrMalformed. It is the counterpart of Python's serpent.tobytes.
func ToBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case *value.Dict:
		enc, ok := x.GetString("encoding")
		if !ok || enc != "base64" {
			break
		}
		data, ok := x.GetString("data")
		s, isStr := data.(string)
		if !ok || !isStr {
			break
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("serpent: bytes dict: %w: %v", serial.ErrMalformed, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("serpent: %w: %T is neither bytes nor a serpent bytes dict", serial.ErrMalformed, v)
}

// DecodeError reports where and why Unmarshal refused a payload. Err is
// serial.ErrMalformed, serial.ErrLimit or serial.ErrUnsupported, so
// errors.Is works with those sentinels.
type DecodeError struct {
	Offset int    // byte offset into the payload
	Line   int    // 1-based line number
	Column int    // 1-based byte column within the line
	Msg    string // what was wrong
	Err    error  // the sentinel
}

// Error implements error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("serpent: line %d column %d (offset %d): %s: %v", e.Line, e.Column, e.Offset, e.Msg, e.Err)
}

// Unwrap returns the sentinel.
func (e *DecodeError) Unwrap() error { return e.Err }
