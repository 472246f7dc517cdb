package jsonser

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

func dict(kv ...any) *value.Dict {
	d := value.NewDict(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		d.Append(kv[i], kv[i+1])
	}
	return d
}

func mustBig(s string) *big.Int {
	z, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return z
}

// TestEncodeExact: expected texts are what Python 3.11's
// json.dumps(v, ensure_ascii=False) writes for the same values.
func TestEncodeExact(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{nil, "null"}, {true, "true"}, {false, "false"},
		{int64(-9223372036854775808), "-9223372036854775808"},
		{mustBig("18446744073709551616"), "18446744073709551616"},
		{1.5, "1.5"}, {math.Copysign(0, -1), "-0.0"}, {1e100, "1e+100"}, {1e16, "1e+16"}, {1.0, "1.0"}, {1e-5, "1e-05"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{"a\x00\x1f\x7f\"\\\n\r\t\b\f é\u2028𝄞", `"a\u0000\u001f` + "\x7f" + `\"\\\n\r\t\b\f é` + "\u2028" + `𝄞"`},
		{[]any{}, "[]"}, {value.NewDict(0), "{}"},
		{[]any{int64(1), "two", 3.0}, `[1, "two", 3.0]`},
		{value.Tuple{int64(1), "one"}, `[1, "one"]`},
		{value.Set{int64(6)}, `[6]`},
		{dict("a", int64(1), "b", []any{int64(1), int64(2)}), `{"a": 1, "b": [1, 2]}`},
		{dict(int64(1), int64(2), 1.5, int64(3), true, int64(4), nil, int64(5), math.NaN(), int64(1), math.Inf(1), int64(2), mustBig("100000000000000000000"), int64(3)),
			`{"1": 2, "1.5": 3, "true": 4, "null": 5, "NaN": 1, "Infinity": 2, "100000000000000000000": 3}`},
		{dict(false, nil, math.Inf(-1), nil, float32(0.5), nil, uint8(7), nil), `{"false": null, "-Infinity": null, "0.5": null, "7": null}`},
		{value.UUID{0x12, 0x34, 15: 0xff}, `"12340000-0000-0000-0000-0000000000ff"`},
		{value.Decimal("3.14"), `"3.14"`},
		{value.Date{Year: 2024, Month: 2, Day: 29}, `"2024-02-29"`},
		{value.Date{Year: 5, Month: 3, Day: 1}, `"0005-03-01"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 6789000, time.Local), `"2024-01-02T03:04:05.006789"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local), `"2024-01-02T03:04:05"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 6789999, time.UTC), `"2024-01-02T03:04:05.006789+00:00"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", -(5*3600-7))), `"2024-01-02T03:04:05-04:59:53"`},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("y", 5*3600+30*60)), `"2024-01-02T03:04:05+05:30"`},
		{[]any{int(1), int8(-2), int16(3), int32(4), uint(5), uint16(6), uint32(7), uint64(math.MaxUint64), float32(0.1)},
			`[1, -2, 3, 4, 5, 6, 7, 18446744073709551615, 0.10000000149011612]`},
		{(*value.Dict)(nil), "null"},
		{[]any(nil), "[]"},
	}
	for _, tc := range cases {
		got, err := New().Marshal(nil, tc.v)
		require.NoError(t, err, "%#v", tc.v)
		assert.Equal(t, tc.want, string(got), "%#v", tc.v)
	}
}

func TestEncodeErrors(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	tooBig := new(big.Int).Exp(big.NewInt(10), big.NewInt(4300), nil) // 4301 digits
	for name, v := range map[string]any{
		"bytes":         []byte("x"),
		"complex":       complex(1, 2),
		"ext":           value.Ext{Code: 1},
		"tuple key":     dict(value.Tuple{int64(1)}, nil),
		"bytes key":     dict([]byte("k"), nil),
		"uuid key":      dict(value.UUID{}, nil),
		"decimal key":   dict(value.Decimal("1"), nil),
		"bad utf8":      "\xff",
		"bad utf8 key":  dict("\xc3", nil),
		"map":           map[string]any{},
		"nil big":       (*big.Int)(nil),
		"too many dgts": tooBig,
		"bad date":      value.Date{Year: 2023, Month: 2, Day: 29},
		"year 0":        value.Date{Year: 0, Month: 1, Day: 1},
		"year 10000":    time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"nested bytes":  []any{dict("k", []byte{})},
	} {
		out, err := New().Marshal([]byte("keep"), v)
		require.ErrorIs(t, err, serial.ErrUnsupported, name)
		assert.Equal(t, "keep", string(out), name)
	}
	_, err := New().Marshal(nil, cyclic)
	require.ErrorIs(t, err, serial.ErrLimit)

	ok := new(big.Int).Sub(tooBig, big.NewInt(1)) // 4300 nines
	out, err := New().Marshal(nil, new(big.Int).Neg(ok))
	require.NoError(t, err)
	assert.Equal(t, "-"+strings.Repeat("9", 4300), string(out))
}

