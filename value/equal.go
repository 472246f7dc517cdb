package value

import (
	"bytes"
	"math"
	"math/big"
	"time"
)

// Equal reports whether a and b are the same Python value. Ints compare by
// value whatever their Go width, NaN equals NaN (so that round-trip tests can
// compare), lists and tuples compare item by item but are different types,
// sets compare without regard to order, and dicts compare as mappings
// (insertion order is ignored).
func Equal(a, b any) bool {
	if ia, ok := toBig(a); ok {
		ib, ok := toBig(b)
		return ok && ia.Cmp(ib) == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		if !ok {
			if f, ok := b.(float32); ok {
				y = float64(f)
			} else {
				return false
			}
		}
		return x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y)
	case float32:
		return Equal(float64(x), b)
	case complex128:
		y, ok := b.(complex128)
		return ok && Equal(real(x), real(y)) && Equal(imag(x), imag(y))
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && equalSeq(x, y)
	case Tuple:
		y, ok := b.(Tuple)
		return ok && equalSeq(x, y)
	case Set:
		y, ok := b.(Set)
		return ok && equalUnordered(x, y)
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for _, it := range x.Items {
			v, ok := y.Get(it.Key)
			if !ok || !Equal(it.Value, v) {
				return false
			}
		}
		return true
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case Ext:
		y, ok := b.(Ext)
		return ok && x.Code == y.Code && bytes.Equal(x.Data, y.Data)
	default:
		return a == b
	}
}

func equalSeq(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalUnordered(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && Equal(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

// toBig returns any Go integer as a big.Int.
func toBig(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case int:
		return big.NewInt(int64(x)), true
	case int8:
		return big.NewInt(int64(x)), true
	case int16:
		return big.NewInt(int64(x)), true
	case int32:
		return big.NewInt(int64(x)), true
	case int64:
		return big.NewInt(x), true
	case uint:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint8:
		return big.NewInt(int64(x)), true
	case uint16:
		return big.NewInt(int64(x)), true
	case uint32:
		return big.NewInt(int64(x)), true
	case uint64:
		return new(big.Int).SetUint64(x), true
	case *big.Int:
		return x, x != nil
	}
	return nil, false
}

// NormalizeInt returns b as an int64 when it fits, else b itself. Decoders
// use it so that every int in the model has one canonical form.
func NormalizeInt(b *big.Int) any {
	if b.IsInt64() {
		return b.Int64()
	}
	return b
}
