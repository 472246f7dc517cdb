package msgpack

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"time"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// maxEncodeDepth is python msgpack's default nesting limit for packing; it
// also stops the encoder on a value that contains itself.
const maxEncodeDepth = 511

// Marshal appends the msgpack encoding of v to dst. Errors wrap
// serial.ErrUnsupported (a type or value the wire cannot carry) or
// serial.ErrLimit (nesting deeper than 511, which python msgpack refuses).
// On error dst is returned unchanged.
func (*Codec) Marshal(dst []byte, v any) ([]byte, error) {
	out, err := appendValue(dst, v, maxEncodeDepth)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// MarshalSegments is Marshal that leaves the content of every []byte of at
// least min bytes out of buf (see [serial.SegmentMarshaler]).
func (*Codec) MarshalSegments(dst []byte, v any, min int) ([]byte, [][]byte, error) {
	e := &segmenter{min: max(min, 1)}
	out, err := encodeValue(dst, v, maxEncodeDepth, e)
	if err != nil {
		return dst, nil, err
	}
	return out, serial.Segments(out, len(dst), e.cuts), nil
}

var _ serial.SegmentMarshaler = (*Codec)(nil)

// segmenter collects the byte strings left out of an encoding.
type segmenter struct {
	min  int
	cuts []serial.Cut
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: msgpack: "+format, append([]any{serial.ErrUnsupported}, args...)...)
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	return encodeValue(b, v, depth, nil)
}

// encodeValue appends v; a non-nil e takes the long byte strings (see
// MarshalSegments).
func encodeValue(b []byte, v any, depth int, e *segmenter) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, 0xc0), nil
	case bool:
		if x {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case int64:
		return appendInt(b, x), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int8:
		return appendInt(b, int64(x)), nil
	case int16:
		return appendInt(b, int64(x)), nil
	case int32:
		return appendInt(b, int64(x)), nil
	case uint:
		return appendUint(b, uint64(x)), nil
	case uint8:
		return appendUint(b, uint64(x)), nil
	case uint16:
		return appendUint(b, uint64(x)), nil
	case uint32:
		return appendUint(b, uint64(x)), nil
	case uint64:
		return appendUint(b, x), nil
	case *big.Int:
		return appendBig(b, x)
	case float64:
		return appendFloat(b, x), nil
	case float32:
		return appendFloat(b, float64(x)), nil
	case complex128:
		return appendComplex(b, x), nil
	case complex64:
		return appendComplex(b, complex128(x)), nil
	case string:
		return appendStr(b, x)
	case []byte:
		if e != nil && len(x) >= e.min {
			b, err := appendBinHeader(b, len(x))
			if err == nil {
				e.cuts = append(e.cuts, serial.Cut{At: len(b), B: x})
			}
			return b, err
		}
		return appendBin(b, x)
	case []any:
		return encodeArray(b, x, depth, e)
	case value.Tuple:
		return encodeArray(b, x, depth, e)
	case value.Set:
		return encodeArray(b, x, depth, e)
	case *value.Dict:
		return encodeMap(b, x, depth, e)
	case time.Time:
		ts := timestamp(x)
		if _, err := fromTimestamp(ts); err != nil { // what the peer will do
			return b, unsupported("time %v: %v", x, err)
		}
		var p [8]byte
		binary.LittleEndian.PutUint64(p[:], math.Float64bits(ts))
		return appendExt(b, extDatetime, p[:])
	case value.Date:
		o, err := ordinal(x)
		if err != nil {
			return b, unsupported("%v", err)
		}
		var p [8]byte
		binary.LittleEndian.PutUint64(p[:], uint64(o))
		return appendExt(b, extDate, p[:])
	case value.Decimal:
		return appendStr(b, string(x))
	case value.UUID:
		return appendStr(b, x.String())
	case value.Ext:
		return appendExt(b, x.Code, x.Data)
	}
	return b, unsupported("cannot encode Go type %T", v)
}

// appendUint writes u in the smallest unsigned form, as python msgpack does
// for a non-negative int.
func appendUint(b []byte, u uint64) []byte {
	switch {
	case u <= 0x7f:
		return append(b, byte(u))
	case u <= math.MaxUint8:
		return append(b, 0xcc, byte(u))
	case u <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(u))
	case u <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(u))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), u)
}

