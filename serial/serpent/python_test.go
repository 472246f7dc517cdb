package serpent

import (
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gen builds random values of the value model for round-trip tests.
type gen struct{ r *rand.Rand }

var specialRunes = []rune("'\"\\\n\r\t\x00\x7f\u0085\u00a0\u00ad\u2028\u200b\u0cf3")

var runePools = [][2]rune{
	{0x00, 0x7f}, {0x20, 0x7e}, {0x80, 0xff}, {0x370, 0x3ff}, {0x2000, 0x206f},
	{0x3000, 0x303f}, {0xe000, 0xe010}, {0xfff0, 0xffff}, {0x1f600, 0x1f64f},
	{0xe0000, 0xe007f}, {0x10fff0, 0x10ffff}, {0x1fa70, 0x1fa8f},
}

func (g gen) str() string {
	var b strings.Builder
	for n := g.r.IntN(14); n > 0; n-- {
		if g.r.IntN(10) < 3 {
			b.WriteRune(specialRunes[g.r.IntN(len(specialRunes))])
			continue
		}
		p := runePools[g.r.IntN(len(runePools))]
		b.WriteRune(p[0] + rune(g.r.IntN(int(p[1]-p[0]+1))))
	}
	return b.String()
}

func (g gen) int() any {
	switch g.r.IntN(4) {
	case 0:
		return int64(g.r.IntN(2001) - 1000)
	case 1:
		return int64(g.r.Uint64())
	case 2:
		return []int64{math.MaxInt64, math.MinInt64, 0, -1}[g.r.IntN(4)]
	}
	b := new(big.Int).Lsh(big.NewInt(1), uint(64+g.r.IntN(200)))
	b.Add(b, new(big.Int).SetUint64(g.r.Uint64()))
	if g.r.IntN(2) == 0 {
		b.Neg(b)
	}
	return value.NormalizeInt(b)
}

func (g gen) float() float64 {
	switch g.r.IntN(5) {
	case 0:
		return []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
			5e-324, math.MaxFloat64, 1e16, 1e-5, 0.1, 2.2250738585072014e-308, -1e-310}[g.r.IntN(12)]
	case 1, 2:
		return math.Float64frombits(g.r.Uint64())
	}
	return (g.r.Float64() - 0.5) * 2e6
}

// key returns a hashable value serpent accepts as a dict key or set member.
func (g gen) key(depth int) any {
	switch n := g.r.IntN(10); {
	case n < 5:
		return g.str()
	case n < 7:
		return g.int()
	case n < 8:
		f := g.float()
		if math.IsNaN(f) {
			f = 0.5
		}
		return f
	case n < 9 || depth > 1:
		return g.r.IntN(2) == 0
	default:
		t := make(value.Tuple, g.r.IntN(3))
		for i := range t {
			t[i] = g.key(depth + 1)
		}
		return t
	}
}

func (g gen) value(depth int) any {
	n := 14
	if depth >= 4 {
		n = 8
	}
	switch g.r.IntN(n) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return g.int()
	case 3:
		return g.float()
	case 4:
		re, im := g.float(), g.float()
		if math.IsNaN(re) {
			re = 1
		}
		if math.IsNaN(im) {
			im = -2
		}
		return complex(re, im)
	case 5, 6:
		return g.str()
	case 7:
		b := make([]byte, g.r.IntN(20))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		return b
	}
	size := g.r.IntN(5)
	switch g.r.IntN(4) {
	case 0:
		l := make([]any, size)
		for i := range l {
			l[i] = g.value(depth + 1)
		}
		return l
	case 1:
		t := make(value.Tuple, size)
		for i := range t {
			t[i] = g.value(depth + 1)
		}
		return t
	case 2:
		s := make(value.Set, 0, size)
		for range size {
			s = append(s, g.key(0))
		}
		return value.Set(dedupMembers(s))
	}
	items := make([]value.Item, 0, size)
	for range size {
		items = append(items, value.Item{Key: g.key(0), Value: g.value(depth + 1)})
	}
	return &value.Dict{Items: dedupItems(items)}
}

