package msgpack

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

func TestIdentity(t *testing.T) {
	c := New()
	assert.Equal(t, uint16(6), c.ID())
	assert.Equal(t, "msgpack", c.Name())
	r := serial.NewRegistry(c)
	s, err := r.ByName("msgpack")
	require.NoError(t, err)
	assert.Equal(t, serial.IDMsgpack, s.ID())
}

// TestHugeDeclaredLengths: headers that announce far more than the input
// holds are rejected before anything is allocated for them.
func TestHugeDeclaredLengths(t *testing.T) {
	c := New()
	cases := map[string][]byte{
		"array32":        {0xdd, 0xff, 0xff, 0xff, 0xff},
		"map32":          {0xdf, 0xff, 0xff, 0xff, 0xff},
		"array16":        {0xdc, 0xff, 0xff, 0x01},
		"map16":          {0xde, 0xff, 0xff, 0x01, 0x01},
		"str32":          {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
		"bin32":          {0xc6, 0xff, 0xff, 0xff, 0xff, 0x00},
		"ext32":          {0xc9, 0xff, 0xff, 0xff, 0xff, 0x05, 0x00},
		"nested array32": {0x91, 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0},
		"map half full":  {0x83, 0x01, 0x02, 0x03, 0x04, 0x05},
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.Unmarshal(in, serial.Limits{})
			require.ErrorIs(t, err, serial.ErrMalformed)
			allocs := testing.AllocsPerRun(100, func() {
				_, _ = c.Unmarshal(in, serial.Limits{})
			})
			assert.LessOrEqual(t, allocs, 8.0, "allocations")
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 100 {
				_, _ = c.Unmarshal(in, serial.Limits{})
			}
			runtime.ReadMemStats(&after)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(100*1024), "bytes allocated by 100 decodes")
		})
	}
}

func TestLimits(t *testing.T) {
	c := New()
	nest := func(n int) []byte { return append(bytes.Repeat([]byte{0x91}, n), 0xc0) }
	_, err := c.Unmarshal(nest(10), serial.Limits{MaxDepth: 10})
	require.NoError(t, err)
	_, err = c.Unmarshal(nest(11), serial.Limits{MaxDepth: 10})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal(nest(serial.DefaultMaxDepth+1), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit, "default depth")
	mapNest := append(bytes.Repeat([]byte{0x81, 0xa1, 'k'}, 11), 0xc0)
	_, err = c.Unmarshal(mapNest, serial.Limits{MaxDepth: 10})
	require.ErrorIs(t, err, serial.ErrLimit, "maps count toward depth")

	// items: an array of 5 plus a map of 2 pairs is 7 elements.
	in := []byte{0x92, 0x93, 0x01, 0x02, 0x03, 0x82, 0x01, 0x02, 0x03, 0x04}
	_, err = c.Unmarshal(in, serial.Limits{MaxItems: 7})
	require.NoError(t, err)
	_, err = c.Unmarshal(in, serial.Limits{MaxItems: 6})
	require.ErrorIs(t, err, serial.ErrLimit)

	// bytes: str + bin + ext data together.
	in = []byte{0x93, 0xa3, 'a', 'b', 'c', 0xc4, 0x02, 0x00, 0x01, 0xd4, 0x05, 0x09}
	_, err = c.Unmarshal(in, serial.Limits{MaxBytes: 6})
	require.NoError(t, err)
	_, err = c.Unmarshal(in, serial.Limits{MaxBytes: 5})
	require.ErrorIs(t, err, serial.ErrLimit)
}

func TestZeroCopyBin(t *testing.T) {
	c := New()
	payload := bytes.Repeat([]byte{0xab}, 1<<20)
	in, err := c.Marshal(nil, []any{"x", payload})
	require.NoError(t, err)
	v, err := c.Unmarshal(in, serial.Limits{})
	require.NoError(t, err)
	got := v.([]any)[1].([]byte)
	require.Equal(t, payload, got)
	// The result is a window on the input, clipped so that append copies.
	assert.Equal(t, unsafe.Pointer(&in[len(in)-len(payload)]), unsafe.Pointer(&got[0]))
	assert.Equal(t, len(got), cap(got))
	_ = append(got, 1)
	assert.Equal(t, 1+2+5+1<<20, len(in), "input untouched by append")

	ext, err := c.Unmarshal([]byte{0xc7, 0x03, 0x07, 1, 2, 3}, serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, value.Ext{Code: 7, Data: []byte{1, 2, 3}}, ext)
}

