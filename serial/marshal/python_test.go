package marshal

import (
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueGen makes random values of the model that Python's marshal can
// carry. Dict keys and set elements are hashable and pairwise unequal in
// Python's sense, so Python keeps every one of them.
type valueGen struct {
	r    *rand.Rand
	keys keyer
}

func (g *valueGen) str() string {
	alphabets := []string{"abcxyz_019 ", "\x00\x01\x1f\x7f\"\\'\n", "é\u00ffü", "☃\u2028\ufeff\uffff", "\U0001d11e\U0001f600\U0010ffff"}
	a := []rune(alphabets[g.r.IntN(len(alphabets))])
	n := g.r.IntN(12)
	if g.r.IntN(10) == 0 {
		n = []int{0, 255, 256, 300}[g.r.IntN(4)]
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(a[g.r.IntN(len(a))])
	}
	return b.String()
}

func (g *valueGen) float() float64 {
	switch g.r.IntN(4) {
	case 0:
		specials := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e16, 5e-324, math.MaxFloat64, 0.1}
		return specials[g.r.IntN(len(specials))]
	case 1:
		return math.Float64frombits(g.r.Uint64())
	default:
		return (g.r.Float64() - 0.5) * math.Pow(10, float64(g.r.IntN(60)-30))
	}
}

func (g *valueGen) int() any {
	switch g.r.IntN(7) {
	case 0:
		edges := []int64{0, 1, -1, math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MinInt32 - 1, math.MaxInt64, math.MinInt64, 1 << 30, 1 << 45, 1 << 60}
		return edges[g.r.IntN(len(edges))]
	case 1:
		return int64(g.r.Uint64())
	case 2:
		z := new(big.Int).Lsh(big.NewInt(1), uint(64+g.r.IntN(300)))
		z.Sub(z, big.NewInt(g.r.Int64()))
		if g.r.IntN(2) == 0 {
			z.Neg(z)
		}
		return value.NormalizeInt(z)
	case 3: // other Go kinds the encoder accepts
		kinds := []any{int(g.r.Int32()), int8(g.r.Int()), uint8(g.r.Int()), uint16(g.r.Int()), int32(g.r.Int()), uint32(g.r.Uint32()), uint64(g.r.Uint64()), uint(g.r.Uint32())}
		return kinds[g.r.IntN(len(kinds))]
	default:
		return int64(g.r.Int32())
	}
}

func (g *valueGen) scalar() any {
	switch g.r.IntN(10) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2, 3:
		return g.int()
	case 4:
		if g.r.IntN(8) == 0 {
			return float32(g.float())
		}
		return g.float()
	case 5:
		return complex(g.float(), g.float())
	case 6:
		b := make([]byte, g.r.IntN(20))
		for i := range b {
			b[i] = byte(g.r.Uint32())
		}
		return b
	default:
		return g.str()
	}
}

func (g *valueGen) value(depth int, hashable bool) any {
	if depth <= 0 || g.r.IntN(100) < 45 {
		return g.scalar()
	}
	n := g.r.IntN(6)
	if depth == 1 && g.r.IntN(20) == 0 {
		n = 260
	}
	kind := g.r.IntN(4)
	if hashable {
		kind = []int{1, 2}[g.r.IntN(2)]
	}
	switch kind {
	case 0:
		l := make([]any, n)
		for i := range l {
			l[i] = g.value(depth-1, false)
		}
		return l
	case 1:
		t := make(value.Tuple, n)
		for i := range t {
			t[i] = g.value(depth-1, hashable)
		}
		return t
	case 2:
		sb := setBuilder{keys: &g.keys}
		for i := 0; i < n; i++ {
			if k := normalizeKinds(g.value(depth-1, true)); !hasNaN(k) {
				sb.add(k)
			}
		}
		if sb.s == nil {
			sb.s = value.Set{}
		}
		return sb.s
	default:
		db := dictBuilder{d: &value.Dict{}, keys: &g.keys}
		for i := 0; i < n; i++ {
			if k := normalizeKinds(g.value(depth-1, true)); !hasNaN(k) {
				db.set(k, g.value(depth-1, false))
			}
		}
		return db.d
	}
}

// hasNaN reports whether a key holds a NaN. Python keeps every NaN key
// apart, and value.Equal cannot match dicts or sets holding several of them,
// so the generator leaves them out (TestNaNKeys covers them).
func hasNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return x != x
	case float32:
		return x != x
	case complex128:
		return real(x) != real(x) || imag(x) != imag(x)
	case value.Tuple:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	case value.Set:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	}
	return false
}

// normalizeKinds maps the extra Go kinds onto the model so the builders'
// equality applies to them.
func normalizeKinds(v any) any {
	switch x := v.(type) {
	case float32:
		return float64(x)
	case int, int8, int16, int32, uint, uint8, uint16, uint32, uint64:
		b, _ := new(big.Int).SetString(strings.TrimSpace(strings.Trim(fmtAny(x), "()")), 10)
		return value.NormalizeInt(b)
	}
	return v
}

