package serpent

import (
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encodeBody(t *testing.T, v any) string {
	t.Helper()
	out, err := codec.Marshal(nil, v)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(out), Header))
	return string(out[len(Header):])
}

// TestEncode checks forms that Python's serpent writes (expected texts
// were produced with serpent 1.41 on CPython 3.11).
func TestEncode(t *testing.T) {
	big2 := new(big.Int).Lsh(big.NewInt(1), 64)
	cases := []struct {
		v    any
		want string
	}{
		{int(-5), "-5"}, {int8(-8), "-8"}, {int16(300), "300"}, {int32(-70000), "-70000"},
		{uint(7), "7"}, {uint8(255), "255"}, {uint16(65535), "65535"}, {uint32(4294967295), "4294967295"},
		{uint64(math.MaxUint64), "18446744073709551615"}, {big2, "18446744073709551616"},
		{big.NewInt(-3), "-3"}, {float32(0.5), "0.5"}, {float32(0.1), "0.10000000149011612"},
		{math.SmallestNonzeroFloat64, "5e-324"}, {123456789012345678.0, "1.2345678901234568e+17"},
		{1e22, "1e+22"}, {0.000123, "0.000123"},
		{complex(-1.5, math.Inf(-1)), "(-1.5-1e30000j)"}, {complex(math.Inf(1), math.Inf(1)), "(1e30000+1e30000j)"},
		{complex64(complex(1, 2)), "(1.0+2.0j)"},
		// serpent writes "(1.0+-0.0j)", which Python cannot read back.
		{complex(1, math.Copysign(0, -1)), "(1.0-0.0j)"},
		{[]any{"it's", "both ' \"", "\x00\x1f\x7f\u0080\u00ff\u0100\uffff\U0010ffff", "tab\there"},
			`["it's",'both \' "','\x00\x1f\x7f\x80ÿĀ\uffff\U0010ffff','tab\there']`},
		{time.Date(2024, 1, 2, 3, 4, 5, 6999, time.FixedZone("", -(5*3600+30*60))), "'2024-01-02T03:04:05.000006-05:30'"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("", 30)), "'0001-01-01T00:00:00+00:00:30'"},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -30)), "'9999-12-31T23:59:59.999999-00:00:30'"},
		{time.Date(2024, 6, 1, 12, 0, 0, 0, time.Local), "'2024-06-01T12:00:00'"},
		{time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC), "'2024-06-01T12:00:00+00:00'"},
		{value.Date{Year: 1, Month: 1, Day: 1}, "'0001-01-01'"},
		{value.Decimal("it's"), `"it's"`},
		{value.UUID{0: 0xab, 15: 0x01}, "'ab000000-0000-0000-0000-000000000001'"},
		{[]byte{}, "{'data': '', 'encoding': 'base64'}"},
		{[]byte(nil), "{'data': '', 'encoding': 'base64'}"},
		{[]any(nil), "[]"}, {value.Tuple(nil), "()"}, {value.Set(nil), "()"}, {(*value.Dict)(nil), "{}"},
		{value.Tuple{value.Tuple{}}, "((),)"},
		{value.Set{"x", value.Tuple{nil, int64(1)}, 2.5, true, value.Decimal("1.5")}, "{'x',(None,1),2.5,True,'1.5'}"},
		{&value.Dict{Items: []value.Item{{Key: value.Tuple{value.UUID{}, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}, Value: nil}}},
			"{('00000000-0000-0000-0000-000000000000','2000-01-01T00:00:00+00:00'):None}"},
		{[]any{math.NaN(), math.Inf(1), math.Inf(-1)}, "[{'__class__':'float','value':'nan'},1e30000,-1e30000]"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, encodeBody(t, c.v), "%#v", c.v)
	}
}

func TestEncodeAppends(t *testing.T) {
	out, err := codec.Marshal([]byte("prefix|"), int64(1))
	require.NoError(t, err)
	assert.Equal(t, "prefix|"+Header+"1", string(out))
}

func TestEncodeIntDigitLimit(t *testing.T) {
	ok := new(big.Int).Exp(big.NewInt(10), big.NewInt(4299), nil) // 4300 digits
	body := encodeBody(t, new(big.Int).Neg(ok))
	assert.Len(t, body, 4301)
	tooLong := new(big.Int).Mul(ok, big.NewInt(10))
	_, err := codec.Marshal(nil, tooLong)
	require.ErrorIs(t, err, serial.ErrUnsupported)
	_, err = codec.Marshal(nil, new(big.Int).Lsh(big.NewInt(1), 1<<20))
	require.ErrorIs(t, err, serial.ErrUnsupported)
}