func TestDecodeErrors(t *testing.T) {
	c := New()
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, serial.ErrMalformed},
		{"reserved 0xc1", []byte{0xc1}, serial.ErrMalformed},
		{"trailing", []byte{0x01, 0x02}, serial.ErrMalformed},
		{"bad utf8", []byte{0xa2, 0xc3, 0x28}, serial.ErrMalformed},
		{"utf8 surrogate", []byte{0xa3, 0xed, 0xa0, 0x80}, serial.ErrMalformed},
		{"map key map", []byte{0x81, 0x80, 0x01}, serial.ErrUnsupported},
		{"map key in tuple key", []byte{0x81, 0x91, 0x80, 0x01}, serial.ErrUnsupported},
		{"complex short", []byte{0xd7, 0x30, 0, 0, 0, 0, 0, 0, 0, 0}, serial.ErrMalformed},
		{"bigint text", []byte{0xd5, 0x31, '1', 'x'}, serial.ErrMalformed},
		{"bigint empty", []byte{0xd4, 0x31, '-'}, serial.ErrMalformed},
		{"datetime nan", []byte{0xd7, 0x32, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, serial.ErrMalformed},
		{"datetime year 10000", append([]byte{0xd7, 0x32}, le64(math.Float64bits(253402300800+2*86400))...), serial.ErrMalformed},
		{"datetime short", []byte{0xd6, 0x32, 0, 0, 0, 0}, serial.ErrMalformed},
		{"date 0", append([]byte{0xd7, 0x33}, le64(0)...), serial.ErrMalformed},
		{"date past 9999", append([]byte{0xd7, 0x33}, le64(maxOrdinal+1)...), serial.ErrMalformed},
		{"timestamp 3 bytes", []byte{0xc7, 0x03, 0xff, 0, 0, 0}, serial.ErrMalformed},
		{"timestamp nsec", []byte{0xd7, 0xff, 0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 0}, serial.ErrMalformed},
		// fuzz: a 96-bit timestamp far past year 9999 used to decode, then
		// encode into a datetime ext nobody can read.
		{"timestamp year 10000+", []byte("\xc7\f\xff000000000000"), serial.ErrMalformed},
		{"timestamp year 0", append([]byte{0xc7, 12, 0xff, 0, 0, 0, 0}, be64(uint64(minTime))...), serial.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Unmarshal(tc.in, serial.Limits{})
			require.ErrorIs(t, err, tc.want)
		})
	}
	digits := strings.Repeat("9", maxIntDigits+1)
	_, err := c.Unmarshal(append([]byte{0xc8, byte(len(digits) >> 8), byte(len(digits)), 0x31}, digits...), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed, "more digits than Python converts")
	v, err := c.Unmarshal(append([]byte{0xc8, byte((len(digits) - 1) >> 8), byte(len(digits) - 1), 0x31}, digits[1:]...), serial.Limits{})
	require.NoError(t, err)
	require.IsType(t, &big.Int{}, v)
}

// minTime is 0000-12-31T00:00:00Z in Unix seconds, a day before Python's
// datetime.min.
var minTime = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC).Unix()

func le64(u uint64) []byte { return binary.LittleEndian.AppendUint64(nil, u) }

func TestDecodeExt(t *testing.T) {
	c := New()
	dec := func(in []byte) any {
		t.Helper()
		v, err := c.Unmarshal(in, serial.Limits{})
		require.NoError(t, err)
		return v
	}
	// ext 0x31 that fits int64 is normalised to int64.
	assert.Equal(t, int64(-42), dec([]byte{0xc7, 0x03, 0x31, '-', '4', '2'}))
	assert.Equal(t, int64(7), dec([]byte{0xd5, 0x31, '+', '7'}))
	// Timestamps, all three sizes.
	assert.True(t, time.Unix(1<<32-1, 0).Equal(dec([]byte{0xd6, 0xff, 0xff, 0xff, 0xff, 0xff}).(time.Time)))
	ts64 := uint64(999999999)<<34 | (1<<34 - 1)
	assert.True(t, time.Unix(1<<34-1, 999999999).Equal(dec(append([]byte{0xd7, 0xff}, be64(ts64)...)).(time.Time)))
	sec := int64(-12345)
	ts96 := append([]byte{0xc7, 12, 0xff, 0, 0, 0, 5}, be64(uint64(sec))...)
	assert.True(t, time.Unix(sec, 5).Equal(dec(ts96).(time.Time)))
	// float32 widens exactly.
	assert.Equal(t, float64(float32(0.1)), dec([]byte{0xca, 0x3d, 0xcc, 0xcc, 0xcd}))
	// uint64 above int64 becomes *big.Int.
	assert.Equal(t, "18446744073709551615", dec([]byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}).(*big.Int).String())
}