// appendInt writes i as python msgpack does: unsigned forms when it is
// non-negative, else the smallest signed form.
func appendInt(b []byte, i int64) []byte {
	switch {
	case i >= 0:
		return appendUint(b, uint64(i))
	case i >= -32:
		return append(b, byte(i))
	case i >= math.MinInt8:
		return append(b, 0xd0, byte(i))
	case i >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
}

func appendBig(b []byte, x *big.Int) ([]byte, error) {
	if x == nil {
		return b, unsupported("nil *big.Int")
	}
	if x.IsInt64() {
		return appendInt(b, x.Int64()), nil
	}
	if x.IsUint64() {
		return appendUint(b, x.Uint64()), nil
	}
	// Pyro4 sends other ints as ext 0x31 holding str(int).
	s := x.String()
	n := len(s)
	if x.Sign() < 0 {
		n-- // the sign is not a digit
	}
	if n > maxIntDigits {
		return b, unsupported("int of %d digits exceeds Python's %d digit limit", n, maxIntDigits)
	}
	return appendExt(b, extBigInt, []byte(s))
}

func appendFloat(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
}

func appendComplex(b []byte, c complex128) []byte {
	b = append(b, 0xd8, byte(extComplex))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(real(c)))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(imag(c)))
}

// appendStr writes s as str, with the header python msgpack picks when
// use_bin_type is on (str8 allowed).
func appendStr(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return b, unsupported("string is not valid UTF-8")
	}
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	case uint64(n) <= math.MaxUint32:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	default:
		return b, unsupported("string of %d bytes is too long", n)
	}
	return append(b, s...), nil
}

func appendBin(b []byte, p []byte) ([]byte, error) {
	b, err := appendBinHeader(b, len(p))
	if err != nil {
		return b, err
	}
	return append(b, p...), nil
}

// appendBinHeader writes the header of a bin of n bytes.
func appendBinHeader(b []byte, n int) ([]byte, error) {
	switch {
	case n <= math.MaxUint8:
		b = append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	case uint64(n) <= math.MaxUint32:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	default:
		return b, unsupported("bytes of length %d is too long", n)
	}
	return b, nil
}

func appendExt(b []byte, code int8, p []byte) ([]byte, error) {
	n := len(p)
	switch {
	case n == 1:
		b = append(b, 0xd4)
	case n == 2:
		b = append(b, 0xd5)
	case n == 4:
		b = append(b, 0xd6)
	case n == 8:
		b = append(b, 0xd7)
	case n == 16:
		b = append(b, 0xd8)
	case n <= math.MaxUint8:
		b = append(b, 0xc7, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xc8), uint16(n))
	case uint64(n) <= math.MaxUint32:
		b = binary.BigEndian.AppendUint32(append(b, 0xc9), uint32(n))
	default:
		return b, unsupported("ext data of length %d is too long", n)
	}
	return append(append(b, byte(code)), p...), nil
}

func appendContainerHeader(b []byte, n int, fix, h16, h32 byte) ([]byte, error) {
	switch {
	case n < 16:
		return append(b, fix|byte(n)), nil
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, h16), uint16(n)), nil
	case uint64(n) <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, h32), uint32(n)), nil
	}
	return b, unsupported("container of %d elements is too long", n)
}

func encodeArray(b []byte, a []any, depth int, e *segmenter) ([]byte, error) {
	if depth <= 0 {
		return b, fmt.Errorf("%w: msgpack: nesting deeper than %d", serial.ErrLimit, maxEncodeDepth)
	}
	b, err := appendContainerHeader(b, len(a), 0x90, 0xdc, 0xdd)
	if err != nil {
		return b, err
	}
	for _, x := range a {
		if b, err = encodeValue(b, x, depth-1, e); err != nil {
			return b, err
		}
	}
	return b, nil
}

func encodeMap(b []byte, d *value.Dict, depth int, e *segmenter) ([]byte, error) {
	if depth <= 0 {
		return b, fmt.Errorf("%w: msgpack: nesting deeper than %d", serial.ErrLimit, maxEncodeDepth)
	}
	b, err := appendContainerHeader(b, d.Len(), 0x80, 0xde, 0xdf)
	if err != nil || d == nil {
		return b, err
	}
	for _, it := range d.Items {
		if b, err = encodeValue(b, it.Key, depth-1, e); err != nil {
			return b, err
		}
		if b, err = encodeValue(b, it.Value, depth-1, e); err != nil {
			return b, err
		}
	}
	return b, nil
}
