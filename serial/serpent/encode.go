package serpent

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// maxLevel is serpent's default maximum_level: min(recursionlimit//5, 1000)
// with CPython's default recursion limit of 1000. A value nested deeper than
// this is refused.
const maxLevel = 200

// maxIntDigits is CPython's default limit on int <-> decimal str conversion
// (sys.get_int_max_str_digits()). A Python peer can neither write nor read a
// longer decimal literal.
const maxIntDigits = 4300

// maxIntBits is a bit length above which an int certainly has more than
// maxIntDigits decimal digits (4300 * log2(10) < 14285).
const maxIntBits = 14286

var errDepth = fmt.Errorf("serpent: value nested deeper than %d levels (or cyclic): %w", maxLevel, serial.ErrLimit)

func unsupported(format string, args ...any) error {
	return fmt.Errorf("serpent: %s: %w", fmt.Sprintf(format, args...), serial.ErrUnsupported)
}

// appendValue appends the serpent text of v. level is the nesting level as
// serpent counts it (the top value is 0). key is true for dict keys and set
// members, and everything inside them: those must be hashable in Python
// once read back.
func appendValue(dst []byte, v any, level int, key bool) ([]byte, error) {
	if level > maxLevel {
		return dst, errDepth
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "None"...), nil
	case bool:
		if x {
			return append(dst, "True"...), nil
		}
		return append(dst, "False"...), nil
	case string:
		return appendStr(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case *big.Int:
		return appendBig(dst, x)
	case float64:
		return appendFloat(dst, x, key)
	case float32:
		return appendFloat(dst, float64(x), key)
	case complex128:
		return appendComplex(dst, x, key)
	case complex64:
		return appendComplex(dst, complex128(x), key)
	case []byte:
		if key {
			return dst, unsupported("bytes as a dict key or set member (serpent writes a dict, which Python cannot hash)")
		}
		return appendBytes(dst, x), nil
	case value.Tuple:
		return appendTuple(dst, x, level, key)
	case []any:
		if key {
			return dst, unsupported("list as a dict key or set member (unhashable in Python)")
		}
		return appendList(dst, x, level)
	case value.Set:
		if key {
			return dst, unsupported("set as a dict key or set member (unhashable in Python)")
		}
		return appendSet(dst, x, level)
	case *value.Dict:
		if key {
			return dst, unsupported("dict as a dict key or set member (unhashable in Python)")
		}
		return appendDict(dst, x, level)
	case value.Decimal:
		return appendStr(dst, string(x))
	case value.UUID:
		dst = append(dst, '\'')
		dst = append(dst, x.String()...)
		return append(dst, '\''), nil
	case value.Date:
		return appendDate(dst, x)
	case time.Time:
		return appendTime(dst, x)
	}
	return dst, unsupported("cannot encode Go type %T", v)
}

func appendBig(dst []byte, x *big.Int) ([]byte, error) {
	if x == nil {
		return dst, unsupported("nil *big.Int")
	}
	if x.IsInt64() {
		return strconv.AppendInt(dst, x.Int64(), 10), nil
	}
	if x.BitLen() > maxIntBits {
		return dst, unsupported("int of %d bits has more than %d decimal digits", x.BitLen(), maxIntDigits)
	}
	n := len(dst)
	dst = x.Append(dst, 10)
	digits := len(dst) - n
	if x.Sign() < 0 {
		digits--
	}
	if digits > maxIntDigits {
		return dst[:n], unsupported("int has %d decimal digits, more than %d", digits, maxIntDigits)
	}
	return dst, nil
}

// appendFloat writes f as serpent does: Python's repr, 1e30000 for
// infinity and a class dict for NaN.
func appendFloat(dst []byte, f float64, key bool) ([]byte, error) {
	switch {
	case math.IsNaN(f):
		if key {
			return dst, unsupported("NaN as a dict key or set member (serpent writes a dict, which Python cannot hash)")
		}
		return append(dst, "{'__class__':'float','value':'nan'}"...), nil
	case math.IsInf(f, 1):
		return append(dst, "1e30000"...), nil
	case math.IsInf(f, -1):
		return append(dst, "-1e30000"...), nil
	}
	return value.AppendFloatRepr(dst, f), nil
}

