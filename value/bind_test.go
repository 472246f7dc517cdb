package value

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bindAs binds v into a fresh T.
func bindAs[T any](v any) (T, error) {
	var out T
	err := Bind(v, &out)
	return out, err
}

func bigInt(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad big int " + s)
	}
	return b
}

// intCase checks one integer source against one target kind.
type intCase struct {
	name     string
	src      any
	bind     func(any) (any, error)
	want     any // nil when an overflow is expected
	overflow bool
}

func bindFn[T any]() func(any) (any, error) {
	return func(v any) (any, error) { x, err := bindAs[T](v); return x, err }
}

func TestBindIntBounds(t *testing.T) {
	var cases []intCase
	add := func(name string, bind func(any) (any, error), src, want any) {
		cases = append(cases, intCase{name: name, src: src, bind: bind, want: want})
	}
	over := func(name string, bind func(any) (any, error), src any) {
		cases = append(cases, intCase{name: name, src: src, bind: bind, overflow: true})
	}
	add("int8 min", bindFn[int8](), int64(math.MinInt8), int8(math.MinInt8))
	add("int8 max", bindFn[int8](), int64(math.MaxInt8), int8(math.MaxInt8))
	over("int8 min-1", bindFn[int8](), int64(math.MinInt8-1))
	over("int8 max+1", bindFn[int8](), int64(math.MaxInt8+1))
	add("int16 min", bindFn[int16](), int64(math.MinInt16), int16(math.MinInt16))
	add("int16 max", bindFn[int16](), int64(math.MaxInt16), int16(math.MaxInt16))
	over("int16 min-1", bindFn[int16](), int64(math.MinInt16-1))
	over("int16 max+1", bindFn[int16](), int64(math.MaxInt16+1))
	add("int32 min", bindFn[int32](), int64(math.MinInt32), int32(math.MinInt32))
	add("int32 max", bindFn[int32](), int64(math.MaxInt32), int32(math.MaxInt32))
	over("int32 min-1", bindFn[int32](), int64(math.MinInt32-1))
	over("int32 max+1", bindFn[int32](), int64(math.MaxInt32+1))
	add("int64 min", bindFn[int64](), int64(math.MinInt64), int64(math.MinInt64))
	add("int64 max", bindFn[int64](), int64(math.MaxInt64), int64(math.MaxInt64))
	add("int64 from fitting big", bindFn[int64](), big.NewInt(-5), int64(-5))
	over("int64 min-1", bindFn[int64](), bigInt("-9223372036854775809"))
	over("int64 max+1", bindFn[int64](), bigInt("9223372036854775808"))
	add("int max", bindFn[int](), int64(math.MaxInt), math.MaxInt)
	over("int huge", bindFn[int](), bigInt("18446744073709551616"))
	add("uint8 0", bindFn[uint8](), int64(0), uint8(0))
	add("uint8 max", bindFn[uint8](), int64(math.MaxUint8), uint8(math.MaxUint8))
	over("uint8 -1", bindFn[uint8](), int64(-1))
	over("uint8 max+1", bindFn[uint8](), int64(math.MaxUint8+1))
	add("uint16 max", bindFn[uint16](), int64(math.MaxUint16), uint16(math.MaxUint16))
	over("uint16 -1", bindFn[uint16](), int64(-1))
	over("uint16 max+1", bindFn[uint16](), int64(math.MaxUint16+1))
	add("uint32 max", bindFn[uint32](), int64(math.MaxUint32), uint32(math.MaxUint32))
	over("uint32 -1", bindFn[uint32](), int64(-1))
	over("uint32 max+1", bindFn[uint32](), int64(math.MaxUint32+1))
	add("uint64 0", bindFn[uint64](), int64(0), uint64(0))
	add("uint64 max from big", bindFn[uint64](), bigInt("18446744073709551615"), uint64(math.MaxUint64))
	over("uint64 -1", bindFn[uint64](), int64(-1))
	over("uint64 big negative", bindFn[uint64](), bigInt("-18446744073709551615"))
	over("uint64 max+1", bindFn[uint64](), bigInt("18446744073709551616"))
	add("uint max", bindFn[uint](), bigInt("18446744073709551615"), uint(math.MaxUint))
	add("uintptr", bindFn[uintptr](), int64(7), uintptr(7))
	add("int from Go int kind", bindFn[int16](), int32(-300), int16(-300))
	add("uint64 from Go uint64", bindFn[uint64](), uint64(math.MaxUint64), uint64(math.MaxUint64))
	over("int64 from Go uint64 max", bindFn[int64](), uint64(math.MaxUint64))

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.bind(c.src)
			if c.overflow {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrOverflow)
				var be *BindError
				require.ErrorAs(t, err, &be)
				assert.Equal(t, "int", be.Got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestBindIntRefusesOtherTypes(t *testing.T) {
	for _, src := range []any{1.0, 2.5, true, false, "1", nil, []byte{1}, complex(1, 0)} {
		_, err := bindAs[int](src)
		var be *BindError
		require.ErrorAs(t, err, &be, "%#v", src)
		assert.Equal(t, reflect.TypeFor[int](), be.Want)
		assert.Equal(t, PyTypeName(src), be.Got)
		assert.Nil(t, be.Err)
		_, err = bindAs[uint16](src)
		assert.Error(t, err, "%#v", src)
	}
}

func TestBindFloats(t *testing.T) {
	cases := []struct {
		name string
		src  any
		f64  float64
		err  error // for float64; nil = ok
	}{
		{"float", 1.5, 1.5, nil},
		{"negative zero", math.Copysign(0, -1), math.Copysign(0, -1), nil},
		{"int", int64(1), 1, nil},
		{"negative int", int64(-7), -7, nil},
		{"big int", bigInt("1000000000000000000000000000000"), 1e30, nil},
		{"inf", math.Inf(1), math.Inf(1), nil},
		{"Go float32", float32(0.5), 0.5, nil},
		{"huge big int", new(big.Int).Lsh(big.NewInt(1), 1100), 0, ErrOverflow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := bindAs[float64](c.src)
			if c.err != nil {
				require.ErrorIs(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.True(t, Equal(c.f64, got), "got %v want %v", got, c.f64)
		})
	}
	nan, err := bindAs[float64](math.NaN())
	require.NoError(t, err)
	assert.True(t, math.IsNaN(nan))

	f32, err := bindAs[float32](0.25)
	require.NoError(t, err)
	assert.Equal(t, float32(0.25), f32)
	_, err = bindAs[float32](1e300)
	require.ErrorIs(t, err, ErrOverflow)
	inf32, err := bindAs[float32](math.Inf(-1))
	require.NoError(t, err)
	assert.True(t, math.IsInf(float64(inf32), -1))

	type celsius float64
	c, err := bindAs[celsius](int64(20))
	require.NoError(t, err)
	assert.Equal(t, celsius(20), c)

	for _, src := range []any{true, "1.0", nil, complex(1, 0)} {
		_, err := bindAs[float64](src)
		assert.Error(t, err, "%#v", src)
	}
}

func TestBindComplex(t *testing.T) {
	c, err := bindAs[complex128](complex(1, -2))
	require.NoError(t, err)
	assert.Equal(t, complex(1, -2), c)
	c, err = bindAs[complex128](2.5)
	require.NoError(t, err)
	assert.Equal(t, complex(2.5, 0), c)
	c, err = bindAs[complex128](int64(3))
	require.NoError(t, err)
	assert.Equal(t, complex(3, 0), c)
	c64, err := bindAs[complex64](complex(0.5, 4))
	require.NoError(t, err)
	assert.Equal(t, complex64(complex(0.5, 4)), c64)
	_, err = bindAs[complex64](complex(1e300, 0))
	require.ErrorIs(t, err, ErrOverflow)
	_, err = bindAs[complex128]("1j")
	require.Error(t, err)
	_, err = bindAs[complex128](true)
	require.Error(t, err)
}

func TestBindBoolAndString(t *testing.T) {
	b, err := bindAs[bool](true)
	require.NoError(t, err)
	assert.True(t, b)
	_, err = bindAs[bool](int64(1))
	require.EqualError(t, err, "cannot use int as bool")

	s, err := bindAs[string]("héllo")
	require.NoError(t, err)
	assert.Equal(t, "héllo", s)
	type name string
	n, err := bindAs[name]("x")
	require.NoError(t, err)
	assert.Equal(t, name("x"), n)
	_, err = bindAs[string]([]byte("x"))
	require.EqualError(t, err, "cannot use bytes as string")
	_, err = bindAs[string](nil)
	require.EqualError(t, err, "cannot use NoneType as string")
}

func base64Dict(data string) *Dict {
	d := NewDict(2)
	d.Append("data", data)
	d.Append("encoding", "base64")
	return d
}

func TestBindBytes(t *testing.T) {
	// The bytes value of the invoke_mixed vector: b'\x00\x01\xffbytes'.
	want := []byte("\x00\x01\xffbytes")
	got, err := bindAs[[]byte](base64Dict("AAH/Ynl0ZXM="))
	require.NoError(t, err)
	assert.Equal(t, want, got)

	src := []byte("raw")
	got, err = bindAs[[]byte](src)
	require.NoError(t, err)
	assert.Equal(t, src, got)
	assert.Same(t, &src[0], &got[0], "bytes are not copied")

	got, err = bindAs[[]byte]([]any{int64(1), int64(255)})
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 255}, got)
	_, err = bindAs[[]byte]([]any{int64(256)})
	require.ErrorIs(t, err, ErrOverflow)

	got, err = bindAs[[]byte](nil)
	require.NoError(t, err)
	assert.Nil(t, got)

	_, err = bindAs[[]byte]("text")
	require.EqualError(t, err, "cannot use str as []uint8")

	_, err = bindAs[[]byte](base64Dict("not base64!"))
	var be *BindError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "dict", be.Got)
	assert.Contains(t, err.Error(), "base64")

	wrongEnc := NewDict(2)
	wrongEnc.Append("data", "AAH/")
	wrongEnc.Append("encoding", "hex")
	_, err = bindAs[[]byte](wrongEnc)
	require.EqualError(t, err, "cannot use dict as []uint8")

	type blob []byte
	bl, err := bindAs[blob](base64Dict("AAH/Ynl0ZXM="))
	require.NoError(t, err)
	assert.Equal(t, blob(want), bl)

	arr, err := bindAs[[3]byte]([]byte{7, 8, 9})
	require.NoError(t, err)
	assert.Equal(t, [3]byte{7, 8, 9}, arr)
	_, err = bindAs[[3]byte]([]byte{7, 8})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "length 2, want 3")
	type myByte uint8
	mb, err := bindAs[[2]myByte]([]byte{1, 2})
	require.NoError(t, err)
	assert.Equal(t, [2]myByte{1, 2}, mb)
	assert.Equal(t, []byte{1, 2}, mustFrom(t, mb))
	mbs, err := bindAs[[]myByte]([]byte{3})
	require.NoError(t, err)
	assert.Equal(t, []myByte{3}, mbs)
	assert.Equal(t, []byte{3}, mustFrom(t, mbs))

	arr4, err := bindAs[[8]byte](base64Dict("AAH/Ynl0ZXM="))
	require.NoError(t, err)
	assert.Equal(t, [8]byte{0, 1, 0xff, 'b', 'y', 't', 'e', 's'}, arr4)
}

