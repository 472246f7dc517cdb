package value

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"sync"
	"time"
)

// Marshaler is implemented by types that choose their own model value.
// MarshalValue may return a model value or any Go value the encoder accepts.
type Marshaler interface {
	MarshalValue() (any, error)
}

// Encoder turns a Go value of the type it was made for into a model value.
// Errors are [*EncodeError]s.
type Encoder func(src reflect.Value) (any, error)

// EncodeError reports a Go value that cannot be turned into a model value.
type EncodeError struct {
	// Path locates the value, e.g. "[3].name" (Python field names).
	Path string
	// Type is the Go type of the value that failed.
	Type reflect.Type
	// Err is the cause: [ErrTooDeep], [ErrUnsupportedType] or a
	// [Marshaler]'s error.
	Err error
}

// Error returns e.g. "result[2]: cannot encode chan int: type cannot be bound".
func (e *EncodeError) Error() string {
	s := "cannot encode " + fmt.Sprint(e.Type) + ": " + fmt.Sprint(e.Err)
	if e.Path != "" {
		return e.Path + ": " + s
	}
	return s
}

// Unwrap returns the cause.
func (e *EncodeError) Unwrap() error { return e.Err }

// From converts the Go value x into a model value. From(nil) is nil. Model
// values come back unchanged (without a copy) when they hold only model
// values.
func From(x any) (any, error) {
	v, _, err := fromDynamic(x, 0)
	return v, err
}

// FromInterface converts x as the encoder of an interface type
// ([EncoderFor] of any, error, ...) converts a value of that type: nil is
// None, anything else is converted like [From], one nesting level down. It
// lets a typed caller that holds the value itself skip the reflect.Value.
func FromInterface(x any) (any, error) {
	if x == nil {
		return nil, nil
	}
	v, _, err := fromDynamic(x, 1)
	return v, err
}

// EncoderFor returns the encoder for t, compiling and caching it on first
// use. It fails with [ErrUnsupportedType] for types that cannot be encoded.
//
// The plan is made once per Go type. The encoding rules:
//
//   - bool → bool; every int kind → int64; uints above MaxInt64 → *big.Int;
//     float32/float64 → float64; complex kinds → complex128; string kinds →
//     string.
//   - *big.Int and big.Int → int64 when they fit, else *big.Int (not copied).
//   - []byte and other byte slices → []byte (not copied); byte arrays →
//     []byte (copied); other slices and arrays → []any (a list). A nil slice
//     is an empty list (or empty bytes): Go code rarely means None by it, and
//     a Python caller iterating over the result should not fail. Use a
//     pointer to a slice to send None.
//   - Maps → *Dict. When the Go key type is a string, int or uint kind the
//     items are in ascending key order, so payloads are deterministic;
//     other key types follow Go's map iteration order. Array keys become
//     tuples, which Python can hash. A nil map is an empty dict.
//   - Structs → *Dict of their exported fields in declaration order, named as
//     the decoder names them (tag, else snake_case; see [SnakeCase]),
//     flattening embedded structs. `pyro:"-"` skips a field,
//     `pyro:",omitempty"` skips a field holding its zero value or an empty
//     slice, map or string, and the items of a `pyro:",extra"` map are added
//     after the fields in key order (unless a field already has that name).
//   - Pointers: nil → None, else the element. Interfaces: nil → None, else
//     the plan for the dynamic type (compiled once per type and cached).
//   - time.Time, [Date], [Decimal], [UUID] and [Ext] are returned as they
//     are; time.Duration → float seconds (Python's timedelta.total_seconds).
//     [Tuple], [Set], []any and *[Dict] are returned as they are unless they
//     hold Go values outside the model, which are then converted in a copy.
//   - A type that implements [Marshaler] (on a value or pointer receiver)
//     encodes itself; what MarshalValue returns is encoded in turn. A nil
//     pointer is None without calling the hook.
//
// Errors are not values here: the daemon turns a method's error result into
// a Pyro4 exception itself. An error value stored inside a result is encoded
// like any other value (usually an empty dict).
//
// Nesting deeper than 100 levels fails with [ErrTooDeep], which is how
// cyclic structures (a *Dict or pointer graph that contains itself) are
// refused.
func EncoderFor(t reflect.Type) (Encoder, error) {
	if t == nil {
		return nil, fmt.Errorf("value: %w: nil type", ErrUnsupportedType)
	}
	e := encEntryOf(t)
	return e.pub, e.err
}