func appendComplex(dst []byte, c complex128, key bool) ([]byte, error) {
	re, im := real(c), imag(c)
	if math.IsNaN(re) || math.IsNaN(im) {
		return dst, unsupported("complex with a NaN part (serpent writes text Python cannot parse)")
	}
	dst = append(dst, '(')
	dst, _ = appendFloat(dst, re, key)
	// serpent writes "+" whenever imag >= 0, giving "+-0.0j" for -0.0,
	// which is not literal syntax; write "-0.0j" instead.
	if im >= 0 && !math.Signbit(im) {
		dst = append(dst, '+')
	}
	dst, _ = appendFloat(dst, im, key)
	return append(dst, "j)"...), nil
}

// appendBytes writes b the way serpent does by default: the repr of a dict
// holding the base64 text (with Python's ", " and ": " spacing).
func appendBytes(dst []byte, b []byte) []byte {
	const pre, post = "{'data': '", "', 'encoding': 'base64'}"
	dst = slices.Grow(dst, len(pre)+base64.StdEncoding.EncodedLen(len(b))+len(post))
	dst = append(dst, pre...)
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, post...)
}

func appendTuple(dst []byte, t value.Tuple, level int, key bool) ([]byte, error) {
	dst = append(dst, '(')
	var err error
	for i, e := range t {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendValue(dst, e, level+1, key); err != nil {
			return dst, err
		}
	}
	if len(t) == 1 {
		dst = append(dst, ',')
	}
	return append(dst, ')'), nil
}

func appendList(dst []byte, l []any, level int) ([]byte, error) {
	dst = append(dst, '[')
	var err error
	for i, e := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendValue(dst, e, level+1, false); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

func appendSet(dst []byte, s value.Set, level int) ([]byte, error) {
	if len(s) == 0 {
		// There is no empty set literal; serpent writes an empty tuple.
		return append(dst, "()"...), nil
	}
	dst = append(dst, '{')
	var err error
	for i, e := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		if err = checkKeyType(e); err != nil {
			return dst, err
		}
		if dst, err = appendValue(dst, e, level+1, true); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendDict(dst []byte, d *value.Dict, level int) ([]byte, error) {
	dst = append(dst, '{')
	if d == nil {
		return append(dst, '}'), nil
	}
	var err error
	for i, it := range d.Items {
		if i > 0 {
			dst = append(dst, ',')
		}
		if err = checkKeyType(it.Key); err != nil {
			return dst, err
		}
		if dst, err = appendValue(dst, it.Key, level+1, true); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = appendValue(dst, it.Value, level+1, false); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// checkKeyType applies serpent's rule for dict keys and set members: the
// Python type must be bool, bytes, str, tuple or a number (Decimal is a
// number). Bytes are refused later, by appendValue.
func checkKeyType(k any) error {
	switch k.(type) {
	case bool, string, []byte, value.Tuple, value.Decimal,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int,
		float32, float64, complex64, complex128:
		return nil
	}
	return unsupported("dict key or set member of type %T (serpent allows only str, bytes, bool, numbers and tuples)", k)
}

func validDate(y int, m time.Month, d int) bool {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && t.Month() == m
}

func appendDate(dst []byte, d value.Date) ([]byte, error) {
	if !validDate(d.Year, d.Month, d.Day) {
		return dst, unsupported("invalid or out of range date %04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	dst = append(dst, '\'')
	dst = appendYMD(dst, d.Year, d.Month, d.Day)
	return append(dst, '\''), nil
}

func appendYMD(dst []byte, y int, m time.Month, d int) []byte {
	dst = appendPad(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPad(dst, int(m), 2)
	dst = append(dst, '-')
	return appendPad(dst, d, 2)
}

func appendPad(dst []byte, n, width int) []byte {
	var buf [8]byte
	s := strconv.AppendInt(buf[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendTime writes Python's datetime.isoformat(): naive for time.Local,
// with the UTC offset for any other location.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	y, mo, d := t.Date()
	if y < 1 || y > 9999 {
		return dst, unsupported("datetime year %d outside Python's range 1..9999", y)
	}
	h, mi, s := t.Clock()
	dst = append(dst, '\'')
	dst = appendYMD(dst, y, mo, d)
	dst = append(dst, 'T')
	dst = appendPad(dst, h, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, s, 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		dst = append(dst, '.')
		dst = appendPad(dst, us, 6)
	}
	if t.Location() != time.Local {
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		dst = append(dst, sign)
		dst = appendPad(dst, off/3600, 2)
		dst = append(dst, ':')
		dst = appendPad(dst, off%3600/60, 2)
		if off%60 != 0 {
			dst = append(dst, ':')
			dst = appendPad(dst, off%60, 2)
		}
	}
	return append(dst, '\''), nil
}
