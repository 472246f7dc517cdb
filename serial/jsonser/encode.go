package jsonser

import (
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// maxEncodeDepth bounds the nesting the encoder follows; Python's json.loads
// cannot read much more than its recursion limit of 1000 anyway, and the
// bound turns a cyclic value into an error instead of a stack overflow.
const maxEncodeDepth = 1000

type encoder struct {
	buf []byte
}

func unsupported(format string, args ...any) error {
	return errorf(serial.ErrUnsupported, format, args...)
}

func (e *encoder) encode(v any, depth int) error {
	if depth > maxEncodeDepth {
		return errorf(serial.ErrLimit, "value nested deeper than %d (cyclic?)", maxEncodeDepth)
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case string:
		return e.str(x)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int8:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int16:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int32:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case uint:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint8:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint16:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint32:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, x, 10)
	case *big.Int:
		return e.bigInt(x)
	case float64:
		e.float(x)
	case float32:
		e.float(float64(x))
	case []any:
		return e.array(x, depth)
	case value.Tuple:
		return e.array(x, depth)
	case value.Set:
		return e.array(x, depth)
	case *value.Dict:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.object(x, depth)
	case value.UUID:
		return e.str(x.String())
	case value.Decimal:
		return e.str(string(x))
	case value.Date:
		s, err := isoDate(x)
		if err != nil {
			return err
		}
		return e.str(s)
	case time.Time:
		s, err := isoDateTime(x)
		if err != nil {
			return err
		}
		return e.str(s)
	case []byte:
		return unsupported("bytes cannot be sent with json (Pyro4 refuses them too)")
	case complex128, complex64:
		return unsupported("complex numbers cannot be sent with json (Pyro4 refuses them too)")
	case value.Ext:
		return unsupported("msgpack ext value cannot be sent with json")
	default:
		return unsupported("type %T is not part of the value model", v)
	}
	return nil
}

// float writes Python's repr, or the NaN/Infinity tokens json.dumps uses.
func (e *encoder) float(f float64) {
	switch {
	case math.IsNaN(f):
		e.buf = append(e.buf, "NaN"...)
	case math.IsInf(f, 1):
		e.buf = append(e.buf, "Infinity"...)
	case math.IsInf(f, -1):
		e.buf = append(e.buf, "-Infinity"...)
	default:
		e.buf = value.AppendFloatRepr(e.buf, f)
	}
}

func (e *encoder) bigInt(x *big.Int) error {
	if x == nil {
		return unsupported("nil *big.Int")
	}
	start := len(e.buf)
	e.buf = x.Append(e.buf, 10)
	digits := len(e.buf) - start
	if x.Sign() < 0 {
		digits--
	}
	if digits > maxIntDigits {
		e.buf = e.buf[:start]
		return unsupported("int of %d digits: Python cannot convert ints over %d digits", digits, maxIntDigits)
	}
	return nil
}

func (e *encoder) array(items []any, depth int) error {
	e.buf = append(e.buf, '[')
	for i, it := range items {
		if i > 0 {
			e.buf = append(e.buf, ", "...)
		}
		if err := e.encode(it, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *encoder) object(d *value.Dict, depth int) error {
	e.buf = append(e.buf, '{')
	for i, it := range d.Items {
		if i > 0 {
			e.buf = append(e.buf, ", "...)
		}
		if err := e.key(it.Key); err != nil {
			return err
		}
		e.buf = append(e.buf, ": "...)
		if err := e.encode(it.Value, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// key writes a dict key the way json.dumps converts it to a string.
func (e *encoder) key(k any) error {
	switch x := k.(type) {
	case string:
		return e.str(x)
	case nil:
		e.buf = append(e.buf, `"null"`...)
	case bool:
		if x {
			e.buf = append(e.buf, `"true"`...)
		} else {
			e.buf = append(e.buf, `"false"`...)
		}
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int, float64, float32:
		e.buf = append(e.buf, '"')
		if err := e.encode(x, 0); err != nil {
			return err
		}
		e.buf = append(e.buf, '"')
	default:
		return unsupported("dict key of type %T: keys must be str, int, float, bool or None", k)
	}
	return nil
}

// str writes s as json.dumps(ensure_ascii=False) does.
func (e *encoder) str(s string) error {
	if !utf8.ValidString(s) {
		return unsupported("str is not valid UTF-8")
	}
	e.buf = append(e.buf, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		e.buf = append(e.buf, s[last:i]...)
		last = i + 1
		switch c {
		case '"':
			e.buf = append(e.buf, '\\', '"')
		case '\\':
			e.buf = append(e.buf, '\\', '\\')
		case '\n':
			e.buf = append(e.buf, '\\', 'n')
		case '\r':
			e.buf = append(e.buf, '\\', 'r')
		case '\t':
			e.buf = append(e.buf, '\\', 't')
		case '\b':
			e.buf = append(e.buf, '\\', 'b')
		case '\f':
			e.buf = append(e.buf, '\\', 'f')
		default:
			const hexDigits = "0123456789abcdef"
			e.buf = append(e.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	e.buf = append(e.buf, s[last:]...)
	e.buf = append(e.buf, '"')
	return nil
}

// isoDate is Python's date.isoformat.
func isoDate(d value.Date) (string, error) {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	if d.Year < 1 || d.Year > 9999 || t.Month() != d.Month || t.Day() != d.Day {
		return "", unsupported("date %04d-%02d-%02d is not a valid Python date", d.Year, int(d.Month), d.Day)
	}
	return d.String(), nil
}

// isoDateTime is Python's datetime.isoformat: microseconds only when not
// zero, and the UTC offset only for an aware datetime. A time.Time in
// time.Local stands for a naive datetime; any other location is written
// with its offset (for example "+00:00" for UTC).
func isoDateTime(t time.Time) (string, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return "", unsupported("datetime year %d is outside Python's range", y)
	}
	b := make([]byte, 0, 40)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = appendPadded(b, us, 6)
	}
	if t.Location() == time.Local {
		return string(b), nil
	}
	_, off := t.Zone()
	if off <= -86400 || off >= 86400 {
		return "", unsupported("UTC offset of %d seconds is outside Python's range", off)
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = appendPadded(b, off/3600, 2)
	b = append(b, ':')
	b = appendPadded(b, off%3600/60, 2)
	if off%60 != 0 {
		b = append(b, ':')
		b = appendPadded(b, off%60, 2)
	}
	return string(b), nil
}

func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