type encFn func(src reflect.Value, depth int) (any, error)

type encEntry struct {
	fn  encFn
	pub Encoder
	err error
}

var encoders sync.Map // reflect.Type → *encEntry

func encoderOf(t reflect.Type) (encFn, error) {
	e := encEntryOf(t)
	return e.fn, e.err
}

func encEntryOf(t reflect.Type) *encEntry {
	if e, ok := encoders.Load(t); ok {
		return e.(*encEntry)
	}
	c := &encCompiler{cells: map[reflect.Type]*encFn{}, done: map[reflect.Type]encFn{}}
	if _, err := c.compile(t); err != nil {
		e, _ := encoders.LoadOrStore(t, &encEntry{err: err})
		return e.(*encEntry)
	}
	var mine *encEntry
	for tt, fn := range c.done {
		e, _ := encoders.LoadOrStore(tt, newEncEntry(tt, fn))
		if tt == t {
			mine = e.(*encEntry)
		}
	}
	return mine
}

func newEncEntry(t reflect.Type, fn encFn) *encEntry {
	return &encEntry{fn: fn, pub: func(src reflect.Value) (any, error) {
		if !src.IsValid() || src.Type() != t {
			return nil, fmt.Errorf("value: encoder for %v given a value of another type", t)
		}
		return fn(src, 0)
	}}
}

type encCompiler struct {
	cells map[reflect.Type]*encFn
	done  map[reflect.Type]encFn
}

func (c *encCompiler) compile(t reflect.Type) (encFn, error) {
	if e, ok := encoders.Load(t); ok {
		e := e.(*encEntry)
		return e.fn, e.err
	}
	if fn, ok := c.done[t]; ok {
		return fn, nil
	}
	if cell, ok := c.cells[t]; ok {
		return func(src reflect.Value, depth int) (any, error) { return (*cell)(src, depth) }, nil
	}
	cell := new(encFn)
	c.cells[t] = cell
	fn, err := c.build(t)
	if err != nil {
		return nil, err
	}
	*cell = fn
	c.done[t] = fn
	return fn, nil
}

func encTooDeep(t reflect.Type) error { return &EncodeError{Type: t, Err: ErrTooDeep} }

func (c *encCompiler) build(t reflect.Type) (encFn, error) {
	if t.Kind() != reflect.Interface {
		if t.Implements(marshalerType) {
			return marshalerEncoder(t, false), nil
		}
		if reflect.PointerTo(t).Implements(marshalerType) {
			return marshalerEncoder(t, true), nil
		}
	}
	switch t {
	case timeType, dateType, decimalType, uuidType, extType:
		return func(src reflect.Value, _ int) (any, error) { return src.Interface(), nil }, nil
	case durationType:
		return func(src reflect.Value, _ int) (any, error) {
			return time.Duration(src.Int()).Seconds(), nil
		}, nil
	case tupleType, setType, dictPtrType, anySliceType:
		return func(src reflect.Value, depth int) (any, error) {
			v, _, err := fromDynamic(src.Interface(), depth)
			return v, err
		}, nil
	case bigIntPtrType:
		return func(src reflect.Value, _ int) (any, error) {
			b := src.Interface().(*big.Int)
			if b == nil {
				return nil, nil
			}
			return NormalizeInt(b), nil
		}, nil
	case bigIntType:
		return func(src reflect.Value, _ int) (any, error) {
			b := new(big.Int)
			if src.CanAddr() {
				b.Set(src.Addr().Interface().(*big.Int))
			} else {
				p := reflect.New(bigIntType)
				p.Elem().Set(src)
				b.Set(p.Interface().(*big.Int))
			}
			return NormalizeInt(b), nil
		}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(src reflect.Value, _ int) (any, error) { return src.Bool(), nil }, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(src reflect.Value, _ int) (any, error) { return src.Int(), nil }, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(src reflect.Value, _ int) (any, error) { return uintValue(src.Uint()), nil }, nil
	case reflect.Float32, reflect.Float64:
		return func(src reflect.Value, _ int) (any, error) { return src.Float(), nil }, nil
	case reflect.Complex64, reflect.Complex128:
		return func(src reflect.Value, _ int) (any, error) { return src.Complex(), nil }, nil
	case reflect.String:
		return func(src reflect.Value, _ int) (any, error) { return src.String(), nil }, nil
	case reflect.Slice:
		return c.sliceEncoder(t)
	case reflect.Array:
		return c.arrayEncoder(t)
	case reflect.Map:
		return c.mapEncoder(t)
	case reflect.Struct:
		return c.structEncoder(t)
	case reflect.Pointer:
		et := t.Elem()
		elem, err := c.compile(et)
		if err != nil {
			return nil, err
		}
		// Containers count their own depth; a pointer counts only when it
		// points to another pointer or an interface, the cycles that would
		// otherwise consume no depth.
		step := 0
		if et.Kind() == reflect.Pointer || et.Kind() == reflect.Interface {
			step = 1
		}
		return func(src reflect.Value, depth int) (any, error) {
			if src.IsNil() {
				return nil, nil
			}
			if depth >= maxDepth {
				return nil, encTooDeep(t)
			}
			return elem(src.Elem(), depth+step)
		}, nil
	case reflect.Interface:
		return func(src reflect.Value, depth int) (any, error) {
			if src.IsNil() {
				return nil, nil
			}
			if depth >= maxDepth {
				return nil, encTooDeep(t)
			}
			v, _, err := fromDynamic(src.Interface(), depth+1)
			return v, err
		}, nil
	}
	return nil, unsupported(t)
}

