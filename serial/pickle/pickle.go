package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	ogórek "github.com/kisielk/og-rek"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// Unsafe returns the pickle codec (Pyro4 serializer id 4). The name is a
// reminder: a Python peer that accepts pickle runs whatever code a sender
// puts in one. See the package documentation before using it; the codec is
// also useless until "pickle" is on the program's serializer allow-list.
func Unsafe() serial.Serializer { return codec{} }

type codec struct{}

// protocol is the pickle protocol the encoder writes; Python 3.4 and later
// read it.
const protocol = 4

// maxEncodeDepth stops the encoder on deeply nested or self-containing
// values before og-rek's recursive encoder does.
const maxEncodeDepth = 511

// maxIntDigits is CPython's default int_max_str_digits: og-rek writes big
// ints as decimal text, which Python refuses beyond this.
const maxIntDigits = 4300

// ID returns serial.IDPickle (4).
func (codec) ID() uint16 { return serial.IDPickle }

// Name returns "pickle".
func (codec) Name() string { return "pickle" }

// Unmarshal decodes a pickle into plain model data within lim; see the
// package documentation for what is refused.
func (codec) Unmarshal(data []byte, lim serial.Limits) (any, error) {
	lim = lim.WithDefaults()
	if len(data) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: pickle: %d bytes of input, limit %d", serial.ErrLimit, len(data), lim.MaxBytes)
	}
	if err := scan(data, lim); err != nil {
		return nil, err
	}
	raw, err := ogDecode(data)
	if err != nil {
		var unsupported *refusedError
		if errors.As(err, &unsupported) {
			return nil, fmt.Errorf("%w: pickle: %v", serial.ErrUnsupported, err)
		}
		return nil, fmt.Errorf("%w: pickle: %v", serial.ErrMalformed, err)
	}
	c := fromPickle{depth: lim.MaxDepth, items: lim.MaxItems, bytes: lim.MaxBytes}
	return c.convert(raw)
}

// refusedError is what the persistent-load hook returns; the scan refuses
// persistent references first, so it is a second line of defence.
type refusedError struct{ what string }

func (e *refusedError) Error() string { return e.what + " refused" }

func ogDecode(data []byte) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	cfg := &ogórek.DecoderConfig{
		PyDict: true,
		PersistentLoad: func(ogórek.Ref) (any, error) {
			return nil, &refusedError{what: "persistent reference"}
		},
	}
	return ogórek.NewDecoderWithConfig(bytes.NewReader(data), cfg).Decode()
}

// fromPickle converts og-rek's values into the value model, counting down
// the limits. Depth is tracked per call; items and bytes for the whole
// payload.
type fromPickle struct {
	depth int
	items int
	bytes int
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: pickle: "+format, append([]any{serial.ErrUnsupported}, args...)...)
}

func (c *fromPickle) enter(n int) error {
	if c.depth <= 0 {
		return fmt.Errorf("%w: pickle: nesting deeper than the depth limit (or a cycle)", serial.ErrLimit)
	}
	if n > c.items {
		return fmt.Errorf("%w: pickle: more container elements than the limit", serial.ErrLimit)
	}
	c.depth--
	c.items -= n
	return nil
}

func (c *fromPickle) data(n int) error {
	if n > c.bytes {
		return fmt.Errorf("%w: pickle: more str/bytes data than the limit", serial.ErrLimit)
	}
	c.bytes -= n
	return nil
}

