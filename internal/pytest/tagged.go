package pytest

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"

	"github.com/flintrpc/flint/value"
)

// DictHook may replace a dict converted by FromTagged (after its items are
// converted) with another value; it returns false to keep the dict.
type DictHook func(*value.Dict) (any, bool)

// FromTagged converts a tagged Python value, as the helper script prints it
// and encoding/json decodes it, into the value model:
//
//	["N"] None            ["b", bool]          ["i", hex or decimal text]
//	["f", float.hex()]    ["c", re, im]        ["s", UTF-8 hex] (surrogates kept)
//	["y", hex] bytes      ["l", [...]] list    ["t", [...]] value.Tuple
//	["set"|"fset", [...]] value.Set            ["d", [[k, v], ...]] *value.Dict
//
// Ints are normalised with value.NormalizeInt. Each hook is offered every
// dict, innermost first; the first that accepts replaces it.
func FromTagged(raw any, hooks ...DictHook) (any, error) {
	arr, ok := raw.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("bad tagged value %v", raw)
	}
	tag, _ := arr[0].(string)
	str := func(i int) string {
		if i < len(arr) {
			s, _ := arr[i].(string)
			return s
		}
		return ""
	}
	items := func() ([]any, error) {
		if len(arr) < 2 {
			return nil, fmt.Errorf("tag %q without items", tag)
		}
		in, ok := arr[1].([]any)
		if !ok {
			return nil, fmt.Errorf("tag %q: items %v are not a list", tag, arr[1])
		}
		return in, nil
	}
	list := func() ([]any, error) {
		in, err := items()
		if err != nil {
			return nil, err
		}
		out := make([]any, len(in))
		for i, it := range in {
			v, err := FromTagged(it, hooks...)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	switch tag {
	case "N":
		return nil, nil
	case "b":
		if len(arr) < 2 {
			return nil, fmt.Errorf("bool without value")
		}
		b, ok := arr[1].(bool)
		if !ok {
			return nil, fmt.Errorf("bad bool %v", arr[1])
		}
		return b, nil
	case "i":
		// Base 0 reads Python's hex() ("-0x1f") and str() ("-31") forms.
		z, ok := new(big.Int).SetString(str(1), 0)
		if !ok {
			return nil, fmt.Errorf("bad int %q", str(1))
		}
		return value.NormalizeInt(z), nil
	case "f":
		return strconv.ParseFloat(str(1), 64)
	case "c":
		re, err := strconv.ParseFloat(str(1), 64)
		if err != nil {
			return nil, err
		}
		im, err := strconv.ParseFloat(str(2), 64)
		return complex(re, im), err
	case "s":
		b, err := hex.DecodeString(str(1))
		return string(b), err
	case "y":
		return hex.DecodeString(str(1))
	case "l":
		return list()
	case "t":
		l, err := list()
		return value.Tuple(l), err
	case "set", "fset":
		l, err := list()
		return value.Set(l), err
	case "d":
		pairs, err := items()
		if err != nil {
			return nil, err
		}
		d := value.NewDict(len(pairs))
		for _, p := range pairs {
			kv, _ := p.([]any)
			if len(kv) != 2 {
				return nil, fmt.Errorf("bad dict pair %v", p)
			}
			k, err := FromTagged(kv[0], hooks...)
			if err != nil {
				return nil, err
			}
			v, err := FromTagged(kv[1], hooks...)
			if err != nil {
				return nil, err
			}
			d.Append(k, v)
		}
		for _, h := range hooks {
			if v, ok := h(d); ok {
				return v, nil
			}
		}
		return d, nil
	}
	return nil, fmt.Errorf("unknown tag %q", tag)
}