func uintValue(u uint64) any {
	if u > math.MaxInt64 {
		return new(big.Int).SetUint64(u)
	}
	return int64(u)
}

func marshalerEncoder(t reflect.Type, ptr bool) encFn {
	return func(src reflect.Value, depth int) (any, error) {
		if t.Kind() == reflect.Pointer && src.IsNil() {
			return nil, nil
		}
		if depth >= maxDepth {
			return nil, encTooDeep(t)
		}
		var m Marshaler
		switch {
		case !ptr:
			m = src.Interface().(Marshaler)
		case src.CanAddr():
			m = src.Addr().Interface().(Marshaler)
		default:
			p := reflect.New(t)
			p.Elem().Set(src)
			m = p.Interface().(Marshaler)
		}
		x, err := m.MarshalValue()
		if err != nil {
			return nil, &EncodeError{Type: t, Err: err}
		}
		v, _, err := fromDynamic(x, depth+1)
		return v, err
	}
}

// fromDynamic converts x by its dynamic type. changed reports whether the
// result differs from x (so containers copy only when needed).
func fromDynamic(x any, depth int) (v any, changed bool, err error) {
	switch y := x.(type) {
	case nil, bool, int64, float64, string, complex128, []byte, time.Time, Date, Decimal, UUID, Ext:
		return x, false, nil
	case int:
		return int64(y), true, nil
	case int32:
		return int64(y), true, nil
	case int16:
		return int64(y), true, nil
	case int8:
		return int64(y), true, nil
	case uint8:
		return int64(y), true, nil
	case uint16:
		return int64(y), true, nil
	case uint32:
		return int64(y), true, nil
	case uint:
		return uintValue(uint64(y)), true, nil
	case uint64:
		return uintValue(y), true, nil
	case float32:
		return float64(y), true, nil
	case complex64:
		return complex128(y), true, nil
	case *big.Int:
		if y == nil {
			return nil, true, nil
		}
		if y.IsInt64() {
			return y.Int64(), true, nil
		}
		return y, false, nil
	// Unchanged containers return x itself, not a fresh interface box.
	case []any:
		s, ch, err := fromSeq(y, depth, anySliceType)
		if ch {
			return s, true, err
		}
		return x, false, err
	case Tuple:
		s, ch, err := fromSeq(y, depth, tupleType)
		if ch {
			return Tuple(s), true, err
		}
		return x, false, err
	case Set:
		s, ch, err := fromSeq(y, depth, setType)
		if ch {
			return Set(s), true, err
		}
		return x, false, err
	case *Dict:
		if y == nil {
			return nil, true, nil
		}
		return fromDict(y, depth)
	}
	rv := reflect.ValueOf(x)
	fn, err := encoderOf(rv.Type())
	if err != nil {
		return nil, true, &EncodeError{Type: rv.Type(), Err: err}
	}
	v, err = fn(rv, depth)
	return v, true, err
}

