package value

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxDepth bounds how deeply the binder follows nested values and pointers,
// in both directions.
const maxDepth = 100

var (
	// ErrOverflow reports a number that does not fit the target type. It is
	// wrapped in a [BindError].
	ErrOverflow = errors.New("out of range")
	// ErrUnknownKey reports a dict key that names no field of the target
	// struct. It is wrapped in a [BindError].
	ErrUnknownKey = errors.New("unknown key")
	// ErrTooDeep reports a value nested more than 100 levels deep, which
	// includes cyclic values.
	ErrTooDeep = errors.New("nesting too deep")
	// ErrUnsupportedType reports a Go type that the binder cannot map:
	// channels, funcs, unsafe pointers, or structs and containers holding them.
	ErrUnsupportedType = errors.New("type cannot be bound")
)

// Unmarshaler is implemented (on a pointer receiver) by types that bind
// themselves from a model value. UnmarshalValue receives the raw model value,
// including nil for None.
type Unmarshaler interface {
	UnmarshalValue(v any) error
}

// Decoder stores model value v into dst, which must be a settable value of
// the type the decoder was made for. Errors are [*BindError]s.
type Decoder func(v any, dst reflect.Value) error

// BindError reports a model value that cannot be stored into a Go type.
type BindError struct {
	// Path locates the value inside the argument, e.g. "[3].name"; callers
	// prefix it with [AtPath] ("arg 2[3].name"). Empty for the top level.
	Path string
	// Want is the Go type that was asked for.
	Want reflect.Type
	// Got is the Python type name of the value received ("str", "dict", ...).
	Got string
	// Err is the specific cause (for example [ErrOverflow]), or nil for a
	// plain type mismatch.
	Err error
}

// Error returns e.g. "arg 1: cannot use str as int".
func (e *BindError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString("cannot use ")
	b.WriteString(e.Got)
	b.WriteString(" as ")
	if e.Want != nil {
		b.WriteString(e.Want.String())
	} else {
		b.WriteString("<nil>")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *BindError) Unwrap() error { return e.Err }

// AtPath prefixes the path of the [*BindError] or [*EncodeError] inside err
// with seg (for example "arg 2" or "kwarg name") and returns err. Other errors
// are returned unchanged.
func AtPath(err error, seg string) error {
	var be *BindError
	if errors.As(err, &be) {
		be.Path = joinPath(seg, be.Path)
		return err
	}
	var ee *EncodeError
	if errors.As(err, &ee) {
		ee.Path = joinPath(seg, ee.Path)
	}
	return err
}

// joinPath puts seg in front of rest: "[3]" + "name" → "[3].name".
func joinPath(seg, rest string) string {
	switch {
	case rest == "":
		return seg
	case seg == "":
		return rest
	case rest[0] == '[':
		return seg + rest
	default:
		return seg + "." + rest
	}
}

// inField and inIndex add one step to the path of a nested error. Errors made
// by this package are fresh, so they are updated in place.
func inField(err error, name string) error {
	switch e := err.(type) {
	case *BindError:
		e.Path = joinPath(name, e.Path)
	case *EncodeError:
		e.Path = joinPath(name, e.Path)
	}
	return err
}

func inIndex(err error, i int) error {
	return inField(err, "["+strconv.Itoa(i)+"]")
}

func inKey(err error, key any) error {
	var s string
	if k, ok := key.(string); ok {
		s = strconv.Quote(k)
	} else {
		s = fmt.Sprint(key)
	}
	return inField(err, "["+s+"]")
}

// PyTypeName returns the Python type name of model value v ("NoneType",
// "int", "str", "dict", ...). Go values outside the model are named by their
// Go type.
func PyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64, *big.Int, int, int8, int16, int32, uint, uint8, uint16, uint32, uint64:
		return "int"
	case float64, float32:
		return "float"
	case complex128, complex64:
		return "complex"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case []any:
		return "list"
	case Tuple:
		return "tuple"
	case Set:
		return "set"
	case *Dict:
		return "dict"
	case time.Time:
		return "datetime"
	case Date:
		return "date"
	case Decimal:
		return "Decimal"
	case UUID:
		return "UUID"
	case Ext:
		return "ExtType"
	}
	return fmt.Sprintf("%T", v)
}

// Bind stores model value v into *ptr, using the cached plan for ptr's
// element type.
func Bind(v any, ptr any) error {
	rv := reflect.ValueOf(ptr)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("value: Bind needs a non-nil pointer, got %T", ptr)
	}
	fn, err := decoderOf(rv.Type().Elem())
	if err != nil {
		return err
	}
	return fn(v, rv.Elem(), 0)
}