// TestPythonRoundTripGoValues: Go encode -> serpent.loads -> serpent.dumps
// -> Go decode gives back the original (modulo the documented changes a
// trip through Python makes), and where no set, bytes or complex number is
// involved Python writes exactly flint's bytes.
func TestPythonRoundTripGoValues(t *testing.T) {
	requirePython(t)
	g := gen{rand.New(rand.NewPCG(1, 2))}
	const count = 300
	vals := make([]any, count)
	payloads := make([]string, count)
	for i := range vals {
		vals[i] = g.value(0)
		enc, err := codec.Marshal(nil, vals[i])
		require.NoError(t, err)
		payloads[i] = hex.EncodeToString(enc)
	}
	res := pytest.Loads(t, "serpent", payloads)
	require.Len(t, res, count)
	exact := 0
	for i, r := range res {
		require.Empty(t, r.Error, "python refused %s", payloads[i])
		require.Empty(t, r.RedumpError, "python refused %s", payloads[i])
		want := afterPython(vals[i])
		seen, err := fromTagged(r.Value)
		require.NoError(t, err)
		require.True(t, value.Equal(want, seen), "python read %#v, want %#v", seen, want)
		pyBytes, err := hex.DecodeString(r.Redump)
		require.NoError(t, err)
		back, err := codec.Unmarshal(pyBytes, serial.Limits{})
		require.NoError(t, err, "%q", pyBytes)
		require.True(t, value.Equal(want, back), "go read %#v, want %#v", back, want)
		if !contains(vals[i], isSet) && !contains(vals[i], isBytes) && !contains(vals[i], isComplex) {
			ours, _ := hex.DecodeString(payloads[i])
			require.Equal(t, string(pyBytes), string(ours))
			exact++
		}
	}
	require.Greater(t, exact, count/4)
}

// TestPythonGeneratedValues: values written by the real serpent decode in
// Go to what serpent.loads reads, and re-encode to the same bytes where the
// text is deterministic.
func TestPythonGeneratedValues(t *testing.T) {
	requirePython(t)
	res := pytest.Gen(t, "serpent", 7, 300)
	require.Len(t, res, 300)
	exact := 0
	for _, r := range res {
		data, err := hex.DecodeString(r.Data)
		require.NoError(t, err)
		want, err := fromTagged(r.Value)
		require.NoError(t, err)
		got, err := codec.Unmarshal(data, serial.Limits{})
		require.NoError(t, err, "%q", data)
		require.True(t, strictEqual(want, got) || contains(want, isSet) && value.Equal(want, got),
			"decoded %#v, python read %#v from %q", got, want, data)
		if contains(got, isSet) || contains(got, isBytesDict) || contains(got, isComplex) {
			continue
		}
		enc, err := codec.Marshal(nil, got)
		require.NoError(t, err)
		require.Equal(t, string(data), string(enc))
		exact++
	}
	require.Greater(t, exact, 75)
}

// TestPrintableMatchesPython compares the string repr's notion of a
// printable character with CPython's str.isprintable for every code point.
func TestPrintableMatchesPython(t *testing.T) {
	requirePython(t)
	var res struct {
		Unidata string     `json:"unidata"`
		Ranges  [][2]int32 `json:"ranges"`
	}
	pytest.RunHelper(t, map[string]any{"cmd": "printable"}, &res)
	if res.Unidata != "14.0.0" {
		t.Skipf("the table targets Python 3.11 (Unicode 14.0.0); this Python has %s", res.Unidata)
	}
	want := make([]bool, utf8.MaxRune+1)
	for _, r := range res.Ranges {
		for c := r[0]; c <= r[1]; c++ {
			want[c] = true
		}
	}
	var diff []rune
	for c := rune(0x80); c <= utf8.MaxRune; c++ {
		if (c < 0xd800 || c > 0xdfff) && isPrintable(c) != want[c] {
			diff = append(diff, c)
		}
	}
	require.Empty(t, diff, "isPrintable differs from Python for %d code points, first %U", len(diff), diff[:min(len(diff), 10)])
}

// TestNestingLimitMatchesPython: Marshal refuses exactly the nesting depths
// serpent refuses.
func TestNestingLimitMatchesPython(t *testing.T) {
	requirePython(t)
	levels := []int{1, 199, 200, 201, 202, 203}
	var res []bool
	pytest.RunHelper(t, map[string]any{"cmd": "nesting", "levels": levels}, &res)
	for i, n := range levels {
		var v any = []any{}
		for range n - 1 {
			v = []any{v}
		}
		_, err := codec.Marshal(nil, v)
		assert.Equal(t, res[i], err == nil, "depth %d: python ok=%v, go err=%v", n, res[i], err)
		if err != nil {
			assert.True(t, errors.Is(err, serial.ErrLimit))
		}
	}
}
