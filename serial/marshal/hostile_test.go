package marshal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func le32(n int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(n)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestLyingLengths: a 5-byte header claiming 2^31-1 items or bytes is
// refused before anything is allocated.
func TestLyingLengths(t *testing.T) {
	c := New()
	for _, code := range []byte{'[', '(', '<', '>', 's', 'u', 't', 'a', 'A', 'l'} {
		for _, n := range []int32{0x7fffffff, 1 << 20, 2} {
			data := cat([]byte{code}, le32(n), []byte{'N'})
			_, err := c.Unmarshal(data, serial.Limits{})
			require.Error(t, err, "%q %d", code, n)
			require.True(t, errors.Is(err, serial.ErrMalformed), "%q %d: %v", code, n, err)
		}
		bomb := cat([]byte{code}, le32(0x7fffffff))
		allocs := testing.AllocsPerRun(100, func() { _, _ = c.Unmarshal(bomb, serial.Limits{}) })
		assert.LessOrEqual(t, allocs, 16.0, "%q allocations", code) // the error message only
		assert.Less(t, bytesPerRun(100, func() { _, _ = c.Unmarshal(bomb, serial.Limits{}) }), 2048.0, "%q bytes allocated", code)
	}
	// Negative counts are refused too.
	for _, code := range []byte{'[', '(', '<', 's', 'u', 'a'} {
		_, err := c.Unmarshal(cat([]byte{code}, le32(-1)), serial.Limits{})
		require.ErrorIs(t, err, serial.ErrMalformed, "%q", code)
	}
	_, err := c.Unmarshal(cat([]byte{'l'}, le32(-0x80000000)), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed)
}

// bytesPerRun returns the average heap bytes allocated by f.
func bytesPerRun(runs int, f func()) float64 {
	f()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// TestCountBeyondItemLimit: an honest-looking count over MaxItems is refused
// before allocation.
func TestCountBeyondItemLimit(t *testing.T) {
	data := cat([]byte{'['}, le32(1000), bytes.Repeat([]byte{'N'}, 1000))
	_, err := New().Unmarshal(data, serial.Limits{MaxItems: 999})
	require.ErrorIs(t, err, serial.ErrLimit)
	v, err := New().Unmarshal(data, serial.Limits{MaxItems: 1000})
	require.NoError(t, err)
	require.Len(t, v, 1000)
}

func nested(depth int) []byte {
	var b []byte
	for i := 0; i < depth; i++ {
		b = append(b, '[', 1, 0, 0, 0)
	}
	return append(b, 'N')
}

func TestDeepNesting(t *testing.T) {
	c := New()
	_, err := c.Unmarshal(nested(64), serial.Limits{})
	require.NoError(t, err)
	_, err = c.Unmarshal(nested(65), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	// A careless huge limit is capped, so a million levels cannot exhaust
	// the stack.
	_, err = c.Unmarshal(nested(1_000_000), serial.Limits{MaxDepth: 1 << 40})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal(nested(hardMaxDepth), serial.Limits{MaxDepth: 1 << 40})
	require.NoError(t, err)
}

// amplifier builds levels of lists where each level holds k references to
// the previous one: tiny input, k^levels logical items.
func amplifier(levels, k int) []byte {
	b := []byte{'[' | flagRef}
	b = append(b, le32(int32(k))...)
	for i := 0; i < k; i++ {
		b = append(b, 'i', 1, 0, 0, 0)
	}
	for l := 1; l < levels; l++ {
		b = append(b, '['|flagRef)
		b = append(b, le32(int32(k))...)
		for i := 0; i < k; i++ {
			b = append(b, 'r')
			b = append(b, le32(int32(l-1))...)
		}
	}
	// A tuple holding every level.
	return append([]byte{')', byte(levels)}, b...)
}

// TestReferenceAmplification: references are charged as if expanded, so a
// few hundred bytes cannot stand for billions of items, and depth through
// references is checked too.
func TestReferenceAmplification(t *testing.T) {
	c := New()
	small := amplifier(3, 4) // 4 + 16 + 64 items
	v, err := c.Unmarshal(small, serial.Limits{})
	require.NoError(t, err)
	outer := v.(value.Tuple)[2].([]any)
	require.Len(t, outer, 4)
	assert.Equal(t, []any{int64(1), int64(1), int64(1), int64(1)}, outer[0].([]any)[0])

	// Logically: 3 tuple items, level 0 has 4, level 1 has 4+4*4, level 2
	// has 4+4*20: 111 items in all.
	_, err = c.Unmarshal(small, serial.Limits{MaxItems: 111})
	require.NoError(t, err)
	_, err = c.Unmarshal(small, serial.Limits{MaxItems: 110})
	require.ErrorIs(t, err, serial.ErrLimit)

	bomb := amplifier(12, 10) // 10^12 logical items in about 600 bytes
	require.Less(t, len(bomb), 1000)
	_, err = c.Unmarshal(bomb, serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)

	// Depth: a 60-deep list referenced inside 10 more levels.
	var deep []byte
	deep = append(deep, ')', 2)
	deep = append(deep, '['|flagRef, 1, 0, 0, 0)
	deep = append(deep, nested(59)...)
	deep = append(deep, nested(10)[:50]...)
	deep = append(deep, 'r', 0, 0, 0, 0)
	_, err = c.Unmarshal(deep, serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal(deep, serial.Limits{MaxDepth: 71})
	require.NoError(t, err)
}

func TestReferenceBytesCharged(t *testing.T) {
	s := cat([]byte{'s' | flagRef}, le32(1000), bytes.Repeat([]byte{'x'}, 1000))
	data := cat([]byte{')', 3}, s, []byte{'r'}, le32(0), []byte{'r'}, le32(0))
	_, err := New().Unmarshal(data, serial.Limits{MaxBytes: 2999})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = New().Unmarshal(data, serial.Limits{MaxBytes: 3000})
	require.NoError(t, err)
}

// TestCyclesRefused: CPython registers a container before reading its
// items, so a container can refer to itself. Such values cannot be walked
// safely, so they are refused.
func TestCyclesRefused(t *testing.T) {
	c := New()
	for name, data := range map[string][]byte{
		"list":          {'[' | flagRef, 1, 0, 0, 0, 'r', 0, 0, 0, 0},
		"tuple":         {')' | flagRef, 1, 'r', 0, 0, 0, 0},
		"dict value":    {'{' | flagRef, 'z', 1, 'a', 'r', 0, 0, 0, 0, '0'},
		"frozenset":     {'>' | flagRef, 1, 0, 0, 0, 'r', 0, 0, 0, 0},
		"nested":        {'[' | flagRef, 1, 0, 0, 0, '[', 1, 0, 0, 0, ')', 1, 'r', 0, 0, 0, 0},
		"forward ref":   {')', 1, 'r', 0, 0, 0, 0},
		"negative ref":  {'r', 0xff, 0xff, 0xff, 0xff},
		"out of range":  {')' | flagRef, 0, 'r', 1, 0, 0, 0},
		"ref after end": {')', 2, ')' | flagRef, 0, 'r', 1, 0, 0, 0},
	} {
		_, err := c.Unmarshal(data, serial.Limits{})
		require.ErrorIs(t, err, serial.ErrMalformed, name)
	}
	// A finished container may be referenced.
	v, err := c.Unmarshal([]byte{')', 2, '[' | flagRef, 0, 0, 0, 0, 'r', 0, 0, 0, 0}, serial.Limits{})
	require.NoError(t, err)
	assert.True(t, value.Equal(value.Tuple{[]any{}, []any{}}, v))
}

func TestLongDigits(t *testing.T) {
	c := New()
	// 100000 digits of 0x7fff = 2^1500000 - 1.
	n := 100000
	data := cat([]byte{'l'}, le32(int32(-n)), bytes.Repeat([]byte{0xff, 0x7f}, n))
	v, err := c.Unmarshal(data, serial.Limits{})
	require.NoError(t, err)
	want := new(big.Int).Lsh(big.NewInt(1), uint(15*n))
	want.Sub(want, big.NewInt(1)).Neg(want)
	require.Equal(t, 0, want.Cmp(v.(*big.Int)))
	enc, err := c.Marshal(nil, v)
	require.NoError(t, err)
	require.Equal(t, data, enc)

	for name, bad := range map[string][]byte{
		"digit 0x8000": cat([]byte{'l'}, le32(1), []byte{0, 0x80}),
		"digit 0xffff": cat([]byte{'l'}, le32(2), []byte{1, 0, 0xff, 0xff}),
		"top zero":     cat([]byte{'l'}, le32(2), []byte{1, 0, 0, 0}),
		"only zero":    cat([]byte{'l'}, le32(-1), []byte{0, 0}),
		"short":        cat([]byte{'l'}, le32(3), []byte{1, 0, 1, 0}),
	} {
		_, err := c.Unmarshal(bad, serial.Limits{})
		require.ErrorIs(t, err, serial.ErrMalformed, name)
	}
	v, err = c.Unmarshal(cat([]byte{'l'}, le32(0)), serial.Limits{})
	require.NoError(t, err)
	require.Equal(t, int64(0), v)
}

func TestRefusedCodes(t *testing.T) {
	c := New()
	for _, code := range []byte{'c', 'S', '.', 'I'} {
		data := append([]byte{code}, make([]byte, 16)...)
		_, err := c.Unmarshal(data, serial.Limits{})
		require.ErrorIs(t, err, serial.ErrUnsupported, "%q", code)
	}
	for _, code := range []byte{'?', 'x' + 1, 0, 0x80, '0'} {
		_, err := c.Unmarshal([]byte{code, 0, 0, 0, 0}, serial.Limits{})
		require.ErrorIs(t, err, serial.ErrMalformed, "%q", code)
	}
	_, err := c.Unmarshal([]byte("N\x00"), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed, "trailing byte")
	_, err = c.Unmarshal(nil, serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed, "empty")
	_, err = c.Unmarshal([]byte("u\x03\x00\x00\x00\xed\xa0\x80"), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed, "surrogate")
	_, err = c.Unmarshal([]byte("{[\x00\x00\x00\x00N0"), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed, "list key")
	_, err = c.Unmarshal([]byte("<\x01\x00\x00\x00<\x00\x00\x00\x00"), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed, "set in set")
	_, err = c.Unmarshal([]byte("<\x01\x00\x00\x00)\x01[\x00\x00\x00\x00"), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrMalformed, "tuple holding a list in a set")
}

func TestByteLimit(t *testing.T) {
	data := cat([]byte{')', 2, 'z', 3}, []byte("abc"), []byte{'z', 2, 0xe9, 0xe9})
	v, err := New().Unmarshal(data, serial.Limits{MaxBytes: 7})
	require.NoError(t, err)
	assert.Equal(t, value.Tuple{"abc", "éé"}, v)
	_, err = New().Unmarshal(data, serial.Limits{MaxBytes: 6})
	require.ErrorIs(t, err, serial.ErrLimit)
}

// TestDictMerging: equal keys merge as in a Python dict (the expected
// values are what CPython 3.11's marshal.loads returns for these bytes).
func TestDictMerging(t *testing.T) {
	c := New()
	g1 := []byte{'g', 0, 0, 0, 0, 0, 0, 0xf0, 0x3f} // 1.0
	data := cat([]byte{'{', 'i', 1, 0, 0, 0, 'z', 1, 'a', 'T', 'z', 1, 'b'}, g1, []byte{'z', 1, 'c', 'z', 1, 'k', 'N', '0'})
	v, err := c.Unmarshal(data, serial.Limits{})
	require.NoError(t, err)
	d := v.(*value.Dict)
	require.Len(t, d.Items, 2)
	assert.Equal(t, value.Item{Key: int64(1), Value: "c"}, d.Items[0])
	assert.Equal(t, value.Item{Key: "k", Value: nil}, d.Items[1])

	// A NULL in the value position ends the dict and drops the key.
	v, err = c.Unmarshal([]byte("{z\x01az\x01bz\x01c0"), serial.Limits{})
	require.NoError(t, err)
	assert.Len(t, v.(*value.Dict).Items, 1)

	// Big dicts switch to an index; merging must still work.
	var b []byte
	b = append(b, '{')
	for i := 0; i < 50; i++ {
		b = append(b, 'i', byte(i%20), 0, 0, 0, 'i', byte(i), 0, 0, 0)
	}
	b = append(b, '0')
	v, err = c.Unmarshal(b, serial.Limits{})
	require.NoError(t, err)
	d = v.(*value.Dict)
	require.Len(t, d.Items, 20)
	for i, it := range d.Items {
		assert.Equal(t, int64(i), it.Key)
		last := 40 + i // the last of i, i+20, i+40 below 50
		if last >= 50 {
			last -= 20
		}
		assert.Equal(t, int64(last), it.Value, "last value wins for %d", i)
	}
}

// TestEncodeMatchesCPython checks exact bytes against what CPython 3.11's
// marshal.dumps wrote for the same values (with FLAG_REF bits cleared:
// CPython sets them on shared objects).
func TestEncodeMatchesCPython(t *testing.T) {
	big64 := new(big.Int).Lsh(big.NewInt(1), 64)
	cases := []struct {
		v    any
		want string
	}{
		{nil, "N"}, {true, "T"}, {false, "F"},
		{int64(5), "i\x05\x00\x00\x00"},
		{int64(1) << 31, "l\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00"},
		{int64(-1 << 31), "i\x00\x00\x00\x80"},
		{int64(-1<<31 - 1), "l\xfd\xff\xff\xff\x01\x00\x00\x00\x02\x00"},
		{big64, "l\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00"},
		{uint64(1) << 63, "l\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00"},
		{1.5, "g\x00\x00\x00\x00\x00\x00\xf8\x3f"},
		{complex(1.5, 2), "y\x00\x00\x00\x00\x00\x00\xf8\x3f\x00\x00\x00\x00\x00\x00\x00\x40"},
		{"abc", "z\x03abc"},
		{"é", "u\x02\x00\x00\x00\xc3\xa9"},
		{[]byte("ab"), "s\x02\x00\x00\x00ab"},
		{value.Tuple{}, ")\x00"},
		{[]any{int64(1), "a"}, "[\x02\x00\x00\x00i\x01\x00\x00\x00z\x01a"},
		{value.NewDict(0), "{0"},
		{value.Set{int64(1)}, "<\x01\x00\x00\x00i\x01\x00\x00\x00"},
		{value.UUID{0x12, 0x34}, "z\x2412340000-0000-0000-0000-000000000000"},
	}
	for _, tc := range cases {
		got, err := New().Marshal(nil, tc.v)
		require.NoError(t, err, "%#v", tc.v)
		assert.Equal(t, []byte(tc.want), got, "%#v", tc.v)
	}
	long := strings.Repeat("a", 300)
	got, err := New().Marshal(nil, long)
	require.NoError(t, err)
	assert.Equal(t, cat([]byte{'a'}, le32(300), []byte(long)), got)
	tup := make(value.Tuple, 300)
	got, err = New().Marshal([]byte("prefix"), tup)
	require.NoError(t, err)
	assert.Equal(t, cat([]byte("prefix("), le32(300), bytes.Repeat([]byte{'N'}, 300)), got)
}

func TestEncodeHashablePositions(t *testing.T) {
	// A set used as a key is written as a frozenset so Python can load it.
	d := value.NewDict(1)
	d.Append(value.Tuple{value.Set{int64(1)}}, "v")
	got, err := New().Marshal(nil, d)
	require.NoError(t, err)
	assert.Equal(t, []byte("{)\x01>\x01\x00\x00\x00i\x01\x00\x00\x00z\x01v0"), got)
	back, err := New().Unmarshal(got, serial.Limits{})
	require.NoError(t, err)
	assert.True(t, value.Equal(d, back))

	for name, v := range map[string]any{
		"list key":         &value.Dict{Items: []value.Item{{Key: []any{}, Value: nil}}},
		"dict in set":      value.Set{value.NewDict(0)},
		"list in key pair": &value.Dict{Items: []value.Item{{Key: value.Tuple{[]any{}}, Value: nil}}},
	} {
		_, err := New().Marshal(nil, v)
		require.ErrorIs(t, err, serial.ErrUnsupported, name)
	}
}

func TestEncodeErrors(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	for name, v := range map[string]any{
		"decimal":  value.Decimal("1.5"),
		"date":     value.Date{Year: 2024, Month: 2, Day: 29},
		"datetime": time.Now(),
		"ext":      value.Ext{Code: 1},
		"bad utf8": "\xff",
		"map":      map[string]any{},
		"nil big":  (*big.Int)(nil),
		"struct":   struct{}{},
	} {
		dst := []byte("keep")
		out, err := New().Marshal(dst, v)
		require.ErrorIs(t, err, serial.ErrUnsupported, name)
		assert.Equal(t, []byte("keep"), out, name)
	}
	_, err := New().Marshal(nil, cyclic)
	require.ErrorIs(t, err, serial.ErrLimit)
}

func TestEncodeGoKinds(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want any
	}{
		{int(7), int64(7)}, {int8(-8), int64(-8)}, {int16(300), int64(300)}, {int32(-5), int64(-5)},
		{uint(9), int64(9)}, {uint8(255), int64(255)}, {uint16(65535), int64(65535)}, {uint32(1 << 31), int64(1 << 31)},
		{uint64(1 << 63), new(big.Int).SetUint64(1 << 63)}, {float32(0.5), 0.5}, {complex64(1 + 2i), complex(1, 2)},
		{int64(-1 << 63), int64(-1 << 63)},
	} {
		b, err := New().Marshal(nil, tc.in)
		require.NoError(t, err, "%T", tc.in)
		got, err := New().Unmarshal(b, serial.Limits{})
		require.NoError(t, err)
		assert.True(t, value.Equal(tc.want, got), "%T %v -> %v", tc.in, tc.in, got)
	}
}

func TestTextFloats(t *testing.T) {
	c := New()
	for text, want := range map[string]float64{
		"1.5": 1.5, "-0.25": -0.25, ".5": 0.5, "5.": 5, "1e10": 1e10, "+1E-3": 1e-3, "1e999": inf(1), "-inf": inf(-1), "Infinity": inf(1),
	} {
		v, err := c.Unmarshal(append([]byte{'f', byte(len(text))}, text...), serial.Limits{})
		require.NoError(t, err, text)
		assert.Equal(t, want, v, text)
	}
	v, err := c.Unmarshal([]byte("f\x03nan"), serial.Limits{})
	require.NoError(t, err)
	assert.True(t, value.Equal(nan(), v))
	v, err = c.Unmarshal([]byte("x\x011\x04-2.5"), serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, complex(1, -2.5), v)
	for _, bad := range []string{"", " 1", "1_0", "0x1p1", "1e", "e5", ".", "--1", "1.5x", "nana"} {
		_, err := c.Unmarshal(append([]byte{'f', byte(len(bad))}, bad...), serial.Limits{})
		require.ErrorIs(t, err, serial.ErrMalformed, "%q", bad)
	}
}

func inf(sign int) float64 { return math.Inf(sign) }

func nan() float64 { return math.NaN() }

// TestNaNKeys: NaN never equals itself, so Python keeps NaN keys apart. One
// documented difference: CPython merges the same NaN object reached through
// a back-reference (dict lookup checks identity first); flint keeps both.
func TestNaNKeys(t *testing.T) {
	nanBits := []byte{'g', 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}
	data := cat([]byte{'{'}, nanBits, []byte{'N'}, nanBits, []byte{'T', '0'})
	v, err := New().Unmarshal(data, serial.Limits{})
	require.NoError(t, err)
	require.Len(t, v.(*value.Dict).Items, 2)

	data = cat([]byte{'{', 'g' | flagRef}, nanBits[1:], []byte{'N', 'r', 0, 0, 0, 0, 'T', '0'})
	v, err = New().Unmarshal(data, serial.Limits{})
	require.NoError(t, err)
	require.Len(t, v.(*value.Dict).Items, 2, "CPython would return 1 item here")

	set := cat([]byte{'<', 2, 0, 0, 0, 'y'}, make([]byte, 8), nanBits[1:], []byte{'y'}, make([]byte, 8), nanBits[1:])
	v, err = New().Unmarshal(set, serial.Limits{})
	require.NoError(t, err)
	require.Len(t, v.(value.Set), 2)
}