func (c *fromPickle) convert(v any) (any, error) {
	switch x := v.(type) {
	case ogórek.None:
		return nil, nil
	case bool, int64, float64:
		return x, nil
	case *big.Int:
		return value.NormalizeInt(x), nil
	case string:
		if !utf8.ValidString(x) {
			return nil, fmt.Errorf("%w: pickle: str is not valid UTF-8", serial.ErrMalformed)
		}
		if err := c.data(len(x)); err != nil {
			return nil, err
		}
		return x, nil
	case ogórek.Bytes:
		if err := c.data(len(x)); err != nil {
			return nil, err
		}
		return []byte(x), nil
	case []byte:
		if err := c.data(len(x)); err != nil {
			return nil, err
		}
		return bytes.Clone(x), nil
	case []any:
		return c.seq(x)
	case ogórek.Tuple:
		out, err := c.seq(x)
		if err != nil {
			return nil, err
		}
		return value.Tuple(out), nil
	case ogórek.Dict:
		return c.dict(x)
	case ogórek.Call:
		return c.call(x)
	case ogórek.Class:
		return nil, unsupported("class reference %s.%s", x.Module, x.Name)
	case ogórek.Ref:
		return nil, unsupported("persistent reference")
	}
	return nil, unsupported("og-rek value of type %T", v)
}