func TestBindSequences(t *testing.T) {
	items := []any{int64(1), int64(2), int64(3)}
	for _, src := range []any{items, Tuple(items), Set(items)} {
		got, err := bindAs[[]int](src)
		require.NoError(t, err, "%T", src)
		assert.Equal(t, []int{1, 2, 3}, got)
		arr, err := bindAs[[3]int16](src)
		require.NoError(t, err)
		assert.Equal(t, [3]int16{1, 2, 3}, arr)
		_, err = bindAs[[2]int](src)
		require.Error(t, err)
		_, err = bindAs[[4]int](src)
		require.Error(t, err)
	}
	got, err := bindAs[[]int](nil)
	require.NoError(t, err)
	assert.Nil(t, got)
	_, err = bindAs[[2]int](nil)
	require.EqualError(t, err, "cannot use NoneType as [2]int")

	anyList, err := bindAs[[]any](Tuple{"a", int64(1)})
	require.NoError(t, err)
	assert.Equal(t, []any{"a", int64(1)}, anyList)

	nested, err := bindAs[[][]string]([]any{Tuple{"a"}, []any{}, Set{"b", "c"}})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"a"}, {}, {"b", "c"}}, nested)

	_, err = bindAs[[]int]([]any{int64(1), "two"})
	require.EqualError(t, err, "[1]: cannot use str as int")
	_, err = bindAs[[][]int]([]any{[]any{}, []any{int64(1), 2.5}})
	require.EqualError(t, err, "[1][1]: cannot use float as int")
	_, err = bindAs[[]int]("123")
	require.EqualError(t, err, "cannot use str as []int")
	_, err = bindAs[[]int](NewDict(0))
	require.EqualError(t, err, "cannot use dict as []int")
}