func be64(u uint64) []byte { return binary.BigEndian.AppendUint64(nil, u) }

// TestDatetimeRounding: Python's fromtimestamp rounds to the microsecond,
// half to even; check the cases either side of zero.
func TestDatetimeRounding(t *testing.T) {
	cases := []struct {
		ts      float64
		sec, us int64
	}{
		{1.5, 1, 500000},
		{-1.5, -2, 500000},
		{0.0000005, 0, 0},  // exactly half a microsecond rounds to even (0)
		{0.0000015, 0, 2},  // 1.5 µs rounds to 2
		{-0.0000005, 0, 0}, // -0.5 µs rounds to -0 → 0
		{0.9999999, 1, 0},  // rounds up into the next second
		{-0.9999999, -1, 0},
	}
	for _, tc := range cases {
		got, err := fromTimestamp(tc.ts)
		require.NoError(t, err)
		assert.Truef(t, time.Unix(tc.sec, tc.us*1000).Equal(got), "%v → %v", tc.ts, got)
		assert.Equal(t, time.Local, got.Location())
	}
}

func TestMapKeys(t *testing.T) {
	c := New()
	// {"a": 1, "b": 2, "a": 3} keeps "a" first with the last value.
	v, err := c.Unmarshal([]byte{0x83, 0xa1, 'a', 0x01, 0xa1, 'b', 0x02, 0xa1, 'a', 0x03}, serial.Limits{})
	require.NoError(t, err)
	d := v.(*value.Dict)
	require.Equal(t, []value.Item{{Key: "a", Value: int64(3)}, {Key: "b", Value: int64(2)}}, d.Items)

	// Keys that must stay apart (1, true, 1.0, "1", b"1", -0.0, 0.0) and
	// ones that must merge (NaNs, equal tuples, the same instant in two
	// zones), in maps small enough for the linear scan and large enough for
	// the hash index. value.Dict.Set is the reference.
	keys := []any{"1", int64(1), nil, math.NaN(), value.Tuple{int64(1), "x"}, true, 1.0, []byte("1"),
		complex(1, 2), big.NewInt(0).Lsh(big.NewInt(1), 70), value.Ext{Code: 9, Data: []byte{1}},
		value.Date{Year: 2024, Month: 2, Day: 29}, time.Unix(5, 0), math.Copysign(0, -1), 0.0}
	dups := []any{"1", int64(1), nil, math.NaN(), value.Tuple{int64(1), "x"}, time.Unix(5, 0).UTC(),
		big.NewInt(0).Lsh(big.NewInt(1), 70), value.Ext{Code: 9, Data: []byte{1}}, 0.0}
	for _, size := range []int{2, 4, len(keys)} {
		src, want := value.NewDict(0), value.NewDict(0)
		for i, k := range keys[:size] {
			src.Append(k, int64(i))
			want.Set(k, int64(i))
		}
		for i, k := range dups[:min(size, len(dups))] {
			src.Append(k, int64(100+i))
			want.Set(k, int64(100+i))
		}
		in, err := c.Marshal(nil, src)
		require.NoError(t, err)
		v, err := c.Unmarshal(in, serial.Limits{})
		require.NoError(t, err)
		require.Emptyf(t, diff(want, v), "%d keys", size)
		require.Less(t, want.Len(), src.Len(), "the case has duplicates")
	}
	// Array keys come back as tuples, nested ones too.
	v, err = c.Unmarshal([]byte{0x81, 0x92, 0x01, 0x91, 0x02, 0xc0}, serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, value.Tuple{int64(1), value.Tuple{int64(2)}}, v.(*value.Dict).Items[0].Key)
}

