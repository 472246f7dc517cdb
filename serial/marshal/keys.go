package marshal

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"

	"github.com/flintrpc/flint/value"
)

var sprintf = fmt.Sprintf

// keyer writes canonical keys: byte strings that are equal exactly when
// Python considers two hashable values equal (1 == 1.0 == True, 0.0 == -0.0,
// (1,) == (1.0,), frozenset order does not matter, str != bytes). NaN is
// never equal to anything, so each NaN gets a fresh key.
type keyer struct{ nan uint64 }

func (k *keyer) appendKey(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, 'N')
	case bool:
		if x {
			return append(dst, "I1;"...)
		}
		return append(dst, "I0;"...)
	case int64:
		dst = append(dst, 'I')
		return append(strconv.AppendInt(dst, x, 10), ';')
	case *big.Int:
		dst = append(dst, 'I')
		return append(x.Append(dst, 10), ';')
	case float64:
		return k.appendFloat(dst, x)
	case complex128:
		re, im := real(x), imag(x)
		if im == 0 {
			return k.appendFloat(dst, re)
		}
		if math.IsNaN(re) || math.IsNaN(im) {
			return k.appendNaN(dst)
		}
		if re == 0 {
			re = 0 // -0.0 == 0.0
		}
		dst = append(dst, 'C')
		dst = strconv.AppendUint(dst, math.Float64bits(re), 16)
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, math.Float64bits(im), 16)
		return append(dst, ';')
	case string:
		dst = append(dst, 'S')
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, ':')
		return append(dst, x...)
	case []byte:
		dst = append(dst, 'B')
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, ':')
		return append(dst, x...)
	case value.Tuple:
		dst = append(dst, 'T')
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, '(')
		for _, e := range x {
			dst = k.appendKey(dst, e)
		}
		return append(dst, ')')
	case value.Set:
		parts := make([][]byte, len(x))
		for i, e := range x {
			parts[i] = k.appendKey(nil, e)
		}
		sort.Slice(parts, func(i, j int) bool { return bytes.Compare(parts[i], parts[j]) < 0 })
		dst = append(dst, 'Z')
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, '(')
		for _, p := range parts {
			dst = append(dst, p...)
		}
		return append(dst, ')')
	default:
		// Unhashable values never reach here: the decoder checks first.
		return k.appendNaN(dst)
	}
}

// appendFloat writes an integral float as the int it equals, so that
// 2.0 == 2 and -0.0 == 0.
func (k *keyer) appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return k.appendNaN(dst)
	case math.IsInf(f, 0) || f != math.Trunc(f):
		dst = append(dst, 'F')
		dst = strconv.AppendUint(dst, math.Float64bits(f), 16)
		return append(dst, ';')
	case math.Abs(f) < 1<<62:
		dst = append(dst, 'I')
		return append(strconv.AppendInt(dst, int64(f), 10), ';')
	default:
		i, _ := big.NewFloat(f).Int(nil)
		dst = append(dst, 'I')
		return append(i.Append(dst, 10), ';')
	}
}

func (k *keyer) appendNaN(dst []byte) []byte {
	k.nan++
	dst = append(dst, 'n')
	dst = strconv.AppendUint(dst, k.nan, 10)
	return append(dst, ';')
}

// smallLimit is the size up to which builders compare keys by a linear scan
// instead of keeping an index.
const smallLimit = 8

// dictBuilder inserts pairs with Python dict semantics: an equal key keeps
// its first key object and position and takes the new value.
type dictBuilder struct {
	d     *value.Dict
	keys  *keyer
	index map[string]int
}

func (b *dictBuilder) set(k, v any) {
	if i, ok := b.find(k); ok {
		b.d.Items[i].Value = v
		return
	}
	b.d.Items = append(b.d.Items, value.Item{Key: k, Value: v})
	if b.index != nil {
		b.index[string(b.keys.appendKey(nil, k))] = len(b.d.Items) - 1
	}
}

func (b *dictBuilder) find(k any) (int, bool) {
	items := b.d.Items
	if b.index == nil && len(items) < smallLimit {
		for i := range items {
			if b.keys.equal(items[i].Key, k) {
				return i, true
			}
		}
		return 0, false
	}
	if b.index == nil {
		b.index = make(map[string]int, 2*len(items))
		for i := range items {
			b.index[string(b.keys.appendKey(nil, items[i].Key))] = i
		}
	}
	i, ok := b.index[string(b.keys.appendKey(nil, k))]
	return i, ok
}

// setBuilder adds elements with Python set semantics: an element equal to
// one already present is dropped.
type setBuilder struct {
	s     value.Set
	keys  *keyer
	index map[string]struct{}
}

func (b *setBuilder) add(v any) {
	if b.index == nil && len(b.s) < smallLimit {
		for _, e := range b.s {
			if b.keys.equal(e, v) {
				return
			}
		}
		b.s = append(b.s, v)
		return
	}
	if b.index == nil {
		b.index = make(map[string]struct{}, 2*len(b.s))
		for _, e := range b.s {
			b.index[string(b.keys.appendKey(nil, e))] = struct{}{}
		}
	}
	key := string(b.keys.appendKey(nil, v))
	if _, ok := b.index[key]; ok {
		return
	}
	b.index[key] = struct{}{}
	b.s = append(b.s, v)
}

// equal reports whether two hashable values are equal in Python.
func (k *keyer) equal(a, b any) bool {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x == y
		}
	case int64:
		if y, ok := b.(int64); ok {
			return x == y
		}
	}
	var ba, bb [64]byte
	return bytes.Equal(k.appendKey(ba[:0], a), k.appendKey(bb[:0], b))
}