func dictOf(kv ...any) *Dict {
	d := NewDict(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		d.Append(kv[i], kv[i+1])
	}
	return d
}

func TestBindMaps(t *testing.T) {
	m, err := bindAs[map[string]int](dictOf("a", int64(1), "b", int64(2)))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1, "b": 2}, m)

	// Keys equal after conversion: the last one wins.
	mi, err := bindAs[map[int8]string](dictOf(int64(1), "first", big.NewInt(1), "second", int64(2), "x"))
	require.NoError(t, err)
	assert.Equal(t, map[int8]string{1: "second", 2: "x"}, mi)

	mn, err := bindAs[map[string]int](nil)
	require.NoError(t, err)
	assert.Nil(t, mn)

	_, err = bindAs[map[string]int](dictOf("a", "x"))
	require.EqualError(t, err, `["a"]: cannot use str as int`)
	_, err = bindAs[map[int]int](dictOf("a", int64(1)))
	var be *BindError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, reflect.TypeFor[int](), be.Want)
	assert.Equal(t, `["a"]`, be.Path)

	ma, err := bindAs[map[any]any](dictOf(int64(1), "one", "k", Tuple{int64(2)}))
	require.NoError(t, err)
	assert.Equal(t, map[any]any{int64(1): "one", "k": Tuple{int64(2)}}, ma)
	_, err = bindAs[map[any]int](dictOf(Tuple{int64(1), int64(2)}, int64(3)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unhashable")

	// Unhashable values inside array or struct keys are refused too.
	_, err = bindAs[map[[1]any]int](dictOf(Tuple{[]any{}}, int64(1)))
	require.ErrorContains(t, err, "unhashable")
	type key struct{ K any }
	_, err = bindAs[map[key]int](dictOf(dictOf("k", []any{}), int64(1)))
	require.ErrorContains(t, err, "unhashable")
	mk, err := bindAs[map[key]int](dictOf(dictOf("k", "s"), int64(1)))
	require.NoError(t, err)
	assert.Equal(t, map[key]int{{K: "s"}: 1}, mk)

	set := Set{"x", "y"}
	ms, err := bindAs[map[string]struct{}](set)
	require.NoError(t, err)
	assert.Equal(t, map[string]struct{}{"x": {}, "y": {}}, ms)
	mb, err := bindAs[map[string]bool](set)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"x": true, "y": true}, mb)
	_, err = bindAs[map[string]int](set)
	require.EqualError(t, err, "cannot use set as map[string]int")
	_, err = bindAs[map[string]int]([]any{})
	require.Error(t, err)
}

