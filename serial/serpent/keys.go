package serpent

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/flintrpc/flint/value"
)

// Python dict keys and set members that compare equal collapse into one
// entry: 1, 1.0, True and (1+0j) are the same key. canonKey maps a decoded
// hashable value to a comparable Go value such that two values are equal in
// Python exactly when their canonical keys are ==.
//
// Canonical forms: integral numbers that fit int64 become int64; other
// real numbers become float64 when a float64 holds them exactly, else a
// bigKey with their decimal digits (no float equals such an int); complex
// numbers with a zero imaginary part become their real part, others stay
// complex128; str stays string; bytes become bytesKey; tuples become a
// tupleKey built from their members' canonical keys; None stays nil.

type (
	bigKey   string
	bytesKey string
	tupleKey string
)

func canonKey(v any) any {
	switch x := v.(type) {
	case string, nil, int64:
		return v
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case *big.Int:
		// Decoded ints are normalised, so x does not fit in int64.
		if f, acc := new(big.Float).SetInt(x).Float64(); acc == big.Exact {
			return f
		}
		return bigKey(x.String())
	case float64:
		return canonFloat(x)
	case complex128:
		if imag(x) == 0 {
			return canonFloat(real(x))
		}
		return x
	case []byte:
		return bytesKey(x)
	case value.Tuple:
		buf := make([]byte, 0, 16*len(x))
		for _, e := range x {
			buf = appendCanon(buf, canonKey(e))
		}
		return tupleKey(buf)
	}
	// Unreachable for parser output: unhashable values are refused before
	// deduplication. Fall back to identity so that nothing collapses.
	return &v
}

func canonFloat(f float64) any {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return int64(f) // also maps -0.0 to 0
	}
	return f
}

// appendCanon appends an unambiguous encoding of a canonical key: a type
// letter, the length of the payload and the payload.
func appendCanon(buf []byte, k any) []byte {
	var tag byte
	var s string
	switch x := k.(type) {
	case nil:
		tag = 'N'
	case int64:
		tag, s = 'i', strconv.FormatInt(x, 10)
	case float64:
		tag, s = 'f', strconv.FormatUint(math.Float64bits(x), 16)
	case complex128:
		tag = 'c'
		s = strconv.FormatUint(math.Float64bits(real(x)), 16) + "," + strconv.FormatUint(math.Float64bits(imag(x)), 16)
	case string:
		tag, s = 's', x
	case bigKey:
		tag, s = 'I', string(x)
	case bytesKey:
		tag, s = 'b', string(x)
	case tupleKey:
		tag, s = 't', string(x)
	default:
		// Unreachable for parser output; keep such keys distinct.
		tag, s = '?', fmt.Sprintf("%p", x)
	}
	buf = append(buf, tag)
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, ':')
	return append(buf, s...)
}

// smallDedup is the size up to which duplicates are found by comparing all
// pairs instead of building a map.
const smallDedup = 8

// dedupItems resolves duplicate keys in place the way a Python dict literal
// does: the first key keeps its position and the last value wins. It
// returns the shortened slice.
func dedupItems(items []value.Item) []value.Item {
	n := len(items)
	if n < 2 {
		return items
	}
	if n <= smallDedup {
		var keys [smallDedup]any
		for i := range items {
			keys[i] = canonKey(items[i].Key)
		}
		out := 0
	next:
		for i := 0; i < n; i++ {
			for j := 0; j < out; j++ {
				if keys[j] == keys[i] {
					items[j].Value = items[i].Value
					continue next
				}
			}
			keys[out] = keys[i]
			items[out] = items[i]
			out++
		}
		return items[:out]
	}
	seen := make(map[any]int, n)
	out := 0
	for i := 0; i < n; i++ {
		k := canonKey(items[i].Key)
		if j, ok := seen[k]; ok {
			items[j].Value = items[i].Value
			continue
		}
		seen[k] = out
		items[out] = items[i]
		out++
	}
	return items[:out]
}

// dedupMembers removes later duplicates of set members in place, as a
// Python set literal does (the first member stays).
func dedupMembers(members []any) []any {
	n := len(members)
	if n < 2 {
		return members
	}
	if n <= smallDedup {
		var keys [smallDedup]any
		out := 0
	next:
		for i := 0; i < n; i++ {
			k := canonKey(members[i])
			for j := 0; j < out; j++ {
				if keys[j] == k {
					continue next
				}
			}
			keys[out] = k
			members[out] = members[i]
			out++
		}
		return members[:out]
	}
	seen := make(map[any]struct{}, n)
	out := 0
	for i := 0; i < n; i++ {
		k := canonKey(members[i])
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		members[out] = members[i]
		out++
	}
	return members[:out]
}
