package value

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustFrom(t *testing.T, x any) any {
	t.Helper()
	v, err := From(x)
	require.NoError(t, err)
	return v
}

// keysOf returns a dict's keys in order.
func keysOf(d *Dict) []any {
	var ks []any
	for _, it := range d.Items {
		ks = append(ks, it.Key)
	}
	return ks
}

func TestFromScalars(t *testing.T) {
	type myInt int16
	type myStr string
	type myFloat float32
	now := time.Now()
	u := UUID{0xde, 0xad}
	cases := []struct {
		in   any
		want any
	}{
		{nil, nil},
		{true, true},
		{int(-5), int64(-5)},
		{int8(math.MinInt8), int64(math.MinInt8)},
		{int16(7), int64(7)},
		{int32(math.MaxInt32), int64(math.MaxInt32)},
		{int64(math.MinInt64), int64(math.MinInt64)},
		{uint(3), int64(3)},
		{uint8(255), int64(255)},
		{uint16(65535), int64(65535)},
		{uint32(math.MaxUint32), int64(math.MaxUint32)},
		{uint64(math.MaxInt64), int64(math.MaxInt64)},
		{uint64(math.MaxUint64), bigInt("18446744073709551615")},
		{uintptr(9), int64(9)},
		{myInt(-2), int64(-2)},
		{float32(0.5), 0.5},
		{myFloat(0.25), 0.25},
		{1.5, 1.5},
		{complex64(complex(1, 2)), complex(1, 2)},
		{complex(3, 4), complex(3, 4)},
		{"s", "s"},
		{myStr("named"), "named"},
		{Decimal("1.50"), Decimal("1.50")},
		{u, u},
		{Date{2024, 1, 2}, Date{2024, 1, 2}},
		{now, now},
		{Ext{Code: 1, Data: []byte{2}}, Ext{Code: 1, Data: []byte{2}}},
		{1500 * time.Millisecond, 1.5},
		{big.NewInt(12), int64(12)},
		{bigInt("-99999999999999999999"), bigInt("-99999999999999999999")},
		{*bigInt("42"), int64(42)},
		{(*big.Int)(nil), nil},
		{(*int)(nil), nil},
		{[3]byte{1, 2, 3}, []byte{1, 2, 3}},
	}
	for _, c := range cases {
		got := mustFrom(t, c.in)
		assert.Equal(t, reflect.TypeOf(c.want), reflect.TypeOf(got), "%T %v", c.in, c.in)
		assert.True(t, Equal(c.want, got), "%T %v: got %#v want %#v", c.in, c.in, got, c.want)
	}
	n := 5
	assert.Equal(t, int64(5), mustFrom(t, &n))
}

func TestFromBytesNoCopy(t *testing.T) {
	b := []byte("abc")
	got := mustFrom(t, b).([]byte)
	assert.Same(t, &b[0], &got[0])
	type blob []byte
	bl := blob("xyz")
	got = mustFrom(t, bl).([]byte)
	assert.Same(t, &bl[0], &got[0])
	assert.Equal(t, []byte(nil), mustFrom(t, []byte(nil)))
}

