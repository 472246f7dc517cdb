package value

import (
	"math"
	"strconv"
	"strings"
)

// AppendFloatRepr appends Python's repr() of the finite float f to dst:
// the shortest digits that round-trip, positional notation when the decimal
// exponent is in [-4, 16) and always with a fractional part ("1.0"),
// otherwise scientific notation with a signed exponent of at least two
// digits ("1e-05", "1e+16"). Infinities and NaN are written as Go's
// strconv does; serializers must handle them first, since each spells them
// differently.
func AppendFloatRepr(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	i := strings.LastIndexByte(string(e), 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp < -4 || exp >= 16 {
		return append(dst, e...)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, ".0"...)
}