type Inner struct {
	Depth int
	Label string `pyro:"lbl"`
}

type Base struct {
	ID      int
	Shared  string
	private int //nolint:unused // checks that unexported fields are ignored
}

type withEmbedded struct {
	Base
	*Inner
	Name   string
	Shared string // shallower than Base.Shared: wins
}

type tagged struct {
	GetFortune string
	HTTPServer string
	Renamed    int    `pyro:"alias"`
	Skipped    string `pyro:"-"`
	Dash       string `pyro:"-,"`
	Opt        int    `pyro:",omitempty"`
	hidden     string //nolint:unused // unexported, ignored
}

type withExtra struct {
	Name  string
	Extra map[string]any `pyro:",extra"`
}

func TestBindStructNames(t *testing.T) {
	got, err := bindAs[tagged](dictOf(
		"get_fortune", "luck",
		"HTTPServer", "srv", // exact Go name is accepted too
		"alias", int64(3),
		"-", "dash",
		"opt", int64(4),
	))
	require.NoError(t, err)
	assert.Equal(t, tagged{GetFortune: "luck", HTTPServer: "srv", Renamed: 3, Dash: "dash", Opt: 4}, got)

	got, err = bindAs[tagged](dictOf("http_server", "a"))
	require.NoError(t, err)
	assert.Equal(t, "a", got.HTTPServer)

	for _, key := range []string{"Renamed", "renamed", "skipped", "Skipped", "hidden", "GETFORTUNE", "Get_Fortune"} {
		_, err := bindAs[tagged](dictOf(key, "x"))
		require.ErrorIs(t, err, ErrUnknownKey, key)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", key))
	}
	_, err = bindAs[tagged](dictOf(int64(1), "x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "key of type int")

	// Missing keys: zero values, even when decoding over a filled struct.
	pre := tagged{GetFortune: "old", Renamed: 9}
	require.NoError(t, Bind(dictOf("alias", int64(1)), &pre))
	assert.Equal(t, tagged{Renamed: 1}, pre)

	// "__class__" is ignored unless a field claims it.
	got, err = bindAs[tagged](dictOf("__class__", "mod.Thing", "alias", int64(2)))
	require.NoError(t, err)
	assert.Equal(t, 2, got.Renamed)

	_, err = bindAs[tagged](nil)
	require.EqualError(t, err, "cannot use NoneType as value.tagged")
	_, err = bindAs[tagged](Tuple{})
	require.EqualError(t, err, "cannot use tuple as value.tagged")
}

func TestBindStructEmbedded(t *testing.T) {
	got, err := bindAs[withEmbedded](dictOf("id", int64(7), "depth", int64(2), "lbl", "L", "name", "n", "shared", "top"))
	require.NoError(t, err)
	require.NotNil(t, got.Inner, "embedded pointer allocated")
	assert.Equal(t, 7, got.ID)
	assert.Equal(t, Inner{Depth: 2, Label: "L"}, *got.Inner)
	assert.Equal(t, "top", got.Shared)
	assert.Equal(t, "", got.Base.Shared)

	got, err = bindAs[withEmbedded](dictOf("name", "n"))
	require.NoError(t, err)
	assert.Nil(t, got.Inner, "no key for it, no allocation")

	// Two fields of the same name at the same depth cancel out.
	type A struct{ X int }
	type B struct{ X int }
	type both struct {
		A
		B
		Y int
	}
	_, err = bindAs[both](dictOf("x", int64(1)))
	require.ErrorIs(t, err, ErrUnknownKey)
	// ... unless one of them is tagged.
	type C struct {
		X int `pyro:"x"`
	}
	type tagWins struct {
		A
		C
	}
	tw, err := bindAs[tagWins](dictOf("x", int64(5)))
	require.NoError(t, err)
	assert.Equal(t, 5, tw.C.X)
	assert.Equal(t, 0, tw.A.X)

	// Embedded types that map to one value are fields, not flattened.
	type stamped struct {
		time.Time
		N int
	}
	st, err := bindAs[stamped](dictOf("time", "2024-01-02T03:04:05Z", "n", int64(1)))
	require.NoError(t, err)
	assert.True(t, st.Time.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)))
}