func TestFromContainers(t *testing.T) {
	assert.Equal(t, []any{int64(1), int64(2)}, mustFrom(t, []int{1, 2}))
	assert.Equal(t, []any{}, mustFrom(t, []string(nil)), "nil slice is an empty list")
	assert.Equal(t, []any{"a", "b"}, mustFrom(t, [2]string{"a", "b"}))
	assert.Equal(t, []any{[]any{int64(1)}, []any{}}, mustFrom(t, [][]int{{1}, {}}))

	d := mustFrom(t, map[string]int{"b": 2, "a": 1, "c": 3}).(*Dict)
	assert.Equal(t, []any{"a", "b", "c"}, keysOf(d), "string keys sorted")
	d = mustFrom(t, map[int]string{10: "x", -1: "y", 3: "z"}).(*Dict)
	assert.Equal(t, []any{int64(-1), int64(3), int64(10)}, keysOf(d), "int keys sorted")
	d = mustFrom(t, map[uint8]bool{200: true, 1: false}).(*Dict)
	assert.Equal(t, []any{int64(1), int64(200)}, keysOf(d))
	d = mustFrom(t, map[[2]int]string{{1, 2}: "p"}).(*Dict)
	assert.Equal(t, Tuple{int64(1), int64(2)}, d.Items[0].Key, "array keys become tuples")
	d = mustFrom(t, map[bool]int{true: 1, false: 0}).(*Dict)
	assert.Equal(t, 2, d.Len())
	v, ok := d.Get(true)
	assert.True(t, ok)
	assert.Equal(t, int64(1), v)
	d = mustFrom(t, map[string]int(nil)).(*Dict)
	assert.Equal(t, 0, d.Len())

	// Model containers come back as they are when they hold model values.
	tup := Tuple{int64(1), "a", []any{int64(2)}}
	got := mustFrom(t, tup).(Tuple)
	assert.Same(t, &tup[0], &got[0])
	md := dictOf("k", Set{int64(1)})
	assert.Same(t, md, mustFrom(t, md))

	// ... and are converted in a copy when they hold Go values.
	mixed := Tuple{int(1), "a", []any{uint8(2), point{X: 1}}}
	got = mustFrom(t, mixed).(Tuple)
	assert.Equal(t, int(1), mixed[0], "the input is not modified")
	want := Tuple{int64(1), "a", []any{int64(2), dictOf("x", int64(1), "y", int64(0))}}
	assert.True(t, Equal(want, got), "%#v", got)
	gd := mustFrom(t, dictOf(int32(1), float32(0.5))).(*Dict)
	assert.Equal(t, int64(1), gd.Items[0].Key)
	assert.Equal(t, 0.5, gd.Items[0].Value)
	gs := mustFrom(t, Set{int16(3)}).(Set)
	assert.Equal(t, Set{int64(3)}, gs)
	assert.Nil(t, mustFrom(t, (*Dict)(nil)))
}

type result struct {
	Name     string
	Count    int
	Ratio    float64 `pyro:"ratio_pct"`
	Tags     []string
	Skip     string `pyro:"-"`
	Empty    string `pyro:",omitempty"`
	Zero     int    `pyro:",omitempty"`
	NoList   []int  `pyro:",omitempty"`
	When     time.Time
	Any      any
	internal int //nolint:unused // unexported: not encoded
}

func TestFromStruct(t *testing.T) {
	r := result{Name: "n", Count: 3, Ratio: 0.5, Tags: []string{"x"}, Skip: "s", When: time.Unix(0, 0), Any: uint8(4), NoList: []int{}}
	d := mustFrom(t, r).(*Dict)
	assert.Equal(t, []any{"name", "count", "ratio_pct", "tags", "when", "any"}, keysOf(d))
	want := dictOf("name", "n", "count", int64(3), "ratio_pct", 0.5, "tags", []any{"x"}, "when", time.Unix(0, 0), "any", int64(4))
	assert.True(t, Equal(want, d), "%#v", d)

	r.Empty, r.Zero, r.NoList = "e", 1, []int{1}
	d = mustFrom(t, &r).(*Dict)
	assert.Equal(t, []any{"name", "count", "ratio_pct", "tags", "empty", "zero", "no_list", "when", "any"}, keysOf(d))

	e := withEmbedded{Base: Base{ID: 1, Shared: "deep"}, Name: "n", Shared: "top"}
	d = mustFrom(t, e).(*Dict)
	assert.Equal(t, []any{"id", "name", "shared"}, keysOf(d), "nil embedded pointer skipped, shallow field wins")
	sh, _ := d.Get("shared")
	assert.Equal(t, "top", sh)
	e.Inner = &Inner{Depth: 2, Label: "L"}
	d = mustFrom(t, e).(*Dict)
	assert.Equal(t, []any{"id", "depth", "lbl", "name", "shared"}, keysOf(d))

	x := withExtra{Name: "n", Extra: map[string]any{"z": int64(1), "a": "b", "name": "dup"}}
	d = mustFrom(t, x).(*Dict)
	assert.Equal(t, []any{"name", "a", "z"}, keysOf(d), "extra after the fields, sorted, fields win")
	nm, _ := d.Get("name")
	assert.Equal(t, "n", nm)
}