// DecoderFor returns the decoder for t, compiling and caching it on first
// use. It fails with [ErrUnsupportedType] for types that cannot be bound.
//
// The plan is made once per Go type; the per-call work is a type switch on
// the model value and direct reflect stores. The binding rules:
//
//   - bool accepts only bool (Python's bool is an int, but an int is not a bool).
//   - Signed and unsigned ints of every size accept int64 and *big.Int (and
//     Go's own integer kinds), with a range check that fails with
//     [ErrOverflow]. Floats and bools are refused: Python's 1.5 is never
//     silently truncated.
//   - float32/float64 accept floats and ints (Python passes 1 for 1.0);
//     complex kinds accept complex, float and int.
//   - string accepts str only. []byte accepts bytes, serpent's base64 dict
//     ({"data": "<base64>", "encoding": "base64"}, see [BytesFromBase64Dict])
//     and a sequence of small ints; it does not accept str. A decoded []byte
//     may share memory with the model value.
//   - Slices accept list, tuple and set; arrays accept the same with an exact
//     length (byte arrays also accept bytes of that length). []any takes the
//     items as they are.
//   - Maps accept a dict; keys and values are bound with the map's key and
//     element plans, and when two keys become equal after conversion the last
//     one wins. Keys that are unhashable in Go (a tuple into map[any]V) are an
//     error. A map whose element type is bool or struct{} also accepts a set
//     (each member maps to true / struct{}{}).
//   - Structs accept a dict with str keys. A key names a field by its tag
//     (`pyro:"name"`), else by the snake_case form of an untagged field's Go
//     name ([SnakeCase]: HTTPServer → http_server), else by the untagged
//     field's exact Go name; matching is case-sensitive. Unexported fields
//     and `pyro:"-"` are ignored; embedded structs are flattened as
//     encoding/json does (the shallowest field wins, then the tagged one;
//     ambiguous names are dropped). Missing keys leave zero values. Unknown
//     keys are an error ([ErrUnknownKey]) unless a field of map type with
//     string keys is tagged `pyro:",extra"`, which collects them. A
//     "__class__" key that no field claims is ignored, so the attribute dicts
//     Python sends for plain objects bind.
//   - Pointers: None gives a nil pointer; anything else is bound into a new
//     element.
//   - Interfaces: any receives the model value as it is; another interface
//     type receives it if its dynamic type implements the interface.
//   - time.Time accepts a datetime or an ISO 8601 string as Python's
//     isoformat writes it (date, "T" or " ", hh:mm[:ss[.fraction]], optional
//     "Z" or ±hh:mm[:ss] offset); strings without an offset are in
//     time.Local, as naive datetimes are elsewhere in this package.
//     [Date] accepts a date or "YYYY-MM-DD". time.Duration accepts an int or
//     float number of seconds (serpent's form of timedelta). [UUID] accepts a
//     UUID, its string form or 16 bytes. [Decimal] accepts a str.
//   - The model's own types ([Tuple], [Set], *[Dict], [Ext], *big.Int) take
//     the value through unchanged; Tuple and Set also accept a list, because
//     json and msgpack peers send tuples and sets as lists.
//   - A type whose pointer implements [Unmarshaler] binds itself.
//   - None into any other type is an error; into a slice or map it gives nil.
//
// A decoder always replaces the destination: structs are zeroed first and
// slices and maps are freshly made. Nested values deeper than 100 levels fail
// with [ErrTooDeep], so a cyclic model value cannot hang the binder. Channel,
// func and unsafe pointer types cannot be bound: [DecoderFor] reports
// [ErrUnsupportedType] at plan time, not per call.
func DecoderFor(t reflect.Type) (Decoder, error) {
	if t == nil {
		return nil, fmt.Errorf("value: %w: nil type", ErrUnsupportedType)
	}
	e := decEntryOf(t)
	return e.pub, e.err
}

// decFn is the internal form of a decoder; depth counts nesting levels.
type decFn func(v any, dst reflect.Value, depth int) error

type decEntry struct {
	fn  decFn
	pub Decoder
	err error
}

var decoders sync.Map // reflect.Type → *decEntry

func decoderOf(t reflect.Type) (decFn, error) {
	e := decEntryOf(t)
	return e.fn, e.err
}

func decEntryOf(t reflect.Type) *decEntry {
	if e, ok := decoders.Load(t); ok {
		return e.(*decEntry)
	}
	c := &decCompiler{cells: map[reflect.Type]*decFn{}, done: map[reflect.Type]decFn{}}
	_, err := c.compile(t)
	if err != nil {
		e, _ := decoders.LoadOrStore(t, &decEntry{err: err})
		return e.(*decEntry)
	}
	// Publish every plan made along the way only now: a plan for a nested
	// type may refer to an outer type's plan, which is complete only when the
	// whole compile succeeded.
	var mine *decEntry
	for tt, fn := range c.done {
		e, _ := decoders.LoadOrStore(tt, newDecEntry(tt, fn))
		if tt == t {
			mine = e.(*decEntry)
		}
	}
	return mine
}

func newDecEntry(t reflect.Type, fn decFn) *decEntry {
	return &decEntry{fn: fn, pub: func(v any, dst reflect.Value) error {
		if !dst.CanSet() || dst.Type() != t {
			return fmt.Errorf("value: decoder for %v given a destination that is not a settable %v", t, t)
		}
		return fn(v, dst, 0)
	}}
}

type decCompiler struct {
	cells map[reflect.Type]*decFn // plans being compiled (for recursive types)
	done  map[reflect.Type]decFn
}

func (c *decCompiler) compile(t reflect.Type) (decFn, error) {
	if e, ok := decoders.Load(t); ok {
		e := e.(*decEntry)
		return e.fn, e.err
	}
	if fn, ok := c.done[t]; ok {
		return fn, nil
	}
	if cell, ok := c.cells[t]; ok {
		return func(v any, dst reflect.Value, depth int) error { return (*cell)(v, dst, depth) }, nil
	}
	cell := new(decFn)
	c.cells[t] = cell
	fn, err := c.build(t)
	if err != nil {
		return nil, err
	}
	*cell = fn
	c.done[t] = fn
	return fn, nil
}