func TestBindStructExtra(t *testing.T) {
	got, err := bindAs[withExtra](dictOf("name", "n", "color", "red", "size", int64(3)))
	require.NoError(t, err)
	assert.Equal(t, withExtra{Name: "n", Extra: map[string]any{"color": "red", "size": int64(3)}}, got)

	got, err = bindAs[withExtra](dictOf("name", "n"))
	require.NoError(t, err)
	assert.Nil(t, got.Extra)

	type typedExtra struct {
		More map[string]int `pyro:"more,extra"`
	}
	te, err := bindAs[typedExtra](dictOf("a", int64(1)))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1}, te.More)
	_, err = bindAs[typedExtra](dictOf("a", "x"))
	require.EqualError(t, err, "a: cannot use str as int")

	type badExtra struct {
		More []string `pyro:",extra"`
	}
	_, err = DecoderFor(reflect.TypeFor[badExtra]())
	require.ErrorIs(t, err, ErrUnsupportedType)
	type twoExtra struct {
		A map[string]any `pyro:",extra"`
		B map[string]any `pyro:",extra"`
	}
	_, err = DecoderFor(reflect.TypeFor[twoExtra]())
	require.ErrorIs(t, err, ErrUnsupportedType)
}

type point struct {
	X, Y int
}

type shape struct {
	Name   string
	Points []point
	Tags   map[string]string
}

func TestBindErrorPaths(t *testing.T) {
	v := []any{
		dictOf("name", "ok", "points", []any{}),
		dictOf("name", "bad", "points", []any{dictOf("x", int64(1), "y", int64(2)), dictOf("x", "1")}),
	}
	_, err := bindAs[[]shape](v)
	require.EqualError(t, err, "[1].points[1].x: cannot use str as int")
	require.EqualError(t, AtPath(err, "arg 2"), "arg 2[1].points[1].x: cannot use str as int")

	_, err = bindAs[shape](dictOf("tags", dictOf("k", int64(1))))
	require.EqualError(t, AtPath(err, "kwarg shape"), `kwarg shape.tags["k"]: cannot use int as string`)

	dec, err := DecoderFor(reflect.TypeFor[int]())
	require.NoError(t, err)
	var n int
	err = dec("5", reflect.ValueOf(&n).Elem())
	require.EqualError(t, AtPath(err, "arg 1"), "arg 1: cannot use str as int")
	var be *BindError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "arg 1", be.Path)
	assert.Equal(t, "str", be.Got)

	plain := errors.New("other")
	assert.Same(t, plain, AtPath(plain, "arg 1"))
}

func TestBindPointers(t *testing.T) {
	p, err := bindAs[*int](nil)
	require.NoError(t, err)
	assert.Nil(t, p)
	p, err = bindAs[*int](int64(4))
	require.NoError(t, err)
	require.NotNil(t, p)
	assert.Equal(t, 4, *p)
	pp, err := bindAs[**string]("s")
	require.NoError(t, err)
	assert.Equal(t, "s", **pp)
	_, err = bindAs[*int]("s")
	require.EqualError(t, err, "cannot use str as int")

	ps, err := bindAs[*point](dictOf("x", int64(1)))
	require.NoError(t, err)
	assert.Equal(t, &point{X: 1}, ps)
}

type node struct {
	Val  int
	Next *node
}

type selfPtr *selfPtr

func TestBindRecursiveTypesAndDepth(t *testing.T) {
	v := dictOf("val", int64(1), "next", dictOf("val", int64(2), "next", nil))
	n, err := bindAs[node](v)
	require.NoError(t, err)
	assert.Equal(t, node{Val: 1, Next: &node{Val: 2}}, n)

	// A model value that contains itself cannot hang the binder.
	cyc := dictOf("val", int64(1))
	cyc.Append("next", cyc)
	_, err = bindAs[node](cyc)
	require.ErrorIs(t, err, ErrTooDeep)

	list := []any{}
	list = append(list, nil)
	list[0] = list
	_, err = bindAs[[]any](list)
	require.NoError(t, err, "[]any takes the value as it is")

	_, err = bindAs[selfPtr](int64(1))
	require.ErrorIs(t, err, ErrTooDeep)

	// 100 levels are fine, 101 are not.
	var nested any = nil
	for range maxDepth {
		nested = dictOf("next", nested)
	}
	_, err = bindAs[node](nested)
	require.NoError(t, err)
	nested = dictOf("next", nested)
	_, err = bindAs[node](nested)
	require.ErrorIs(t, err, ErrTooDeep)
}