// celsius encodes itself with a value receiver.
type celsius float64

func (c celsius) MarshalValue() (any, error) { return map[string]float64{"celsius": float64(c)}, nil }

// counter encodes itself with a pointer receiver.
type counter struct{ n int }

func (c *counter) MarshalValue() (any, error) { return int64(c.n * 10), nil }

type failing struct{}

var errMarshal = errors.New("cannot marshal")

func (failing) MarshalValue() (any, error) { return nil, errMarshal }

type loop struct{}

func (l loop) MarshalValue() (any, error) { return l, nil }

func TestFromMarshaler(t *testing.T) {
	want := dictOf("celsius", 21.5)
	assert.True(t, Equal(want, mustFrom(t, celsius(21.5))))
	assert.True(t, Equal([]any{want}, mustFrom(t, []celsius{21.5})))

	assert.Equal(t, int64(30), mustFrom(t, counter{n: 3}), "non-addressable value, pointer receiver")
	assert.Equal(t, int64(40), mustFrom(t, &counter{n: 4}))
	assert.Equal(t, []any{int64(10), int64(20)}, mustFrom(t, []counter{{1}, {2}}), "addressable elements")
	assert.Nil(t, mustFrom(t, (*counter)(nil)))
	type holder struct{ C counter }
	assert.True(t, Equal(dictOf("c", int64(50)), mustFrom(t, holder{C: counter{5}})))

	_, err := From([]any{int64(1), failing{}})
	require.ErrorIs(t, err, errMarshal)
	var ee *EncodeError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "[1]", ee.Path)
	assert.Equal(t, "[1]: cannot encode value.failing: cannot marshal", err.Error())

	_, err = From(loop{})
	require.ErrorIs(t, err, ErrTooDeep)
}

func TestFromCycles(t *testing.T) {
	d := dictOf("a", int64(1))
	d.Append("self", d)
	_, err := From(d)
	require.ErrorIs(t, err, ErrTooDeep)

	l := []any{nil}
	l[0] = l
	_, err = From(l)
	require.ErrorIs(t, err, ErrTooDeep)

	n := &node{Val: 1}
	n.Next = n
	_, err = From(n)
	require.ErrorIs(t, err, ErrTooDeep)
	var ee *EncodeError
	require.ErrorAs(t, err, &ee)
	assert.Contains(t, ee.Path, "next.next.next")

	var a any
	a = &a
	_, err = From(a)
	require.ErrorIs(t, err, ErrTooDeep)

	var p selfPtr
	p = &p
	_, err = From(p)
	require.ErrorIs(t, err, ErrTooDeep)

	// A deep but finite structure within the limit is fine.
	var chain *node
	for i := range 40 {
		chain = &node{Val: i, Next: chain}
	}
	_, err = From(chain)
	require.NoError(t, err)
}

func TestFromUnsupported(t *testing.T) {
	_, err := From(make(chan int))
	require.ErrorIs(t, err, ErrUnsupportedType)
	_, err = From([]any{int64(1), func() {}})
	require.ErrorIs(t, err, ErrUnsupportedType)
	var ee *EncodeError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "[1]", ee.Path)

	type withFunc struct {
		Name string
		Any  any
	}
	_, err = From(withFunc{Any: make(chan int)})
	require.ErrorIs(t, err, ErrUnsupportedType)
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "any", ee.Path)
	require.Equal(t, "arg 3.any: cannot encode chan int: value: type cannot be bound: chan int", AtPath(err, "arg 3").Error())
}