func fmtAny(v any) string { return sprintf("%d", v) }

// TestGoValuesThroughPython: Go encodes random values, Python's
// marshal.loads reads them back (compared with the original), Python
// re-dumps them and Go decodes that (compared again). CPython's bytes are
// compared with ours after normalizing FLAG_REF, references, interning and
// set order, which depend on CPython internals.
func TestGoValuesThroughPython(t *testing.T) {
	pytest.RequirePython(t)
	g := &valueGen{r: rand.New(rand.NewPCG(1, 2))}
	c := New()
	const n = 300
	vals := make([]any, n)
	hexes := make([]string, n)
	encs := make([][]byte, n)
	for i := range vals {
		vals[i] = g.value(4, false)
		b, err := c.Marshal(nil, vals[i])
		require.NoError(t, err)
		encs[i] = b
		hexes[i] = hex.EncodeToString(b)
	}
	res := pytest.Loads(t, "marshal", hexes)
	require.Len(t, res, n)
	for i, r := range res {
		require.Empty(t, r.Error, "value %d: %#v", i, vals[i])
		py, err := pytest.FromTagged(r.Value)
		require.NoError(t, err)
		require.True(t, value.Equal(vals[i], py), "value %d as Python reads it: %s", i, pytest.FirstDiff(vals[i], py))

		redump, err := hex.DecodeString(r.Redump)
		require.NoError(t, err)
		back, err := c.Unmarshal(redump, serial.Limits{})
		require.NoError(t, err, "value %d", i)
		require.True(t, value.Equal(vals[i], back), "value %d after Python re-dump", i)

		normPy, err := normalizeCPython(redump)
		require.NoError(t, err)
		normGo, err := normalizeCPython(encs[i])
		require.NoError(t, err)
		require.Equal(t, normPy, normGo, "value %d bytes", i)
	}
}

// TestPythonValuesInGo: Python makes random values (with shared objects,
// interned strings and marshal versions 0 to 4, so every code and
// FLAG_REF/back-references appear) and Go must decode each one to the same
// value.
func TestPythonValuesInGo(t *testing.T) {
	pytest.RequirePython(t)
	gen := pytest.Gen(t, "marshal", 7, 300)
	require.Len(t, gen, 300)
	c := New()
	seen := map[byte]bool{}
	for i, g := range gen {
		want, err := pytest.FromTagged(g.Value)
		require.NoError(t, err)
		data, err := hex.DecodeString(g.Data)
		require.NoError(t, err)
		for _, b := range data {
			seen[b] = true
		}
		got, err := c.Unmarshal(data, serial.Limits{})
		require.NoError(t, err, "value %d: %s", i, g.Data)
		require.True(t, value.Equal(want, got), "value %d: %s", i, pytest.FirstDiff(want, got))
	}
	// The corpus must have exercised references and the rarer codes.
	for _, code := range []byte{'r', 'f', 'x', 't', 'Z', 'A', 'a', 'z', '(', ')', '<', '>', 'l', 'y', 'u', 'i' | flagRef} {
		assert.True(t, seen[code], "code %q never appeared", code)
	}
}

// compareWithPython checks Go's outcome for data against CPython's. Python
// errors must be Go errors; a Python value must be decoded equally by Go,
// except for the documented deviations, which are returned as a label.
func compareWithPython(t *testing.T, label string, data []byte, py pytest.Load) string {
	t.Helper()
	got, err := New().Unmarshal(data, serial.Limits{})
	if py.Error != "" {
		require.Error(t, err, "%s: Python refused (%s) but Go accepted %x as %#v", label, py.Error, data, got)
		return ""
	}
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "trailing bytes"):
			return "trailing bytes"
		case strings.Contains(msg, "not valid UTF-8"):
			return "surrogates"
		case strings.Contains(msg, "'I'"):
			return "int64 code"
		case strings.Contains(msg, "is not data"):
			return "StopIteration/Ellipsis code"
		case strings.Contains(msg, "cyclic data is refused"):
			return "cycle"
		case errors.Is(err, serial.ErrLimit):
			return "limit"
		}
		t.Fatalf("%s: Python read %x but Go refused it: %v", label, data, err)
	}
	want, terr := pytest.FromTagged(py.Value)
	require.NoError(t, terr)
	require.True(t, value.Equal(want, got), "%s: %x: %s", label, data, pytest.FirstDiff(want, got))
	return ""
}