var (
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
	marshalerType   = reflect.TypeFor[Marshaler]()
	anyType         = reflect.TypeFor[any]()
	anySliceType    = reflect.TypeFor[[]any]()
	bytesType       = reflect.TypeFor[[]byte]()
	timeType        = reflect.TypeFor[time.Time]()
	durationType    = reflect.TypeFor[time.Duration]()
	dateType        = reflect.TypeFor[Date]()
	decimalType     = reflect.TypeFor[Decimal]()
	uuidType        = reflect.TypeFor[UUID]()
	extType         = reflect.TypeFor[Ext]()
	tupleType       = reflect.TypeFor[Tuple]()
	setType         = reflect.TypeFor[Set]()
	dictPtrType     = reflect.TypeFor[*Dict]()
	bigIntType      = reflect.TypeFor[big.Int]()
	bigIntPtrType   = reflect.TypeFor[*big.Int]()
)

func mismatch(t reflect.Type, v any) error {
	return &BindError{Want: t, Got: PyTypeName(v)}
}

func failed(t reflect.Type, v any, err error) error {
	return &BindError{Want: t, Got: PyTypeName(v), Err: err}
}

func tooDeep(t reflect.Type, v any) error { return failed(t, v, ErrTooDeep) }

func unsupported(t reflect.Type) error {
	return fmt.Errorf("value: %w: %v", ErrUnsupportedType, t)
}

func (c *decCompiler) build(t reflect.Type) (decFn, error) {
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(unmarshalerType) {
		return decodeUnmarshaler(t), nil
	}
	switch t {
	case timeType:
		return decodeTime, nil
	case durationType:
		return decodeDuration, nil
	case dateType:
		return decodeDate, nil
	case decimalType:
		return decodeDecimal, nil
	case uuidType:
		return decodeUUID, nil
	case extType:
		return decodeExt, nil
	case tupleType:
		return decodeTuple, nil
	case setType:
		return decodeSet, nil
	case dictPtrType:
		return decodeDictPtr, nil
	case bigIntType:
		return decodeBig, nil
	case bigIntPtrType:
		return decodeBigPtr, nil
	case anySliceType:
		return decodeList, nil
	case anyType:
		return decodeAny, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(v any, dst reflect.Value, _ int) error {
			if b, ok := v.(bool); ok {
				dst.SetBool(b)
				return nil
			}
			return mismatch(t, v)
		}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intDecoder(t), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintDecoder(t), nil
	case reflect.Float32, reflect.Float64:
		return floatDecoder(t), nil
	case reflect.Complex64, reflect.Complex128:
		return complexDecoder(t), nil
	case reflect.String:
		return func(v any, dst reflect.Value, _ int) error {
			if s, ok := v.(string); ok {
				dst.SetString(s)
				return nil
			}
			return mismatch(t, v)
		}, nil
	case reflect.Slice:
		return c.sliceDecoder(t)
	case reflect.Array:
		return c.arrayDecoder(t)
	case reflect.Map:
		return c.mapDecoder(t)
	case reflect.Struct:
		return c.structDecoder(t)
	case reflect.Pointer:
		return c.pointerDecoder(t)
	case reflect.Interface:
		return func(v any, dst reflect.Value, _ int) error {
			if v == nil {
				dst.SetZero()
				return nil
			}
			rv := reflect.ValueOf(v)
			if !rv.Type().Implements(t) {
				return mismatch(t, v)
			}
			dst.Set(rv)
			return nil
		}, nil
	}
	return nil, unsupported(t)
}

func decodeUnmarshaler(t reflect.Type) decFn {
	return func(v any, dst reflect.Value, _ int) error {
		u := dst.Addr().Interface().(Unmarshaler)
		if err := u.UnmarshalValue(v); err != nil {
			return failed(t, v, err)
		}
		return nil
	}
}

func decodeAny(v any, dst reflect.Value, _ int) error {
	*dst.Addr().Interface().(*any) = v
	return nil
}

// intOf returns v as an integer if it is one (int64, *big.Int or a Go
// integer kind); big is set only when the value does not fit int64.
func intOf(v any) (i int64, b *big.Int, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, nil, true
	case *big.Int:
		if x == nil {
			return 0, nil, false
		}
		if x.IsInt64() {
			return x.Int64(), nil, true
		}
		return 0, x, true
	case int:
		return int64(x), nil, true
	case int8:
		return int64(x), nil, true
	case int16:
		return int64(x), nil, true
	case int32:
		return int64(x), nil, true
	case uint:
		return intOf(uint64(x))
	case uint8:
		return int64(x), nil, true
	case uint16:
		return int64(x), nil, true
	case uint32:
		return int64(x), nil, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, new(big.Int).SetUint64(x), true
		}
		return int64(x), nil, true
	}
	return 0, nil, false
}

func intDecoder(t reflect.Type) decFn {
	bits := t.Bits()
	lo := int64(-1) << (bits - 1)
	hi := -(lo + 1)
	return func(v any, dst reflect.Value, _ int) error {
		i, ok := v.(int64)
		if !ok {
			var b *big.Int
			if i, b, ok = intOf(v); !ok {
				return mismatch(t, v)
			}
			if b != nil {
				return failed(t, v, ErrOverflow)
			}
		}
		if i < lo || i > hi {
			return failed(t, v, ErrOverflow)
		}
		dst.SetInt(i)
		return nil
	}
}