func TestBindInterfaces(t *testing.T) {
	for _, v := range []any{nil, int64(1), "s", Tuple{int64(1)}, dictOf("a", int64(1)), []byte("b")} {
		got, err := bindAs[any](v)
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
	s, err := bindAs[fmt.Stringer](UUID{1})
	require.NoError(t, err)
	assert.Equal(t, UUID{1}.String(), s.String())
	s, err = bindAs[fmt.Stringer](nil)
	require.NoError(t, err)
	assert.Nil(t, s)
	_, err = bindAs[fmt.Stringer](int64(1))
	require.EqualError(t, err, "cannot use int as fmt.Stringer")
}

func TestBindModelTypes(t *testing.T) {
	tup := Tuple{int64(1), "a"}
	gt, err := bindAs[Tuple](tup)
	require.NoError(t, err)
	assert.Equal(t, tup, gt)
	gt, err = bindAs[Tuple]([]any{int64(1)})
	require.NoError(t, err)
	assert.Equal(t, Tuple{int64(1)}, gt)
	gs, err := bindAs[Set]([]any{"x"})
	require.NoError(t, err)
	assert.Equal(t, Set{"x"}, gs)
	_, err = bindAs[Set](dictOf())
	require.Error(t, err)

	d := dictOf("k", int64(1))
	gd, err := bindAs[*Dict](d)
	require.NoError(t, err)
	assert.Same(t, d, gd)
	gd, err = bindAs[*Dict](nil)
	require.NoError(t, err)
	assert.Nil(t, gd)
	_, err = bindAs[*Dict](Tuple{})
	require.Error(t, err)

	ext := Ext{Code: 5, Data: []byte{1}}
	ge, err := bindAs[Ext](ext)
	require.NoError(t, err)
	assert.Equal(t, ext, ge)
	_, err = bindAs[Ext]([]byte{1})
	require.Error(t, err)

	dec, err := bindAs[Decimal]("1.10")
	require.NoError(t, err)
	assert.Equal(t, Decimal("1.10"), dec)
	_, err = bindAs[Decimal](1.1)
	require.Error(t, err)

	u, err := bindAs[UUID]("5eed0000-0000-4000-8000-000000000001")
	require.NoError(t, err)
	assert.Equal(t, "5eed0000-0000-4000-8000-000000000001", u.String())
	u2, err := bindAs[UUID]("5eed0000000040008000000000000001")
	require.NoError(t, err)
	assert.Equal(t, u, u2)
	u3, err := bindAs[UUID](u[:])
	require.NoError(t, err)
	assert.Equal(t, u, u3)
	for _, bad := range []any{"5eed0000-0000-4000-8000-00000000000", "zeed0000-0000-4000-8000-000000000001", "5eed0000+0000-4000-8000-000000000001", []byte{1}, int64(1)} {
		_, err := bindAs[UUID](bad)
		assert.Error(t, err, "%v", bad)
	}

	b, err := bindAs[*big.Int](bigInt("18446744073709551616"))
	require.NoError(t, err)
	assert.Equal(t, "18446744073709551616", b.String())
	b, err = bindAs[*big.Int](int64(-3))
	require.NoError(t, err)
	assert.Equal(t, "-3", b.String())
	b, err = bindAs[*big.Int](nil)
	require.NoError(t, err)
	assert.Nil(t, b)
	bv, err := bindAs[big.Int](int64(12))
	require.NoError(t, err)
	assert.Equal(t, "12", bv.String())
	_, err = bindAs[*big.Int](1.0)
	require.Error(t, err)
}

func TestBindDuration(t *testing.T) {
	d, err := bindAs[time.Duration](1.5)
	require.NoError(t, err)
	assert.Equal(t, 1500*time.Millisecond, d)
	d, err = bindAs[time.Duration](int64(-2))
	require.NoError(t, err)
	assert.Equal(t, -2*time.Second, d)
	// Every nanosecond a float carries survives (large values included).
	d, err = bindAs[time.Duration](5103431729.0)
	require.NoError(t, err)
	assert.Equal(t, 5103431729*time.Second, d)
	d, err = bindAs[time.Duration](-0.000000001)
	require.NoError(t, err)
	assert.Equal(t, -time.Nanosecond, d)
	d, err = bindAs[time.Duration](9223372036.854775)
	require.NoError(t, err)
	// The float is exactly 9223372036854774475.09765625 ns (Python's
	// fractions.Fraction says so).
	assert.Equal(t, time.Duration(9223372036854774475), d)
	for _, bad := range []any{int64(math.MaxInt64 / 1000), 1e12, 9223372036.854777, -9223372036.854777, math.NaN(), math.Inf(1)} {
		_, err = bindAs[time.Duration](bad)
		require.ErrorIs(t, err, ErrOverflow, "%v", bad)
	}
	_, err = bindAs[time.Duration]("1s")
	require.Error(t, err)
}

func TestBindTime(t *testing.T) {
	plus2 := time.FixedZone("", 2*3600)
	minus530 := time.FixedZone("", -(5*3600 + 30*60))
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2024-03-05T10:20:30", time.Date(2024, 3, 5, 10, 20, 30, 0, time.Local)},
		{"2024-03-05 10:20:30", time.Date(2024, 3, 5, 10, 20, 30, 0, time.Local)},
		{"2024-03-05T10:20:30.123456", time.Date(2024, 3, 5, 10, 20, 30, 123456000, time.Local)},
		{"2024-03-05T10:20:30.5", time.Date(2024, 3, 5, 10, 20, 30, 500000000, time.Local)},
		{"2024-03-05T10:20:30,25", time.Date(2024, 3, 5, 10, 20, 30, 250000000, time.Local)},
		{"2024-03-05T10:20:30.123456789", time.Date(2024, 3, 5, 10, 20, 30, 123456789, time.Local)},
		{"2024-03-05T10:20:30+02:00", time.Date(2024, 3, 5, 10, 20, 30, 0, plus2)},
		{"2024-03-05T10:20:30.000001-05:30", time.Date(2024, 3, 5, 10, 20, 30, 1000, minus530)},
		{"2024-03-05T10:20:30+00:00", time.Date(2024, 3, 5, 10, 20, 30, 0, time.UTC)},
		{"2024-03-05T10:20:30Z", time.Date(2024, 3, 5, 10, 20, 30, 0, time.UTC)},
		{"2024-03-05T10:20:30+01:02:03", time.Date(2024, 3, 5, 10, 20, 30, 0, time.FixedZone("", 3723))},
		{"2024-03-05T10:20", time.Date(2024, 3, 5, 10, 20, 0, 0, time.Local)},
		{"2024-03-05T10", time.Date(2024, 3, 5, 10, 0, 0, 0, time.Local)},
		{"2024-03-05", time.Date(2024, 3, 5, 0, 0, 0, 0, time.Local)},
		{"2024-02-29T23:59:59", time.Date(2024, 2, 29, 23, 59, 59, 0, time.Local)},
		{"0001-01-01T00:00:00", time.Date(1, 1, 1, 0, 0, 0, 0, time.Local)},
	}
	for _, c := range cases {
		got, err := bindAs[time.Time](c.in)
		require.NoError(t, err, c.in)
		assert.True(t, c.want.Equal(got), "%s: got %v want %v", c.in, got, c.want)
		_, off := got.Zone()
		_, wantOff := c.want.Zone()
		assert.Equal(t, wantOff, off, c.in)
	}
	for _, bad := range []string{
		"", "2024", "2024-13-01T00:00:00", "2023-02-29T00:00:00", "2024-03-05T24:00:00",
		"2024-03-05T10:60", "2024-03-05T10:20:61", "2024-03-05X10:20", "2024-03-05T10:20:30.",
		"2024-03-05T10:20:30.1234567890", "2024-03-05T10:20:30+0200", "2024-03-05T10:20:30+24:00",
		"2024-03-05T10:20:30+02:00:00.5", "2024-03-05T10:20:30 UTC", "2024-3-5", "24-03-05T10:20",
		"2024-03-05T1:20", "０２０24-03-05",
	} {
		_, err := bindAs[time.Time](bad)
		var be *BindError
		require.ErrorAs(t, err, &be, "%q", bad)
		assert.Equal(t, "str", be.Got)
	}
	now := time.Now()
	got, err := bindAs[time.Time](now)
	require.NoError(t, err)
	assert.True(t, now.Equal(got))
	_, err = bindAs[time.Time](int64(0))
	require.Error(t, err)

	d, err := bindAs[Date]("2024-02-29")
	require.NoError(t, err)
	assert.Equal(t, Date{2024, time.February, 29}, d)
	d, err = bindAs[Date](Date{2000, 1, 2})
	require.NoError(t, err)
	assert.Equal(t, Date{2000, 1, 2}, d)
	for _, bad := range []any{"2023-02-29", "2024-02-29T00:00", "2024/02/29", "0000-01-01", int64(1)} {
		_, err := bindAs[Date](bad)
		assert.Error(t, err, "%v", bad)
	}
}