func fromSeq(items []any, depth int, t reflect.Type) ([]any, bool, error) {
	if depth >= maxDepth {
		return nil, false, encTooDeep(t)
	}
	var out []any
	for i, it := range items {
		nv, ch, err := fromDynamic(it, depth+1)
		if err != nil {
			return nil, false, inIndex(err, i)
		}
		if ch {
			if out == nil {
				out = make([]any, len(items))
				copy(out, items)
			}
			out[i] = nv
		}
	}
	if out == nil {
		return items, false, nil
	}
	return out, true, nil
}

func fromDict(d *Dict, depth int) (any, bool, error) {
	if depth >= maxDepth {
		return nil, false, encTooDeep(dictPtrType)
	}
	var out []Item
	for i, it := range d.Items {
		k, kch, err := fromDynamic(it.Key, depth+1)
		if err != nil {
			return nil, false, inKey(err, it.Key)
		}
		v, vch, err := fromDynamic(it.Value, depth+1)
		if err != nil {
			return nil, false, inKey(err, it.Key)
		}
		if kch || vch {
			if out == nil {
				out = make([]Item, len(d.Items))
				copy(out, d.Items)
			}
			out[i] = Item{Key: k, Value: v}
		}
	}
	if out == nil {
		return d, false, nil
	}
	return &Dict{Items: out}, true, nil
}

func hasHooks(t reflect.Type) bool {
	return t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType)
}

func (c *encCompiler) sliceEncoder(t reflect.Type) (encFn, error) {
	et := t.Elem()
	if et.Kind() == reflect.Uint8 && !hasHooks(et) {
		return func(src reflect.Value, _ int) (any, error) { return src.Bytes(), nil }, nil
	}
	elem, err := c.compile(et)
	if err != nil {
		return nil, err
	}
	return func(src reflect.Value, depth int) (any, error) {
		n := src.Len()
		if n == 0 {
			return []any{}, nil
		}
		if depth >= maxDepth {
			return nil, encTooDeep(t)
		}
		out := make([]any, n)
		for i := range n {
			x, err := elem(src.Index(i), depth+1)
			if err != nil {
				return nil, inIndex(err, i)
			}
			out[i] = x
		}
		return out, nil
	}, nil
}

func (c *encCompiler) arrayEncoder(t reflect.Type) (encFn, error) {
	et := t.Elem()
	n := t.Len()
	if et.Kind() == reflect.Uint8 && !hasHooks(et) {
		return func(src reflect.Value, _ int) (any, error) {
			b := make([]byte, n)
			// Not reflect.Copy: it refuses named byte element types.
			for i := range b {
				b[i] = byte(src.Index(i).Uint())
			}
			return b, nil
		}, nil
	}
	elem, err := c.compile(et)
	if err != nil {
		return nil, err
	}
	return func(src reflect.Value, depth int) (any, error) {
		if depth >= maxDepth {
			return nil, encTooDeep(t)
		}
		out := make([]any, n)
		for i := range n {
			x, err := elem(src.Index(i), depth+1)
			if err != nil {
				return nil, inIndex(err, i)
			}
			out[i] = x
		}
		return out, nil
	}, nil
}