func TestEncoderForChecksSource(t *testing.T) {
	enc, err := EncoderFor(reflect.TypeFor[int]())
	require.NoError(t, err)
	v, err := enc(reflect.ValueOf(7))
	require.NoError(t, err)
	assert.Equal(t, int64(7), v)
	_, err = enc(reflect.ValueOf("x"))
	require.Error(t, err)
	_, err = enc(reflect.Value{})
	require.Error(t, err)

	encAny, err := EncoderFor(reflect.TypeFor[any]())
	require.NoError(t, err)
	var x any = []int{1}
	v, err = encAny(reflect.ValueOf(&x).Elem())
	require.NoError(t, err)
	assert.Equal(t, []any{int64(1)}, v)
}

type corpusItem struct {
	ID      uint32
	Name    string
	Price   float64
	Tags    []string
	Attrs   map[string]int
	Parent  *corpusItem
	Created time.Time
	Day     Date
	Blob    []byte
	Key     [4]byte
	Pair    [2]int8
	Big     *big.Int
	Color   color
	Extra   map[string]any `pyro:",extra"`
	Wait    time.Duration
	Cplx    complex128
	ID2     UUID
	Raw     any
	Flag    bool
}

// MarshalValue makes color round-trip with its UnmarshalValue.
func (c color) MarshalValue() (any, error) {
	switch c {
	case 1:
		return "red", nil
	case 2:
		return "green", nil
	}
	return nil, errUnknownColor
}

func TestRoundTripCorpus(t *testing.T) {
	created := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	corpus := []any{
		true,
		int8(-128), uint64(math.MaxUint64), int(0), int64(math.MinInt64),
		float32(1.25), math.Inf(-1), 0.1,
		"héllo ☃", []byte{0, 1, 2},
		[]int{1, 2, 3}, [3]string{"a", "b", "c"}, [][]float64{{1}, {2, 3}},
		map[string][]int{"a": {1}, "b": {}},
		map[int]string{1: "x", -7: "y"},
		map[[2]int]bool{{1, 2}: true},
		point{X: 1, Y: -1},
		&point{X: 2},
		shape{Name: "s", Points: []point{{1, 2}}, Tags: map[string]string{"k": "v"}},
		tagged{GetFortune: "f", HTTPServer: "h", Renamed: 5, Dash: "-", Opt: 0},
		withEmbedded{Base: Base{ID: 1}, Inner: &Inner{Depth: 3, Label: "x"}, Name: "n", Shared: "s"},
		withExtra{Name: "n", Extra: map[string]any{"k": "v", "n": int64(1)}},
		&node{Val: 1, Next: &node{Val: 2}},
		corpusItem{
			ID: 1, Name: "item", Price: 9.99, Tags: []string{"a"}, Attrs: map[string]int{"w": 3},
			Parent:  &corpusItem{ID: 2, Name: "parent", Tags: []string{}, Attrs: map[string]int{}, Blob: []byte{}, Color: 2, Created: created},
			Created: created, Day: Date{2024, 5, 6}, Blob: []byte("blob"), Key: [4]byte{1, 2, 3, 4},
			Pair: [2]int8{-1, 1}, Big: bigInt("123456789012345678901234567890"), Color: 1,
			Extra: map[string]any{"unknown": Tuple{int64(1), "x"}}, Wait: 2500 * time.Millisecond,
			Cplx: complex(1, -1), ID2: UUID{9}, Raw: dictOf("k", []any{int64(1)}), Flag: true,
		},
		Tuple{int64(1), "a"}, Set{"x"}, dictOf("k", int64(1)),
		Date{1999, 12, 31}, created, Decimal("3.14"),
	}
	for _, x := range corpus {
		t.Run(reflect.TypeOf(x).String(), func(t *testing.T) {
			m, err := From(x)
			require.NoError(t, err)
			// Encoding through the cached plan gives the same result as From.
			enc, err := EncoderFor(reflect.TypeOf(x))
			require.NoError(t, err)
			m2, err := enc(reflect.ValueOf(x))
			require.NoError(t, err)
			require.True(t, Equal(m, m2))

			back := reflect.New(reflect.TypeOf(x))
			require.NoError(t, Bind(m, back.Interface()))
			require.Equal(t, x, back.Elem().Interface())
		})
	}
}