func TestDecodeValues(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"null", nil}, {" true ", true}, {"\t\r\nfalse", false},
		{"0", int64(0)}, {"-0", int64(0)}, {"123", int64(123)}, {"-9223372036854775808", int64(math.MinInt64)},
		{"9223372036854775808", mustBig("9223372036854775808")},
		{"-1000000000000000000000000000000", mustBig("-1000000000000000000000000000000")},
		{"1.5", 1.5}, {"-0.0", math.Copysign(0, -1)}, {"1e5", 1e5}, {"1E+5", 1e5}, {"2.5e-3", 2.5e-3},
		{"1e400", math.Inf(1)}, {"-1e400", math.Inf(-1)}, {"1e-400", 0.0},
		{"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)},
		{`"a\"\\\/\b\f\n\r\t\u00e9\uD834\uDD1E"`, "a\"\\/\b\f\n\r\té𝄞"},
		{`"raw é ☃ 𝄞 ` + "\x7f\u2028" + `"`, "raw é ☃ 𝄞 \x7f\u2028"},
		{"[]", []any{}}, {"[ 1 , [ ] ]", []any{int64(1), []any{}}},
		{`{}`, value.NewDict(0)},
		{`{"a" : 1 , "b":[true]}`, dict("a", int64(1), "b", []any{true})},
	}
	for _, tc := range cases {
		got, err := New().Unmarshal([]byte(tc.in), serial.Limits{})
		require.NoError(t, err, tc.in)
		assert.True(t, value.Equal(tc.want, got), "%s: got %#v", tc.in, got)
	}
	v, err := New().Unmarshal([]byte("NaN"), serial.Limits{})
	require.NoError(t, err)
	assert.True(t, math.IsNaN(v.(float64)))
}

// TestDuplicateKeys: like json.loads (which builds a dict), a repeated key
// keeps its first position and takes the last value.
func TestDuplicateKeys(t *testing.T) {
	v, err := New().Unmarshal([]byte(`{"a":1,"b":2,"a":3}`), serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, []value.Item{{Key: "a", Value: int64(3)}, {Key: "b", Value: int64(2)}}, v.(*value.Dict).Items)

	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; i < 50; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`"k` + string(rune('a'+i%20)) + `":` + strings.Repeat("1", 1+i/20))
	}
	sb.WriteString("}")
	v, err = New().Unmarshal([]byte(sb.String()), serial.Limits{})
	require.NoError(t, err)
	items := v.(*value.Dict).Items
	require.Len(t, items, 20)
	for i, it := range items {
		assert.Equal(t, "k"+string(rune('a'+i)), it.Key)
		want := int64(111)
		if i >= 10 {
			want = 11
		}
		assert.Equal(t, want, it.Value, "last value wins for key %d", i)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{
		"", " ", "nul", "True", "nan", "-NaN", "+1", "01", "1.", ".5", "1e", "1.e5", "-", "--1", "0x10",
		"[1,]", "[1 2]", "[", "]", `{"a":1,}`, `{a:1}`, `{'a':1}`, `{"a" 1}`, `{"a":}`, "{", `{"a":1`,
		`"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"\x00\"", "\"\x1f\"", "\"a\nb\"", `"\ud800"`, `"\udc00"`,
		`"\ud800\u0041"`, `"\ud800\ud800"`, `"\udc00\ud800"`, "\ufeff1", "\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"",
		"\xa01", "1 2", "[]]", "//c\n1", "[1]x", "\"\\", "\"\\u", "Infinit", "-Inf",
	} {
		_, err := New().Unmarshal([]byte(in), serial.Limits{})
		require.ErrorIs(t, err, serial.ErrMalformed, "%q", in)
	}
}

func nestedArrays(n int) []byte {
	return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
}

func TestLimits(t *testing.T) {
	c := New()
	_, err := c.Unmarshal(nestedArrays(64), serial.Limits{})
	require.NoError(t, err)
	_, err = c.Unmarshal(nestedArrays(65), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal([]byte(strings.Repeat(`{"a":`, 65)+"1"+strings.Repeat("}", 65)), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	// A careless huge limit is capped: a million levels cannot overflow the
	// stack.
	_, err = c.Unmarshal([]byte(strings.Repeat("[", 1_000_000)), serial.Limits{MaxDepth: 1 << 40})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal(nestedArrays(hardMaxDepth), serial.Limits{MaxDepth: 1 << 40})
	require.NoError(t, err)

	items := "[" + strings.Repeat("1,", 99) + "1]"
	_, err = c.Unmarshal([]byte(items), serial.Limits{MaxItems: 100})
	require.NoError(t, err)
	_, err = c.Unmarshal([]byte(items), serial.Limits{MaxItems: 99})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal([]byte(`{"a":1,"b":[2]}`), serial.Limits{MaxItems: 2})
	require.ErrorIs(t, err, serial.ErrLimit)

	strs := `["abc", "d\u00e9", {"k": "v"}]` // 3 + 3 + 1 + 1 bytes
	_, err = c.Unmarshal([]byte(strs), serial.Limits{MaxBytes: 8})
	require.NoError(t, err)
	_, err = c.Unmarshal([]byte(strs), serial.Limits{MaxBytes: 7})
	require.ErrorIs(t, err, serial.ErrLimit)
}

// TestHugeNumbers: Python's json.loads refuses ints of more than 4300 digits;
// so do we, and any number literal is bounded.
func TestHugeNumbers(t *testing.T) {
	c := New()
	v, err := c.Unmarshal([]byte("-"+strings.Repeat("7", 4300)), serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, "-"+strings.Repeat("7", 4300), v.(*big.Int).String())
	_, err = c.Unmarshal([]byte(strings.Repeat("7", 4301)), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal([]byte("[1, "+strings.Repeat("7", 1_000_000)+"]"), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	v, err = c.Unmarshal([]byte("0."+strings.Repeat("0", 300)+"1e301"), serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, 1.0, v)
	_, err = c.Unmarshal([]byte("1."+strings.Repeat("0", 5000)), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	v, err = c.Unmarshal([]byte("1e999999999999999999999"), serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, math.Inf(1), v)
}