// TestCraftedAgainstPython runs hand-made edge cases through both decoders.
func TestCraftedAgainstPython(t *testing.T) {
	pytest.RequirePython(t)
	crafted := []string{
		"z\x01\xe9", "a\x02\x00\x00\x00\xff\x80", "l\x00\x00\x00\x00", "l\x01\x00\x00\x00\xff\x7f",
		"l\x01\x00\x00\x00\x00\x80", "l\x02\x00\x00\x00\xff\x7f\x00\x00", "l\xfe\xff\xff\xff\x00\x00\x01\x00",
		"{z\x01az\x01b0", "{z\x01a0", "{i\x01\x00\x00\x00z\x01aTz\x01b0", "{[\x00\x00\x00\x00N0",
		"<\x02\x00\x00\x00i\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\xf0?",
		">\x03\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x80g\x00\x00\x00\x00\x00\x00\x00\x00F",
		"<\x01\x00\x00\x00<\x00\x00\x00\x00", "<\x01\x00\x00\x00>\x00\x00\x00\x00",
		"\xa9\x01r\x00\x00\x00\x00", "\xbe\x01\x00\x00\x00r\x00\x00\x00\x00", "r\x00\x00\x00\x00",
		")\x02\xe9\x07\x00\x00\x00r\x00\x00\x00\x00", ")\x02\xce\xe9\x07\x00\x00\x00r\x00\x00\x00\x00",
		"f\x03nan", "f\x04-inf", "f\x02.5", "f\x00", "f\x04 1.5", "f\x050x1p1", "x\x011\x012", "x\x011",
		"g\x00", "0", ")\x010", "[\x01\x00\x00\x000", "c", "?", "\x80", "N\x00", "u\x03\x00\x00\x00\xed\xa0\x80",
		"u\x02\x00\x00\x00\xc3", "I\x01\x00\x00\x00\x00\x00\x00\x00", "t\x01\x00\x00\x00a", "A\x01\x00\x00\x00a",
		"Z\x00", "(\x00\x00\x00\x00", "s\x00\x00\x00\x00", "y" + strings.Repeat("\x00", 16),
		"{)\x01<\x00\x00\x00\x000", "{)\x01>\x00\x00\x00\x00N0", "{g\x00\x00\x00\x00\x00\x00\xf8\x7fNg\x00\x00\x00\x00\x00\x00\xf8\x7fN0",
	}
	hexes := make([]string, len(crafted))
	for i, c := range crafted {
		hexes[i] = hex.EncodeToString([]byte(c))
	}
	res := pytest.Loads(t, "marshal", hexes)
	require.Len(t, res, len(crafted))
	deviations := map[string]int{}
	for i, c := range crafted {
		if dev := compareWithPython(t, sprintf("case %d %q", i, c), []byte(c), res[i]); dev != "" {
			deviations[dev]++
		}
	}
	t.Logf("documented deviations: %v", deviations)
}

// TestMutantsAgainstPython mutates the recorded payloads at random and
// checks that Go and CPython agree on every mutant (accept with the same
// value, or both refuse), apart from the documented deviations.
func TestMutantsAgainstPython(t *testing.T) {
	pytest.RequirePython(t)
	_, payloads := pytest.LoadVectors(t, vectorFile)
	// Seeds in name order, so the mutants are the same on every run.
	names := make([]string, 0, len(payloads))
	for name := range payloads {
		names = append(names, name)
	}
	sort.Strings(names)
	var seeds [][]byte
	for _, name := range names {
		seeds = append(seeds, payloads[name])
	}
	r := rand.New(rand.NewPCG(3, 4))
	interesting := []byte{0, 1, 0x7f, 0x80, 0xff, '0', 'N', 'r', 'l', '(', ')', '[', '{', '<', '>', 'z', 'u', 's', 'g', 'f', 'i'}
	const n = 3000
	mutants := make([][]byte, 0, n)
	for len(mutants) < n {
		m := append([]byte(nil), seeds[r.IntN(len(seeds))]...)
		for k := 1 + r.IntN(3); k > 0 && len(m) > 0; k-- {
			i := r.IntN(len(m))
			switch r.IntN(5) {
			case 0:
				m[i] = byte(r.Uint32())
			case 1:
				m[i] = interesting[r.IntN(len(interesting))]
			case 2:
				m[i] ^= flagRef
			case 3:
				m = m[:i]
			default:
				j := i + r.IntN(len(m)-i)
				m = append(m[:i:i], append(append([]byte(nil), m[i:j]...), m[i:]...)...)
			}
		}
		mutants = append(mutants, m)
	}
	hexes := make([]string, n)
	for i, m := range mutants {
		hexes[i] = hex.EncodeToString(m)
	}
	res := pytest.Loads(t, "marshal", hexes)
	require.Len(t, res, n)
	accepted, deviations := 0, map[string]int{}
	for i, m := range mutants {
		if res[i].Error == "" {
			accepted++
		}
		if dev := compareWithPython(t, sprintf("mutant %d", i), m, res[i]); dev != "" {
			deviations[dev]++
		}
	}
	t.Logf("%d of %d mutants accepted by Python; documented deviations: %v", accepted, n, deviations)
	assert.Greater(t, accepted, n/10, "mutants should often stay valid")
}