func uintDecoder(t reflect.Type) decFn {
	bits := t.Bits()
	hi := uint64(math.MaxUint64) >> (64 - bits)
	return func(v any, dst reflect.Value, _ int) error {
		i, b, ok := intOf(v)
		if !ok {
			return mismatch(t, v)
		}
		var u uint64
		switch {
		case b != nil:
			if b.Sign() < 0 || !b.IsUint64() {
				return failed(t, v, ErrOverflow)
			}
			u = b.Uint64()
		case i < 0:
			return failed(t, v, ErrOverflow)
		default:
			u = uint64(i)
		}
		if u > hi {
			return failed(t, v, ErrOverflow)
		}
		dst.SetUint(u)
		return nil
	}
}

// floatOf returns v as a float64 if it is a float or an int. fits is false
// when an int is too large for float64.
func floatOf(v any) (f float64, ok, fits bool) {
	switch x := v.(type) {
	case float64:
		return x, true, true
	case float32:
		return float64(x), true, true
	}
	i, b, ok := intOf(v)
	if !ok {
		return 0, false, false
	}
	if b == nil {
		return float64(i), true, true
	}
	f, _ = new(big.Float).SetInt(b).Float64()
	return f, true, !math.IsInf(f, 0)
}

func floatDecoder(t reflect.Type) decFn {
	is32 := t.Bits() == 32
	return func(v any, dst reflect.Value, _ int) error {
		f, ok, fits := floatOf(v)
		if !ok {
			return mismatch(t, v)
		}
		if !fits || is32 && math.Abs(f) > math.MaxFloat32 && !math.IsInf(f, 0) {
			return failed(t, v, ErrOverflow)
		}
		dst.SetFloat(f)
		return nil
	}
}

func complexDecoder(t reflect.Type) decFn {
	is64 := t.Bits() == 64
	return func(v any, dst reflect.Value, _ int) error {
		var c complex128
		switch x := v.(type) {
		case complex128:
			c = x
		case complex64:
			c = complex128(x)
		default:
			f, ok, fits := floatOf(v)
			if !ok {
				return mismatch(t, v)
			}
			if !fits {
				return failed(t, v, ErrOverflow)
			}
			c = complex(f, 0)
		}
		if is64 {
			for _, p := range [2]float64{real(c), imag(c)} {
				if math.Abs(p) > math.MaxFloat32 && !math.IsInf(p, 0) {
					return failed(t, v, ErrOverflow)
				}
			}
		}
		dst.SetComplex(c)
		return nil
	}
}

// seqOf returns the items of a list, tuple or set.
func seqOf(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case Tuple:
		return x, true
	case Set:
		return x, true
	}
	return nil, false
}

func decodeList(v any, dst reflect.Value, _ int) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	s, ok := seqOf(v)
	if !ok {
		return mismatch(anySliceType, v)
	}
	*dst.Addr().Interface().(*[]any) = s
	return nil
}

func decodeTuple(v any, dst reflect.Value, _ int) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	switch x := v.(type) {
	case Tuple:
		*dst.Addr().Interface().(*Tuple) = x
	case []any:
		*dst.Addr().Interface().(*Tuple) = x
	default:
		return mismatch(tupleType, v)
	}
	return nil
}

func decodeSet(v any, dst reflect.Value, _ int) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	switch x := v.(type) {
	case Set:
		*dst.Addr().Interface().(*Set) = x
	case []any:
		*dst.Addr().Interface().(*Set) = x
	default:
		return mismatch(setType, v)
	}
	return nil
}

func decodeDictPtr(v any, dst reflect.Value, _ int) error {
	switch x := v.(type) {
	case nil:
		dst.SetZero()
	case *Dict:
		*dst.Addr().Interface().(**Dict) = x
	default:
		return mismatch(dictPtrType, v)
	}
	return nil
}

func decodeExt(v any, dst reflect.Value, _ int) error {
	x, ok := v.(Ext)
	if !ok {
		return mismatch(extType, v)
	}
	*dst.Addr().Interface().(*Ext) = x
	return nil
}

func decodeDecimal(v any, dst reflect.Value, _ int) error {
	switch x := v.(type) {
	case string:
		dst.SetString(x)
	case Decimal:
		dst.SetString(string(x))
	default:
		return mismatch(decimalType, v)
	}
	return nil
}

func decodeBig(v any, dst reflect.Value, _ int) error {
	i, b, ok := intOf(v)
	if !ok {
		return mismatch(bigIntType, v)
	}
	p := dst.Addr().Interface().(*big.Int)
	if b != nil {
		p.Set(b)
	} else {
		p.SetInt64(i)
	}
	return nil
}

func decodeBigPtr(v any, dst reflect.Value, _ int) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	i, b, ok := intOf(v)
	if !ok {
		return mismatch(bigIntPtrType, v)
	}
	n := new(big.Int)
	if b != nil {
		n.Set(b)
	} else {
		n.SetInt64(i)
	}
	*dst.Addr().Interface().(**big.Int) = n
	return nil
}