func (c *encCompiler) mapEncoder(t reflect.Type) (encFn, error) {
	kt := t.Key()
	keyEnc, err := c.compile(kt)
	if err != nil {
		return nil, err
	}
	if kt.Kind() == reflect.Array && !(kt.Elem().Kind() == reflect.Uint8 && !hasHooks(kt.Elem())) && !hasHooks(kt) && kt != uuidType {
		// Python cannot hash a list: send array keys as tuples.
		listEnc := keyEnc
		keyEnc = func(src reflect.Value, depth int) (any, error) {
			x, err := listEnc(src, depth)
			if l, ok := x.([]any); ok {
				return Tuple(l), err
			}
			return x, err
		}
	}
	elemEnc, err := c.compile(t.Elem())
	if err != nil {
		return nil, err
	}
	var less func(a, b reflect.Value) bool
	switch kt.Kind() {
	case reflect.String:
		less = func(a, b reflect.Value) bool { return a.String() < b.String() }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		less = func(a, b reflect.Value) bool { return a.Int() < b.Int() }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		less = func(a, b reflect.Value) bool { return a.Uint() < b.Uint() }
	}
	add := func(d *Dict, k, v reflect.Value, depth int) error {
		kx, err := keyEnc(k, depth+1)
		if err != nil {
			return inKey(err, k.Interface())
		}
		vx, err := elemEnc(v, depth+1)
		if err != nil {
			return inKey(err, k.Interface())
		}
		d.Items = append(d.Items, Item{Key: kx, Value: vx})
		return nil
	}
	return func(src reflect.Value, depth int) (any, error) {
		n := src.Len()
		if n == 0 {
			return &Dict{}, nil
		}
		if depth >= maxDepth {
			return nil, encTooDeep(t)
		}
		d := newDictCap(n)
		if less != nil {
			keys := src.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return less(keys[i], keys[j]) })
			for _, k := range keys {
				if err := add(d, k, src.MapIndex(k), depth); err != nil {
					return nil, err
				}
			}
			return d, nil
		}
		it := src.MapRange()
		for it.Next() {
			if err := add(d, it.Key(), it.Value(), depth); err != nil {
				return nil, err
			}
		}
		return d, nil
	}, nil
}

type encField struct {
	key       any // the name, boxed once
	name      string
	index     []int
	enc       encFn
	omitEmpty bool
}

func (c *encCompiler) structEncoder(t reflect.Type) (encFn, error) {
	infos, extra, err := structFields(t)
	if err != nil {
		return nil, err
	}
	fields := make([]encField, len(infos))
	names := make(map[string]bool, len(infos))
	for i, f := range infos {
		enc, err := c.compile(f.typ)
		if err != nil {
			return nil, err
		}
		fields[i] = encField{key: f.name, name: f.name, index: f.index, enc: enc, omitEmpty: f.omitEmpty}
		names[f.name] = true
	}
	var extraIndex []int
	var extraEnc encFn
	if extra != nil {
		if extra.typ.Kind() != reflect.Map || extra.typ.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("value: %w: %v: the extra field %s must be a map with string keys", ErrUnsupportedType, t, extra.goName)
		}
		extraIndex = extra.index
		if extraEnc, err = c.compile(extra.typ.Elem()); err != nil {
			return nil, err
		}
	}
	return func(src reflect.Value, depth int) (any, error) {
		if depth >= maxDepth {
			return nil, encTooDeep(t)
		}
		d := newDictCap(len(fields))
		for i := range fields {
			f := &fields[i]
			fv, ok := fieldForGet(src, f.index)
			if !ok || f.omitEmpty && isEmpty(fv) {
				continue
			}
			x, err := f.enc(fv, depth+1)
			if err != nil {
				return nil, inField(err, f.name)
			}
			d.Items = append(d.Items, Item{Key: f.key, Value: x})
		}
		if extraIndex != nil {
			m, ok := fieldForGet(src, extraIndex)
			if ok && m.Len() > 0 {
				keys := m.MapKeys()
				sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
				for _, k := range keys {
					name := k.String()
					if names[name] {
						continue
					}
					x, err := extraEnc(m.MapIndex(k), depth+1)
					if err != nil {
						return nil, inField(err, name)
					}
					d.Items = append(d.Items, Item{Key: name, Value: x})
				}
			}
		}
		return d, nil
	}, nil
}

// newDictCap returns an empty dict with room for n items, allocating the
// dict and small item arrays together.
func newDictCap(n int) *Dict {
	switch {
	case n <= 4:
		p := &struct {
			d Dict
			a [4]Item
		}{}
		p.d.Items = p.a[:0]
		return &p.d
	case n <= 8:
		p := &struct {
			d Dict
			a [8]Item
		}{}
		p.d.Items = p.a[:0]
		return &p.d
	}
	return NewDict(n)
}

// fieldForGet returns the field at index, or false when an embedded struct
// pointer on the way is nil.
func fieldForGet(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	}
	return v.IsZero()
}