func TestEncodeForms(t *testing.T) {
	c := New()
	enc := func(v any) []byte {
		t.Helper()
		b, err := c.Marshal(nil, v)
		require.NoError(t, err)
		return b
	}
	// Go integer kinds encode by value, not by width.
	assert.Equal(t, enc(int64(5)), enc(uint64(5)))
	assert.Equal(t, enc(int64(-5)), enc(int8(-5)))
	assert.Equal(t, enc(int64(300)), enc(uint16(300)))
	assert.Equal(t, enc(int64(math.MaxInt64)), enc(big.NewInt(math.MaxInt64)))
	assert.Equal(t, enc(uint64(math.MaxUint64)), enc(new(big.Int).SetUint64(math.MaxUint64)))
	// float32 goes out as float64, as Python would send it.
	assert.Equal(t, enc(float64(float32(1.1))), enc(float32(1.1)))
	assert.Equal(t, byte(0xcb), enc(float32(1.1))[0])
	// Tuple and Set are arrays; Decimal and UUID are str.
	assert.Equal(t, enc([]any{int64(1)}), enc(value.Tuple{int64(1)}))
	assert.Equal(t, enc([]any{int64(1)}), enc(value.Set{int64(1)}))
	assert.Equal(t, enc("1.50"), enc(value.Decimal("1.50")))
	u := value.UUID{0x5e, 0xed}
	assert.Equal(t, enc(u.String()), enc(u))
	// nil containers.
	assert.Equal(t, []byte{0x80}, enc((*value.Dict)(nil)))
	assert.Equal(t, []byte{0x90}, enc([]any(nil)))
	assert.Equal(t, []byte{0xc4, 0x00}, enc([]byte(nil)))
	// Marshal appends.
	out, err := c.Marshal([]byte("head"), true)
	require.NoError(t, err)
	assert.Equal(t, []byte("head\xc3"), out)
}

func TestEncodeRoundTripTypes(t *testing.T) {
	c := New()
	when := time.Date(2024, 2, 29, 13, 14, 15, 161718000, time.Local)
	huge := new(big.Int).Exp(big.NewInt(10), big.NewInt(4299), nil) // 4300 digits
	for _, v := range []any{
		when,
		value.Date{Year: 1, Month: 1, Day: 1},
		value.Date{Year: 9999, Month: 12, Day: 31},
		complex(math.Inf(-1), math.Copysign(0, -1)),
		huge,
		new(big.Int).Neg(huge),
		value.Ext{Code: -5, Data: bytes.Repeat([]byte{7}, 70000)},
	} {
		b, err := c.Marshal(nil, v)
		require.NoError(t, err)
		got, err := c.Unmarshal(b, serial.Limits{})
		require.NoError(t, err)
		assert.Truef(t, value.Equal(v, got), "%#v → %#v", v, got)
	}
	ord, err := ordinal(value.Date{Year: 1970, Month: 1, Day: 1})
	require.NoError(t, err)
	assert.Equal(t, int64(unixOrdinal), ord)
}

func TestEncodeErrors(t *testing.T) {
	c := New()
	self := []any{nil}
	self[0] = self
	deep := any(nil)
	for range maxEncodeDepth + 1 {
		deep = []any{deep}
	}
	tooBig := new(big.Int).Exp(big.NewInt(10), big.NewInt(4300), nil) // 4301 digits
	cases := []struct {
		name string
		v    any
		want error
	}{
		{"struct", struct{}{}, serial.ErrUnsupported},
		{"map", map[string]any{}, serial.ErrUnsupported},
		{"nil big", (*big.Int)(nil), serial.ErrUnsupported},
		{"bad utf8", "\xff", serial.ErrUnsupported},
		{"bad date", value.Date{Year: 2023, Month: 2, Day: 29}, serial.ErrUnsupported},
		{"year 0", value.Date{Year: 0, Month: 1, Day: 1}, serial.ErrUnsupported},
		{"too many digits", tooBig, serial.ErrUnsupported},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.Local), serial.ErrUnsupported},
		{"year 0 time", time.Date(0, 12, 31, 0, 0, 0, 0, time.Local), serial.ErrUnsupported},
		{"nested unsupported", value.Tuple{int64(1), []any{func() {}}}, serial.ErrUnsupported},
		{"cycle", self, serial.ErrLimit},
		{"deep", deep, serial.ErrLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("keep")
			out, err := c.Marshal(dst, tc.v)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, []byte("keep"), out, "dst is returned unchanged")
		})
	}
	// Exactly the deepest nesting python msgpack packs still encodes.
	ok := any(nil)
	for range maxEncodeDepth {
		ok = []any{ok}
	}
	_, err := c.Marshal(nil, ok)
	require.NoError(t, err)
}

// TestSmallCall checks the decoded shape and the allocation budget of the
// typical INVOKE payload.
func TestSmallCall(t *testing.T) {
	c := New()
	call := []any{"obj_123", "get_fortune", []any{"Alice"}, &value.Dict{}}
	in, err := c.Marshal(nil, call)
	require.NoError(t, err)
	got, err := c.Unmarshal(in, serial.Limits{})
	require.NoError(t, err)
	require.Empty(t, diff(call, got))
	allocs := testing.AllocsPerRun(200, func() {
		_, _ = c.Unmarshal(in, serial.Limits{})
	})
	assert.Less(t, allocs, 10.0)
	t.Logf("small call decode: %.0f allocs", allocs)
}