func decodeTime(v any, dst reflect.Value, _ int) error {
	var tm time.Time
	switch x := v.(type) {
	case time.Time:
		tm = x
	case string:
		var err error
		if tm, err = ParseISOTime(x); err != nil {
			return failed(timeType, v, err)
		}
	default:
		return mismatch(timeType, v)
	}
	*dst.Addr().Interface().(*time.Time) = tm
	return nil
}

func decodeDate(v any, dst reflect.Value, _ int) error {
	var d Date
	switch x := v.(type) {
	case Date:
		d = x
	case string:
		var err error
		if d, err = ParseDate(x); err != nil {
			return failed(dateType, v, err)
		}
	default:
		return mismatch(dateType, v)
	}
	*dst.Addr().Interface().(*Date) = d
	return nil
}

func decodeDuration(v any, dst reflect.Value, _ int) error {
	var d int64
	if i, ok := v.(int64); ok {
		if i > math.MaxInt64/int64(time.Second) || i < math.MinInt64/int64(time.Second) {
			return failed(durationType, v, ErrOverflow)
		}
		d = i * int64(time.Second)
	} else {
		f, ok, fits := floatOf(v)
		if !ok {
			return mismatch(durationType, v)
		}
		// Whole seconds and the fraction separately, so that large
		// durations keep every nanosecond the float carries.
		const maxSec = float64(math.MaxInt64 / int64(time.Second))
		sec := math.Trunc(f)
		if !fits || math.IsNaN(f) || sec > maxSec || sec < -maxSec {
			return failed(durationType, v, ErrOverflow)
		}
		whole := int64(sec) * int64(time.Second)
		frac := int64(math.Round((f - sec) * float64(time.Second)))
		if frac > 0 && whole > math.MaxInt64-frac || frac < 0 && whole < math.MinInt64-frac {
			return failed(durationType, v, ErrOverflow)
		}
		d = whole + frac
	}
	dst.SetInt(d)
	return nil
}

func decodeUUID(v any, dst reflect.Value, _ int) error {
	var u UUID
	switch x := v.(type) {
	case UUID:
		u = x
	case string:
		var err error
		if u, err = ParseUUID(x); err != nil {
			return failed(uuidType, v, err)
		}
	case []byte:
		if len(x) != len(u) {
			return failed(uuidType, v, fmt.Errorf("%d bytes, want 16", len(x)))
		}
		copy(u[:], x)
	default:
		return mismatch(uuidType, v)
	}
	*dst.Addr().Interface().(*UUID) = u
	return nil
}

// bytesOf returns the bytes in v: bytes, or serpent's base64 dict. ok is
// false for other values; err is set for a base64 dict whose data is not
// valid base64.
func bytesOf(v any) (b []byte, ok bool, err error) {
	switch x := v.(type) {
	case []byte:
		return x, true, nil
	case *Dict:
		data, isB64 := base64DictData(x)
		if !isB64 {
			return nil, false, nil
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, false, fmt.Errorf("bad base64 data: %w", err)
		}
		return b, true, nil
	}
	return nil, false, nil
}

func (c *decCompiler) sliceDecoder(t reflect.Type) (decFn, error) {
	et := t.Elem()
	elem, err := c.compile(et)
	if err != nil {
		return nil, err
	}
	byteSlice := et.Kind() == reflect.Uint8 && !reflect.PointerTo(et).Implements(unmarshalerType)
	return func(v any, dst reflect.Value, depth int) error {
		if v == nil {
			dst.SetZero()
			return nil
		}
		if byteSlice {
			b, ok, err := bytesOf(v)
			if err != nil {
				return failed(t, v, err)
			}
			if ok {
				dst.SetBytes(b)
				return nil
			}
		}
		items, ok := seqOf(v)
		if !ok {
			return mismatch(t, v)
		}
		if depth >= maxDepth {
			return tooDeep(t, v)
		}
		if len(items) == 0 {
			dst.Set(reflect.MakeSlice(t, 0, 0))
			return nil
		}
		// Grow a nil slice in place: one allocation, no slice header box.
		dst.SetZero()
		dst.Grow(len(items))
		dst.SetLen(len(items))
		for i, it := range items {
			if err := elem(it, dst.Index(i), depth+1); err != nil {
				return inIndex(err, i)
			}
		}
		return nil
	}, nil
}

func (c *decCompiler) arrayDecoder(t reflect.Type) (decFn, error) {
	et := t.Elem()
	elem, err := c.compile(et)
	if err != nil {
		return nil, err
	}
	n := t.Len()
	byteArray := et.Kind() == reflect.Uint8 && !reflect.PointerTo(et).Implements(unmarshalerType)
	return func(v any, dst reflect.Value, depth int) error {
		if byteArray {
			b, ok, err := bytesOf(v)
			if err != nil {
				return failed(t, v, err)
			}
			if ok {
				if len(b) != n {
					return failed(t, v, fmt.Errorf("length %d, want %d", len(b), n))
				}
				// Not reflect.Copy: it refuses named byte element types.
				for i, c := range b {
					dst.Index(i).SetUint(uint64(c))
				}
				return nil
			}
		}
		items, ok := seqOf(v)
		if !ok {
			return mismatch(t, v)
		}
		if len(items) != n {
			return failed(t, v, fmt.Errorf("length %d, want %d", len(items), n))
		}
		if depth >= maxDepth {
			return tooDeep(t, v)
		}
		for i, it := range items {
			if err := elem(it, dst.Index(i), depth+1); err != nil {
				return inIndex(err, i)
			}
		}
		return nil
	}, nil
}