// color binds itself from a colour name.
type color int

func (c *color) UnmarshalValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("want a colour name, got %s", PyTypeName(v))
	}
	switch s {
	case "red":
		*c = 1
	case "green":
		*c = 2
	default:
		return errUnknownColor
	}
	return nil
}

var errUnknownColor = errors.New("unknown colour")

func TestBindUnmarshaler(t *testing.T) {
	c, err := bindAs[color]("green")
	require.NoError(t, err)
	assert.Equal(t, color(2), c)
	cs, err := bindAs[[]color]([]any{"red", "green"})
	require.NoError(t, err)
	assert.Equal(t, []color{1, 2}, cs)
	pc, err := bindAs[*color]("red")
	require.NoError(t, err)
	assert.Equal(t, color(1), *pc)

	_, err = bindAs[[]color]([]any{"red", "blue"})
	require.ErrorIs(t, err, errUnknownColor)
	require.EqualError(t, err, "[1]: cannot use str as value.color: unknown colour")
	_, err = bindAs[color](int64(1))
	require.EqualError(t, err, "cannot use int as value.color: want a colour name, got int")

	type palette struct {
		Main color
	}
	p, err := bindAs[palette](dictOf("main", "red"))
	require.NoError(t, err)
	assert.Equal(t, color(1), p.Main)
}