// TestEncodeRefused: values serpent refuses, or would write as text no peer
// can read, and Go types outside the value model.
func TestEncodeRefused(t *testing.T) {
	type custom struct{ A int }
	cases := []struct {
		name string
		v    any
		want error
		msg  string
	}{
		{"struct", custom{1}, serial.ErrUnsupported, "serpent.custom"},
		{"map", map[string]any{"a": 1}, serial.ErrUnsupported, "map[string]interface {}"},
		{"duration", time.Second, serial.ErrUnsupported, "time.Duration"},
		{"typed slice", []int{1}, serial.ErrUnsupported, "[]int"},
		{"ext", value.Ext{Code: 1}, serial.ErrUnsupported, "value.Ext"},
		{"nested", []any{1, []any{make(chan int)}}, serial.ErrUnsupported, "chan int"},
		{"nil big", (*big.Int)(nil), serial.ErrUnsupported, "nil"},
		{"bad utf-8", "a\xffb", serial.ErrUnsupported, "UTF-8"},
		{"None key", &value.Dict{Items: []value.Item{{Key: nil, Value: 1}}}, serial.ErrUnsupported, "<nil>"},
		{"UUID key", &value.Dict{Items: []value.Item{{Key: value.UUID{}, Value: 1}}}, serial.ErrUnsupported, "value.UUID"},
		{"list key", &value.Dict{Items: []value.Item{{Key: value.Tuple{[]any{}}, Value: 1}}}, serial.ErrUnsupported, "list"},
		{"NaN key", &value.Dict{Items: []value.Item{{Key: math.NaN(), Value: 1}}}, serial.ErrUnsupported, "NaN"},
		{"NaN in tuple key", value.Set{value.Tuple{math.NaN()}}, serial.ErrUnsupported, "NaN"},
		{"bytes member", value.Set{[]byte("x")}, serial.ErrUnsupported, "bytes"},
		{"set member", value.Set{value.Tuple{value.Set{}}}, serial.ErrUnsupported, "set"},
		{"None member", value.Set{nil}, serial.ErrUnsupported, "<nil>"},
		{"NaN complex", complex(1, math.NaN()), serial.ErrUnsupported, "NaN"},
		{"year 0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), serial.ErrUnsupported, "year"},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), serial.ErrUnsupported, "year"},
		{"bad date", value.Date{Year: 2023, Month: 2, Day: 29}, serial.ErrUnsupported, "date"},
		{"date year 0", value.Date{Year: 0, Month: 1, Day: 1}, serial.ErrUnsupported, "date"},
	}
	for _, c := range cases {
		_, err := codec.Marshal(nil, c.v)
		require.ErrorIs(t, err, c.want, c.name)
		assert.Contains(t, err.Error(), c.msg, c.name)
	}
}

func TestEncodeDepth(t *testing.T) {
	var v any = int64(1)
	for range maxLevel {
		v = value.Tuple{v}
	}
	_, err := codec.Marshal(nil, v)
	require.NoError(t, err, "the innermost value is at level 200")
	_, err = codec.Marshal(nil, value.Tuple{v})
	require.ErrorIs(t, err, serial.ErrLimit)

	d := &value.Dict{}
	d.Append("self", d)
	_, err = codec.Marshal(nil, d)
	require.ErrorIs(t, err, serial.ErrLimit)
}

func TestToBytes(t *testing.T) {
	v, err := codec.Unmarshal([]byte(Header+"{'data': 'AAH+/2J5dGVz', 'encoding': 'base64'}"), serial.Limits{})
	require.NoError(t, err)
	b, err := ToBytes(v)
	require.NoError(t, err)
	assert.Equal(t, []byte("\x00\x01\xfe\xffbytes"), b)
	b, err = ToBytes([]byte("raw"))
	require.NoError(t, err)
	assert.Equal(t, []byte("raw"), b)
	for _, bad := range []any{"str", nil, &value.Dict{}, &value.Dict{Items: []value.Item{{Key: "data", Value: "!!"}, {Key: "encoding", Value: "base64"}}},
		&value.Dict{Items: []value.Item{{Key: "data", Value: "AA=="}, {Key: "encoding", Value: "hex"}}}} {
		_, err := ToBytes(bad)
		require.ErrorIs(t, err, serial.ErrMalformed, "%#v", bad)
	}
}

func TestCodecIdentity(t *testing.T) {
	var s serial.Serializer = New()
	assert.Equal(t, serial.IDSerpent, s.ID())
	assert.Equal(t, "serpent", s.Name())
	r := serial.NewRegistry(s)
	got, err := r.ByID(1)
	require.NoError(t, err)
	assert.Equal(t, s, got)
}

// TestCall round-trips a Pyro4 call through serial.EncodeCall/DecodeCall.
func TestCall(t *testing.T) {
	kw := value.NewDict(1)
	kw.Append("k", int64(3))
	c := serial.Call{Object: "obj_123", Method: "get_fortune", Args: []any{"Alice"}, Kwargs: kw}
	out, err := serial.EncodeCall(codec, nil, c)
	require.NoError(t, err)
	assert.Equal(t, Header+"('obj_123','get_fortune',('Alice',),{'k':3})", string(out))
	back, err := serial.DecodeCall(codec, out, serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, c.Object, back.Object)
	assert.Equal(t, c.Method, back.Method)
	assert.True(t, value.Equal(value.Tuple(c.Args), value.Tuple(back.Args)))
	assert.True(t, value.Equal(c.Kwargs, back.Kwargs))
}

func TestInternedStringsDecodeAsCopies(t *testing.T) {
	// Interned and ordinary strings decode alike, and neither aliases the
	// input buffer.
	in := []byte(`{'__class__':'Pyro4.core.URI','state':('PYRO','obj','localhost',9090,None),'other':'x'}`)
	v, err := (&Codec{}).Unmarshal(in, serial.Limits{})
	require.NoError(t, err)
	for i := range in {
		in[i] = 'z'
	}
	d := v.(*value.Dict)
	cls, _ := d.GetString("__class__")
	assert.Equal(t, "Pyro4.core.URI", cls)
	other, _ := d.GetString("other")
	assert.Equal(t, "x", other)
	st, _ := d.GetString("state")
	assert.Equal(t, value.Tuple{"PYRO", "obj", "localhost", int64(9090), nil}, st)
}
