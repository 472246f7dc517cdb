package marshal

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"time"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// maxEncodeDepth bounds the nesting the encoder follows. CPython refuses to
// read more than 2000 levels; the bound also turns a cyclic value into an
// error instead of a stack overflow.
const maxEncodeDepth = 1000

type encoder struct {
	buf []byte
	// segMin, when not 0, is the length from which a []byte is left out
	// of buf and recorded in cuts (MarshalSegments).
	segMin int
	cuts   []serial.Cut
}

func unsupported(format string, args ...any) error {
	return errorf(serial.ErrUnsupported, format, args...)
}

// encode appends v. In a hashable position (a dict key, a set element, or
// inside a tuple in such a position) lists and dicts are refused and sets
// are written as frozensets, so that Python can load the result.
func (e *encoder) encode(v any, hashCtx bool, depth int) error {
	if depth > maxEncodeDepth {
		return errorf(serial.ErrLimit, "value nested deeper than %d (cyclic?)", maxEncodeDepth)
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, typeNone)
	case bool:
		if x {
			e.buf = append(e.buf, typeTrue)
		} else {
			e.buf = append(e.buf, typeFalse)
		}
	case int:
		e.int64(int64(x))
	case int8:
		e.int64(int64(x))
	case int16:
		e.int64(int64(x))
	case int32:
		e.int64(int64(x))
	case int64:
		e.int64(x)
	case uint:
		e.uint64(uint64(x))
	case uint8:
		e.int64(int64(x))
	case uint16:
		e.int64(int64(x))
	case uint32:
		e.int64(int64(x))
	case uint64:
		e.uint64(x)
	case *big.Int:
		if x == nil {
			return unsupported("nil *big.Int")
		}
		return e.bigInt(x)
	case float64:
		e.float(typeBinaryFloat, x)
	case float32:
		e.float(typeBinaryFloat, float64(x))
	case complex128:
		e.float(typeBinaryComplex, real(x))
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(imag(x)))
	case complex64:
		return e.encode(complex128(x), hashCtx, depth)
	case string:
		return e.str(x)
	case value.UUID:
		return e.str(x.String())
	case []byte:
		if len(x) > math.MaxInt32 {
			return unsupported("bytes of %d bytes is too long", len(x))
		}
		e.buf = append(e.buf, typeString)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(x)))
		if e.segMin > 0 && len(x) >= e.segMin {
			e.cuts = append(e.cuts, serial.Cut{At: len(e.buf), B: x})
			break
		}
		e.buf = append(e.buf, x...)
	case value.Tuple:
		if len(x) < 256 {
			e.buf = append(e.buf, typeSmallTuple, byte(len(x)))
		} else if err := e.header(typeTuple, len(x)); err != nil {
			return err
		}
		return e.items(x, hashCtx, depth)
	case []any:
		if hashCtx {
			return unsupported("a list cannot be a dict key or set element")
		}
		if err := e.header(typeList, len(x)); err != nil {
			return err
		}
		return e.items(x, false, depth)
	case value.Set:
		code := byte(typeSet)
		if hashCtx {
			code = typeFrozenSet
		}
		if err := e.header(code, len(x)); err != nil {
			return err
		}
		return e.items(x, true, depth)
	case *value.Dict:
		if x == nil {
			e.buf = append(e.buf, typeNone)
			return nil
		}
		if hashCtx {
			return unsupported("a dict cannot be a dict key or set element")
		}
		e.buf = append(e.buf, typeDict)
		for _, it := range x.Items {
			if err := e.encode(it.Key, true, depth+1); err != nil {
				return err
			}
			if err := e.encode(it.Value, false, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, typeNull)
	case value.Decimal:
		return unsupported("Decimal cannot be marshalled (Python's marshal refuses it too)")
	case value.Date, time.Time:
		return unsupported("%T cannot be marshalled (Python's marshal refuses dates too)", v)
	case value.Ext:
		return unsupported("msgpack ext value cannot be marshalled")
	default:
		return unsupported("type %T is not part of the value model", v)
	}
	return nil
}

func (e *encoder) header(code byte, n int) error {
	if n > math.MaxInt32 {
		return unsupported("container of %d items is too long", n)
	}
	e.buf = append(e.buf, code)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(n))
	return nil
}

func (e *encoder) items(s []any, hashCtx bool, depth int) error {
	for _, it := range s {
		if err := e.encode(it, hashCtx, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) float(code byte, f float64) {
	e.buf = append(e.buf, code)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
}

func (e *encoder) str(s string) error {
	if !utf8.ValidString(s) {
		return unsupported("str is not valid UTF-8")
	}
	if len(s) > math.MaxInt32 {
		return unsupported("str of %d bytes is too long", len(s))
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	switch {
	case ascii && len(s) < 256:
		e.buf = append(e.buf, typeShortASCII, byte(len(s)))
	case ascii:
		e.buf = append(e.buf, typeASCII)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(s)))
	default:
		e.buf = append(e.buf, typeUnicode)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(s)))
	}
	e.buf = append(e.buf, s...)
	return nil
}

// int64 writes x as TYPE_INT when it fits in 32 bits, as CPython does.
func (e *encoder) int64(x int64) {
	if x >= math.MinInt32 && x <= math.MaxInt32 {
		e.buf = append(e.buf, typeInt)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(int32(x)))
		return
	}
	if x < 0 {
		e.long(true, uint64(-x)) // -MinInt64 wraps to 1<<63, the right magnitude
		return
	}
	e.long(false, uint64(x))
}

func (e *encoder) uint64(x uint64) {
	if x <= math.MaxInt64 {
		e.int64(int64(x))
		return
	}
	e.long(false, x)
}

// long writes TYPE_LONG for a magnitude that fits in 64 bits.
func (e *encoder) long(neg bool, m uint64) {
	n := (bits.Len64(m) + 14) / 15
	if neg {
		n = -n
	}
	e.buf = append(e.buf, typeLong)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(int32(n)))
	for ; m != 0; m >>= 15 {
		e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(m&0x7fff))
	}
}

func (e *encoder) bigInt(x *big.Int) error {
	if x.IsInt64() {
		e.int64(x.Int64())
		return nil
	}
	nbits := x.BitLen()
	n := (nbits + 14) / 15
	if n > math.MaxInt32 {
		return unsupported("int of %d bits is too large", nbits)
	}
	cnt := int32(n)
	if x.Sign() < 0 {
		cnt = -cnt
	}
	e.buf = append(e.buf, typeLong)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(cnt))
	words := x.Bits() // magnitude, least significant word first
	for i := 0; i < n; i++ {
		bit := 15 * i
		w, sh := bit/bits.UintSize, uint(bit%bits.UintSize)
		dg := words[w] >> sh
		if sh+15 > bits.UintSize && w+1 < len(words) {
			dg |= words[w+1] << (bits.UintSize - sh)
		}
		e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(dg&0x7fff))
	}
	return nil
}