func TestDecoderForUnsupported(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[chan int](),
		reflect.TypeFor[func()](),
		reflect.TypeFor[unsafe.Pointer](),
		reflect.TypeFor[struct{ C chan int }](),
		reflect.TypeFor[map[string]func()](),
		reflect.TypeFor[[]chan int](),
		reflect.TypeFor[*[2]func()](),
		nil,
	} {
		_, err := DecoderFor(typ)
		require.ErrorIs(t, err, ErrUnsupportedType, "%v", typ)
		_, err = EncoderFor(typ)
		require.ErrorIs(t, err, ErrUnsupportedType, "%v", typ)
	}
	type skipped struct {
		C chan int `pyro:"-"`
		N int
	}
	_, err := DecoderFor(reflect.TypeFor[skipped]())
	require.NoError(t, err)

	// A failed compile of an outer type must not leave a half-built plan for
	// an inner type that refers back to it.
	type badOuter struct {
		Ref *recInner
		F   func()
	}
	_, err = DecoderFor(reflect.TypeFor[badOuter]())
	require.ErrorIs(t, err, ErrUnsupportedType)
	ri, err := bindAs[recInner](dictOf("back", dictOf("back", nil)))
	require.NoError(t, err)
	assert.NotNil(t, ri.Back)
}

type recInner struct {
	Back *recInner
}

func TestDecoderChecksDestination(t *testing.T) {
	dec, err := DecoderFor(reflect.TypeFor[int]())
	require.NoError(t, err)
	require.Error(t, dec(int64(1), reflect.ValueOf(1)), "not settable")
	var s string
	require.Error(t, dec(int64(1), reflect.ValueOf(&s).Elem()), "wrong type")
	require.Error(t, Bind(int64(1), nil))
	var n int
	require.Error(t, Bind(int64(1), n))
	require.Error(t, Bind(int64(1), (*int)(nil)))
}

func TestDecoderConcurrentCompile(t *testing.T) {
	type fresh struct {
		A []map[string]*point
		B Tuple
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out fresh
			errs[i] = Bind(dictOf("a", []any{dictOf("p", dictOf("x", int64(i)))}), &out)
			if errs[i] == nil && out.A[0]["p"].X != i {
				errs[i] = fmt.Errorf("got %d", out.A[0]["p"].X)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}

func TestSnakeCase(t *testing.T) {
	cases := map[string]string{
		"GetFortune":  "get_fortune",
		"HTTPServer":  "http_server",
		"GetID":       "get_id",
		"Ping":        "ping",
		"URLForID":    "url_for_id",
		"ID":          "id",
		"A":           "a",
		"":            "",
		"already_ok":  "already_ok",
		"Get_Thing":   "get_thing",
		"SHA256Sum":   "sha256_sum",
		"Base64":      "base64",
		"Get2FA":      "get2_fa",
		"XMLHTTPReq":  "xmlhttp_req",
		"ÉtéCount":    "été_count",
		"GetHTTP":     "get_http",
		"MyURLs":      "my_urls",
		"GetIDs":      "get_ids",
		"URLsForID":   "urls_for_id",
		"HTTPSig":     "http_sig",
		"IDsX":        "ids_x",
		"NumCPU":      "num_cpu",
		"ServeHTTP":   "serve_http",
		"JSONToValue": "json_to_value",
	}
	for in, want := range cases {
		assert.Equal(t, want, SnakeCase(in), in)
	}
}

func TestPyTypeName(t *testing.T) {
	cases := map[string]any{
		"NoneType": nil, "bool": true, "int": int64(1), "float": 1.0, "complex": complex(1, 1),
		"str": "", "bytes": []byte{}, "list": []any{}, "tuple": Tuple{}, "set": Set{},
		"dict": &Dict{}, "datetime": time.Time{}, "date": Date{}, "Decimal": Decimal("1"),
		"UUID": UUID{}, "ExtType": Ext{}, "chan int": make(chan int),
	}
	for want, v := range cases {
		assert.Equal(t, want, PyTypeName(v))
	}
	assert.Equal(t, "int", PyTypeName(bigInt("99999999999999999999")))
}

func TestBindErrorMessage(t *testing.T) {
	e := &BindError{Path: "arg 1", Want: reflect.TypeFor[int8](), Got: "int", Err: ErrOverflow}
	assert.Equal(t, "arg 1: cannot use int as int8: out of range", e.Error())
	assert.ErrorIs(t, e, ErrOverflow)
	assert.Equal(t, "cannot use str as <nil>", (&BindError{Got: "str"}).Error())
	assert.True(t, strings.HasPrefix(truncate(strings.Repeat("é", 100)), "é"))
	assert.LessOrEqual(t, len(truncate(strings.Repeat("x", 1000))), 70)
}