func (c *fromPickle) seq(x []any) ([]any, error) {
	if err := c.enter(len(x)); err != nil {
		return nil, err
	}
	out := make([]any, len(x))
	for i, e := range x {
		v, err := c.convert(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	c.depth++
	return out, nil
}

func (c *fromPickle) dict(x ogórek.Dict) (any, error) {
	if err := c.enter(x.Len()); err != nil {
		return nil, err
	}
	d := value.NewDict(x.Len())
	var err error
	x.Iter()(func(k, v any) bool {
		var mk, mv any
		if mk, err = c.convert(k); err != nil {
			return false
		}
		if mv, err = c.convert(v); err != nil {
			return false
		}
		d.Append(mk, mv)
		return true
	})
	if err != nil {
		return nil, err
	}
	// og-rek keeps no order; sort so that equal pickles decode equally.
	keys := make([]string, len(d.Items))
	for i, it := range d.Items {
		keys[i] = sortKey(it.Key)
	}
	sort.Sort(byKey{d.Items, keys})
	c.depth++
	return d, nil
}

type byKey struct {
	items []value.Item
	keys  []string
}

func (b byKey) Len() int           { return len(b.items) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.items[i], b.items[j] = b.items[j], b.items[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// sortKey orders dict keys by type, then by a text form of the value.
func sortKey(k any) string {
	switch x := k.(type) {
	case nil:
		return "0"
	case bool:
		return "1" + strconv.FormatBool(x)
	case int64:
		return "2" + strconv.FormatInt(x, 10)
	case *big.Int:
		return "2" + x.String()
	case float64:
		return "3" + strconv.FormatFloat(x, 'g', -1, 64)
	case complex128:
		return "4" + strconv.FormatComplex(x, 'g', -1, 128)
	case string:
		return "5" + x
	case []byte:
		return "6" + string(x)
	case value.Tuple:
		var b strings.Builder
		b.WriteString("7(")
		for _, e := range x {
			s := sortKey(e)
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
		}
		return b.String()
	}
	return fmt.Sprintf("9%T:%v", k, k)
}

// call interprets the few constructor calls that stand for plain data.
func (c *fromPickle) call(x ogórek.Call) (any, error) {
	mod, name := x.Callable.Module, x.Callable.Name
	if mod != "builtins" && mod != "__builtin__" {
		return nil, unsupported("call of %s.%s", mod, name)
	}
	switch name {
	case "set", "frozenset":
		if len(x.Args) == 0 {
			if err := c.enter(0); err != nil {
				return nil, err
			}
			c.depth++
			return value.Set{}, nil
		}
		list, ok := x.Args[0].([]any)
		if len(x.Args) != 1 || !ok {
			return nil, unsupported("%s.%s with arguments other than one list", mod, name)
		}
		out, err := c.seq(list)
		if err != nil {
			return nil, err
		}
		return value.Set(out), nil
	case "complex":
		if len(x.Args) != 2 {
			return nil, unsupported("%s.complex with %d arguments", mod, len(x.Args))
		}
		re, ok1 := real64(x.Args[0])
		im, ok2 := real64(x.Args[1])
		if !ok1 || !ok2 {
			return nil, unsupported("%s.complex with non-numeric arguments", mod)
		}
		return complex(re, im), nil
	}
	return nil, unsupported("call of %s.%s", mod, name)
}

func real64(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// Marshal appends a pickle (protocol 4) of v to dst. On error dst is
// returned unchanged.
func (codec) Marshal(dst []byte, v any) ([]byte, error) {
	pv, err := toPickle(v, maxEncodeDepth)
	if err != nil {
		return dst, err
	}
	w := &appendWriter{b: dst}
	if err := encode(w, pv); err != nil {
		return dst, fmt.Errorf("%w: pickle: %v", serial.ErrUnsupported, err)
	}
	return w.b, nil
}

func encode(w *appendWriter, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encoder panic: %v", r)
		}
	}()
	return ogórek.NewEncoderWithConfig(w, &ogórek.EncoderConfig{Protocol: protocol}).Encode(v)
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var (
	pySet     = ogórek.Class{Module: "builtins", Name: "set"}
	pyComplex = ogórek.Class{Module: "builtins", Name: "complex"}
)

// toPickle converts a model value into the og-rek value that encodes it.
func toPickle(v any, depth int) (any, error) {
	if depth <= 0 {
		return nil, fmt.Errorf("%w: pickle: nesting deeper than %d", serial.ErrLimit, maxEncodeDepth)
	}
	switch x := v.(type) {
	case nil:
		return ogórek.None{}, nil
	case bool, int64, float64:
		return x, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		return toPickle(uint64(x), depth)
	case uint64:
		if x > math.MaxInt64 {
			return new(big.Int).SetUint64(x), nil
		}
		return int64(x), nil
	case *big.Int:
		if x == nil {
			return nil, unsupported("nil *big.Int")
		}
		if x.IsInt64() {
			return x.Int64(), nil
		}
		n := len(x.String())
		if x.Sign() < 0 {
			n-- // the sign is not a digit
		}
		if n > maxIntDigits {
			return nil, unsupported("int of %d digits exceeds Python's %d digit limit", n, maxIntDigits)
		}
		return new(big.Int).Set(x), nil
	case float32:
		return float64(x), nil
	case complex128:
		return ogórek.Call{Callable: pyComplex, Args: ogórek.Tuple{real(x), imag(x)}}, nil
	case complex64:
		return toPickle(complex128(x), depth)
	case string:
		if !utf8.ValidString(x) {
			return nil, unsupported("string is not valid UTF-8")
		}
		return x, nil
	case value.Decimal:
		return toPickle(string(x), depth)
	case value.UUID:
		return x.String(), nil
	case []byte:
		return ogórek.Bytes(x), nil
	case []any:
		return seqToPickle(x, depth)
	case value.Tuple:
		out, err := seqToPickle(x, depth)
		return ogórek.Tuple(out), err
	case value.Set:
		out, err := seqToPickle(x, depth)
		if err != nil {
			return nil, err
		}
		return ogórek.Call{Callable: pySet, Args: ogórek.Tuple{out}}, nil
	case *value.Dict:
		return dictToPickle(x, depth)
	}
	return nil, unsupported("cannot encode Go type %T", v)
}

func seqToPickle(x []any, depth int) ([]any, error) {
	out := make([]any, len(x))
	for i, e := range x {
		v, err := toPickle(e, depth-1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func dictToPickle(x *value.Dict, depth int) (d ogórek.Dict, err error) {
	d = ogórek.NewDictWithSizeHint(x.Len())
	if x == nil {
		return d, nil
	}
	for _, it := range x.Items {
		k, err := toPickle(it.Key, depth-1)
		if err != nil {
			return d, err
		}
		v, err := toPickle(it.Value, depth-1)
		if err != nil {
			return d, err
		}
		if err := setItem(d, k, v); err != nil {
			return d, unsupported("dict key of type %T: %v", it.Key, err)
		}
	}
	return d, nil
}

// setItem stores k in d; og-rek panics on a key Python could not hash.
func setItem(d ogórek.Dict, k, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	d.Set(k, v)
	return nil
}