func (c *decCompiler) mapDecoder(t reflect.Type) (decFn, error) {
	kt, et := t.Key(), t.Elem()
	keyDec, err := c.compile(kt)
	if err != nil {
		return nil, err
	}
	elemDec, err := c.compile(et)
	if err != nil {
		return nil, err
	}
	// A key type holding interfaces can receive unhashable values (a tuple
	// into map[any]V, or into an interface inside an array or struct key);
	// storing those would panic.
	checkKey := holdsInterface(kt, 0)
	setOK := et.Kind() == reflect.Bool || et.Kind() == reflect.Struct && et.NumField() == 0
	var member reflect.Value
	if setOK {
		member = reflect.New(et).Elem()
		if et.Kind() == reflect.Bool {
			member.SetBool(true)
		}
	}
	return func(v any, dst reflect.Value, depth int) error {
		var d *Dict
		var set Set
		switch x := v.(type) {
		case nil:
			dst.SetZero()
			return nil
		case *Dict:
			if x == nil {
				dst.SetZero()
				return nil
			}
			d = x
		case Set:
			if !setOK {
				return mismatch(t, v)
			}
			set = x
		default:
			return mismatch(t, v)
		}
		if depth >= maxDepth {
			return tooDeep(t, v)
		}
		n := len(set)
		if d != nil {
			n = len(d.Items)
		}
		m := reflect.MakeMapWithSize(t, n)
		k := reflect.New(kt).Elem()
		val := reflect.New(et).Elem()
		for i := 0; i < n; i++ {
			var key, item any
			if d != nil {
				key, item = d.Items[i].Key, d.Items[i].Value
			} else {
				key = set[i]
			}
			k.SetZero()
			if err := keyDec(key, k, depth+1); err != nil {
				return inKey(err, key)
			}
			if checkKey && !k.Comparable() {
				return inKey(failed(kt, key, errors.New("unhashable as a Go map key")), key)
			}
			if d == nil {
				m.SetMapIndex(k, member)
				continue
			}
			val.SetZero()
			if err := elemDec(item, val, depth+1); err != nil {
				return inKey(err, key)
			}
			m.SetMapIndex(k, val)
		}
		dst.Set(m)
		return nil
	}, nil
}

// holdsInterface reports whether values of the comparable type t can hold
// interface values, directly or in array elements and struct fields.
func holdsInterface(t reflect.Type, depth int) bool {
	if depth > maxDepth {
		return true
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Array:
		return holdsInterface(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsInterface(t.Field(i).Type, depth+1) {
				return true
			}
		}
	}
	return false
}

func (c *decCompiler) pointerDecoder(t reflect.Type) (decFn, error) {
	et := t.Elem()
	elem, err := c.compile(et)
	if err != nil {
		return nil, err
	}
	// Containers count their own depth; a pointer counts only when it points
	// to another pointer, the one cycle (type P *P) that would otherwise
	// consume no depth.
	step := 0
	if et.Kind() == reflect.Pointer {
		step = 1
	}
	return func(v any, dst reflect.Value, depth int) error {
		if v == nil {
			dst.SetZero()
			return nil
		}
		if depth >= maxDepth {
			return tooDeep(t, v)
		}
		p := reflect.New(et)
		if err := elem(v, p.Elem(), depth+step); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}, nil
}

// decField is one bindable struct field.
type decField struct {
	index []int
	dec   decFn
}

// keyRef maps a dict key onto a field (or the extra map when field < 0).
type keyRef struct {
	key   string
	field int
}

type structPlan struct {
	fields []decField
	keys   []keyRef       // searched linearly when byKey is nil
	byKey  map[string]int // for structs with many keys
	extra  *extraField
}

type extraField struct {
	index   []int
	typ     reflect.Type // the map type
	elemDec decFn
}

func (p *structPlan) lookup(k string) int {
	if p.byKey != nil {
		if i, ok := p.byKey[k]; ok {
			return i
		}
		return -1
	}
	for i := range p.keys {
		if p.keys[i].key == k {
			return p.keys[i].field
		}
	}
	return -1
}

func (c *decCompiler) structDecoder(t reflect.Type) (decFn, error) {
	fields, extra, err := structFields(t)
	if err != nil {
		return nil, err
	}
	p := &structPlan{}
	names := make(map[string]int, 2*len(fields))
	// Lowest priority first, so that higher tiers overwrite: exact Go names of
	// untagged fields, then their snake_case names, then tags.
	for i, f := range fields {
		if !f.tagged {
			names[f.goName] = i
		}
	}
	for i, f := range fields {
		if !f.tagged {
			names[f.name] = i
		}
	}
	for i, f := range fields {
		if f.tagged {
			names[f.name] = i
		}
	}
	for _, f := range fields {
		dec, err := c.compile(f.typ)
		if err != nil {
			return nil, err
		}
		p.fields = append(p.fields, decField{index: f.index, dec: dec})
	}
	for k, i := range names {
		p.keys = append(p.keys, keyRef{key: k, field: i})
	}
	sort.Slice(p.keys, func(i, j int) bool { return p.keys[i].key < p.keys[j].key })
	if len(p.keys) > 8 {
		p.byKey = names
	}
	if extra != nil {
		if extra.typ.Kind() != reflect.Map || extra.typ.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("value: %w: %v: the extra field %s must be a map with string keys", ErrUnsupportedType, t, extra.goName)
		}
		ed, err := c.compile(extra.typ.Elem())
		if err != nil {
			return nil, err
		}
		p.extra = &extraField{index: extra.index, typ: extra.typ, elemDec: ed}
	}
	return func(v any, dst reflect.Value, depth int) error {
		d, ok := v.(*Dict)
		if !ok || d == nil {
			return mismatch(t, v)
		}
		if depth >= maxDepth {
			return tooDeep(t, v)
		}
		dst.SetZero()
		for i := range d.Items {
			it := &d.Items[i]
			k, ok := it.Key.(string)
			if !ok {
				return failed(t, v, fmt.Errorf("key of type %s is not a field name", PyTypeName(it.Key)))
			}
			fi := p.lookup(k)
			if fi < 0 {
				if p.extra != nil {
					if err := p.addExtra(dst, k, it.Value, depth); err != nil {
						return err
					}
					continue
				}
				if k == "__class__" {
					continue
				}
				return failed(t, v, fmt.Errorf("%w %q", ErrUnknownKey, k))
			}
			f := &p.fields[fi]
			var fv reflect.Value
			if len(f.index) == 1 {
				fv = dst.Field(f.index[0])
			} else {
				var err error
				if fv, err = fieldForSet(dst, f.index); err != nil {
					return failed(t, v, err)
				}
			}
			if err := f.dec(it.Value, fv, depth+1); err != nil {
				return inField(err, k)
			}
		}
		return nil
	}, nil
}

func (p *structPlan) addExtra(dst reflect.Value, k string, item any, depth int) error {
	ex := p.extra
	m, err := fieldForSet(dst, ex.index)
	if err != nil {
		return failed(ex.typ, item, err)
	}
	if m.IsNil() {
		m.Set(reflect.MakeMap(ex.typ))
	}
	val := reflect.New(ex.typ.Elem()).Elem()
	if err := ex.elemDec(item, val, depth+1); err != nil {
		return inField(err, k)
	}
	m.SetMapIndex(reflect.ValueOf(k).Convert(ex.typ.Key()), val)
	return nil
}

// fieldForSet returns the field at index, allocating embedded struct
// pointers on the way.
func fieldForSet(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, fmt.Errorf("cannot set embedded pointer to unexported struct %v", v.Type().Elem())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

// fieldInfo describes one field of a struct plan, after flattening.
type fieldInfo struct {
	name      string // the wire name: tag, else snake_case of goName
	goName    string
	tagged    bool
	index     []int
	typ       reflect.Type
	omitEmpty bool
}

// structFields lists the fields of struct type t that take part in binding,
// flattening embedded structs, plus the `pyro:",extra"` field if any.
func structFields(t reflect.Type) ([]fieldInfo, *fieldInfo, error) {
	type todo struct {
		typ   reflect.Type
		index []int
	}
	var all []fieldInfo
	var extra *fieldInfo
	current := []todo{}
	next := []todo{{typ: t}}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current, next = next, nil
		for _, st := range current {
			if visited[st.typ] {
				continue
			}
			visited[st.typ] = true
			for i := range st.typ.NumField() {
				sf := st.typ.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						if !sf.IsExported() {
							// Cannot be allocated through reflect.
							continue
						}
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("pyro")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := make([]int, len(st.index)+1)
				copy(index, st.index)
				index[len(st.index)] = i
				fi := fieldInfo{
					name:   name,
					goName: sf.Name,
					tagged: name != "",
					index:  index,
					typ:    sf.Type,
				}
				for _, o := range strings.Split(opts, ",") {
					switch o {
					case "omitempty":
						fi.omitEmpty = true
					case "extra":
						if !sf.IsExported() {
							continue
						}
						if extra != nil {
							return nil, nil, fmt.Errorf("value: %w: %v has two extra fields", ErrUnsupportedType, t)
						}
						extra = &fi
					}
				}
				if extra == &fi {
					continue
				}
				if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct && !isLeafStruct(ft) {
					next = append(next, todo{typ: ft, index: index})
					continue
				}
				if !sf.IsExported() {
					continue
				}
				if name == "" {
					fi.name = SnakeCase(sf.Name)
				}
				all = append(all, fi)
			}
		}
	}
	// Dominance, as in encoding/json: for each name the shallowest field
	// wins, a tagged one over untagged ones at that depth; a tie drops the
	// name.
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].name != all[j].name {
			return all[i].name < all[j].name
		}
		if len(all[i].index) != len(all[j].index) {
			return len(all[i].index) < len(all[j].index)
		}
		return all[i].tagged && !all[j].tagged
	})
	out := all[:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		group := all[i:j]
		if len(group) == 1 || len(group[1].index) > len(group[0].index) || group[0].tagged && !group[1].tagged {
			out = append(out, group[0])
		}
		i = j
	}
	// Back to declaration order, which is the encoding order.
	sort.Slice(out, func(i, j int) bool { return lessIndex(out[i].index, out[j].index) })
	return out, extra, nil
}

func lessIndex(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

// isLeafStruct reports struct types that map onto one value rather than a
// set of fields, so that embedding them does not flatten them.
func isLeafStruct(t reflect.Type) bool {
	switch t {
	case timeType, dateType, bigIntType:
		return true
	}
	return reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(marshalerType) ||
		reflect.PointerTo(t).Implements(marshalerType)
}

// SnakeCase returns the snake_case form of a Go identifier, the Python
// spelling of method and field names: GetFortune → get_fortune,
// HTTPServer → http_server, GetID → get_id, URLForID → url_for_id,
// Ping → ping. A word starts at an upper-case letter that follows a
// lower-case letter or a digit, and at the last capital of an acronym that
// is followed by a lower-case letter, except a plural "s" (GetIDs → get_ids,
// URLsFor → urls_for). Existing underscores are kept.
func SnakeCase(goName string) string {
	rs := []rune(goName)
	var b strings.Builder
	b.Grow(len(goName) + 4)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && rs[i-1] != '_' {
				prev := rs[i-1]
				if unicode.IsLower(prev) || unicode.IsDigit(prev) ||
					unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]) && !pluralS(rs, i+1) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pluralS reports a lone "s" at rs[i] that ends a word, as in URLs or IDs.
func pluralS(rs []rune, i int) bool {
	return rs[i] == 's' && (i+1 == len(rs) || !unicode.IsLower(rs[i+1]))
}

// ParseISOTime parses a datetime string as Python's datetime.isoformat and
// str(datetime) write it: "YYYY-MM-DD" optionally followed by "T" or " " and
// "hh:mm[:ss[.fraction]]" (1 to 9 fraction digits, "." or ","), then an
// optional "Z" or "±hh:mm[:ss[.ffffff]]" offset. Without an offset the time
// is in time.Local.
func ParseISOTime(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("invalid ISO 8601 datetime %q: %s", truncate(s), why)
	}
	if len(s) < 10 {
		return bad("too short")
	}
	d, err := ParseDate(s[:10])
	if err != nil {
		return bad("bad date")
	}
	rest := s[10:]
	var hh, mm, ss, ns int
	loc := time.Local
	if rest != "" {
		if rest[0] != 'T' && rest[0] != ' ' {
			return bad("bad separator")
		}
		rest = rest[1:]
		var ok bool
		if hh, mm, ss, ns, rest, ok = parseClock(rest); !ok {
			return bad("bad time")
		}
		switch {
		case rest == "":
		case rest == "Z":
			loc = time.UTC
		case rest[0] == '+' || rest[0] == '-':
			oh, om, os, ons, tail, ok := parseClock(rest[1:])
			// Go zones have whole seconds; Python allows microseconds.
			if !ok || tail != "" || ons != 0 {
				return bad("bad offset")
			}
			off := oh*3600 + om*60 + os
			if rest[0] == '-' {
				off = -off
			}
			if off == 0 {
				loc = time.UTC
			} else {
				loc = time.FixedZone("", off)
			}
		default:
			return bad("trailing text")
		}
	}
	return time.Date(d.Year, d.Month, d.Day, hh, mm, ss, ns, loc), nil
}

// parseClock reads "hh:mm[:ss[.fraction]]" from the front of s.
func parseClock(s string) (hh, mm, ss, ns int, rest string, ok bool) {
	num2 := func(s string) (int, bool) {
		if len(s) < 2 || !isDigit(s[0]) || !isDigit(s[1]) {
			return 0, false
		}
		return int(s[0]-'0')*10 + int(s[1]-'0'), true
	}
	if hh, ok = num2(s); !ok || hh > 23 {
		return 0, 0, 0, 0, "", false
	}
	if len(s) == 2 || s[2] != ':' {
		// Hours only (isoformat(timespec="hours")).
		return hh, 0, 0, 0, s[2:], true
	}
	if len(s) < 5 {
		return 0, 0, 0, 0, "", false
	}
	if mm, ok = num2(s[3:]); !ok || mm > 59 {
		return 0, 0, 0, 0, "", false
	}
	s = s[5:]
	if len(s) > 0 && s[0] == ':' {
		if ss, ok = num2(s[1:]); !ok || ss > 59 {
			return 0, 0, 0, 0, "", false
		}
		s = s[3:]
		if len(s) > 0 && (s[0] == '.' || s[0] == ',') {
			n := 1
			for n < len(s) && isDigit(s[n]) {
				n++
			}
			digits := s[1:n]
			if len(digits) == 0 || len(digits) > 9 {
				return 0, 0, 0, 0, "", false
			}
			for i := 0; i < 9; i++ {
				ns *= 10
				if i < len(digits) {
					ns += int(digits[i] - '0')
				}
			}
			s = s[n:]
		}
	}
	return hh, mm, ss, ns, s, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ParseDate parses "YYYY-MM-DD" as Python's date.isoformat writes it.
func ParseDate(s string) (Date, error) {
	bad := func() (Date, error) { return Date{}, fmt.Errorf("invalid ISO 8601 date %q", truncate(s)) }
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return bad()
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(s[i]) {
			return bad()
		}
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:])
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return bad()
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ParseUUID parses a UUID in its canonical 8-4-4-4-12 form or as 32 hex
// digits.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := s
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return u, fmt.Errorf("invalid UUID %q", truncate(s))
		}
		h = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if len(h) != 32 {
		return u, fmt.Errorf("invalid UUID %q", truncate(s))
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("invalid UUID %q", truncate(s))
	}
	return u, nil
}

// truncate shortens peer-supplied text quoted in error messages.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
