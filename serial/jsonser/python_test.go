package jsonser

import (
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueGen makes random values. In canonical mode it only makes what
// json.loads gives back (None, bool, int, float, str, list, dict with str
// keys, no duplicate keys); otherwise it also uses the types that JSON
// flattens (tuples, sets, non-str keys, UUID, Decimal, dates, Go int kinds).
type valueGen struct {
	r         *rand.Rand
	canonical bool
}

func (g *valueGen) str() string {
	alphabets := []string{"abcxyz_019 ", "\x00\x01\x1f\x7f\"\\/\n\r\t\b\f'", "é\u00ffü\u00a0", "☃\u2028\u2029\ufeff\uffff", "\U0001d11e\U0001f600\U0010ffff"}
	a := []rune(alphabets[g.r.IntN(len(alphabets))])
	n := g.r.IntN(12)
	if g.r.IntN(20) == 0 {
		n = 300
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
		specials := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e16, 1e-5, 5e-324, math.MaxFloat64, 0.1, 1e22, 123456789012345680}
		return specials[g.r.IntN(len(specials))]
	case 1:
		return math.Float64frombits(g.r.Uint64())
	default:
		return (g.r.Float64() - 0.5) * math.Pow(10, float64(g.r.IntN(60)-30))
	}
}

func (g *valueGen) int() any {
	switch g.r.IntN(5) {
	case 0:
		edges := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 1 << 53, 1<<53 + 1}
		return edges[g.r.IntN(len(edges))]
	case 1:
		z := new(big.Int).Lsh(big.NewInt(1), uint(64+g.r.IntN(14000)))
		z.Sub(z, big.NewInt(g.r.Int64()))
		if g.r.IntN(2) == 0 {
			z.Neg(z)
		}
		return value.NormalizeInt(z)
	case 2:
		if !g.canonical {
			kinds := []any{int(g.r.Int32()), int8(g.r.Int()), uint8(g.r.Int()), uint16(g.r.Int()), int32(g.r.Int()), uint32(g.r.Uint32()), uint64(g.r.Uint64()), uint(g.r.Uint32())}
			return kinds[g.r.IntN(len(kinds))]
		}
		fallthrough
	default:
		return int64(g.r.Uint64()) >> g.r.IntN(64)
	}
}

func (g *valueGen) scalar() any {
	k := g.r.IntN(8)
	if !g.canonical && k == 7 {
		extras := []any{
			value.UUID{byte(g.r.Uint32()), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, byte(g.r.Uint32())},
			value.Decimal("12.50"), value.Date{Year: 1 + g.r.IntN(9999), Month: time.Month(1 + g.r.IntN(12)), Day: 1 + g.r.IntN(28)},
			time.Date(1+g.r.IntN(9999), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.r.IntN(2)*g.r.IntN(1e9), time.FixedZone("z", 60*(g.r.IntN(2*24*60-1)-24*60+1))),
			float32(g.float()),
		}
		return extras[g.r.IntN(len(extras))]
	}
	switch k {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2, 3:
		return g.int()
	case 4:
		return g.float()
	default:
		return g.str()
	}
}

func (g *valueGen) key() any {
	if g.canonical || g.r.IntN(3) > 0 {
		return g.str()
	}
	keys := []any{nil, true, false, g.int(), g.float()}
	return keys[g.r.IntN(len(keys))]
}

func (g *valueGen) value(depth int) any {
	if depth <= 0 || g.r.IntN(100) < 40 {
		return g.scalar()
	}
	n := g.r.IntN(6)
	if depth == 1 && g.r.IntN(20) == 0 {
		n = 260
	}
	kind := g.r.IntN(2)
	if !g.canonical {
		kind = g.r.IntN(4)
	}
	switch kind {
	case 0:
		l := make([]any, n)
		for i := range l {
			l[i] = g.value(depth - 1)
		}
		return l
	case 1:
		d := value.NewDict(n)
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			k := g.key()
			// Keys that json.dumps turns into the same string (false and
			// "false", 1 and "1") would be merged by json.loads; skip them.
			kb, err := New().Marshal(nil, dict(k, nil))
			if err != nil || seen[string(kb)] {
				continue
			}
			seen[string(kb)] = true
			d.Append(k, g.value(depth-1))
		}
		return d
	case 2:
		t := make(value.Tuple, n)
		for i := range t {
			t[i] = g.value(depth - 1)
		}
		return t
	default:
		s := make(value.Set, n)
		for i := range s {
			s[i] = g.scalar()
		}
		return s
	}
}

// throughPython encodes vals in Go and has Python json.loads and json.dumps
// each one.
func throughPython(t *testing.T, vals []any) ([][]byte, []pytest.Load) {
	t.Helper()
	encs := make([][]byte, len(vals))
	hexes := make([]string, len(vals))
	for i, v := range vals {
		b, err := New().Marshal(nil, v)
		require.NoError(t, err, "value %d", i)
		encs[i] = b
		hexes[i] = hex.EncodeToString(b)
	}
	res := pytest.Loads(t, "json", hexes)
	require.Len(t, res, len(vals))
	return encs, res
}

// TestGoValuesThroughPython: Go encodes random values; Python's json.loads
// must read each as the same value, Python's json.dumps of what it read must
// give exactly Go's bytes, and Go must decode those bytes back to the
// original.
func TestGoValuesThroughPython(t *testing.T) {
	pytest.RequirePython(t)
	g := &valueGen{r: rand.New(rand.NewPCG(1, 2)), canonical: true}
	vals := make([]any, 300)
	for i := range vals {
		vals[i] = g.value(4)
	}
	encs, res := throughPython(t, vals)
	for i, r := range res {
		require.Empty(t, r.Error, "value %d", i)
		py, err := pytest.FromTagged(r.Value)
		require.NoError(t, err)
		require.True(t, value.Equal(vals[i], py), "value %d as Python reads it: %s", i, pytest.FirstDiff(vals[i], py))
		redump, err := hex.DecodeString(r.Redump)
		require.NoError(t, err)
		require.Equal(t, string(redump), string(encs[i]), "value %d: Python's bytes", i)
		back, err := New().Unmarshal(redump, serial.Limits{})
		require.NoError(t, err)
		require.True(t, value.Equal(vals[i], back), "value %d decoded: %s", i, pytest.FirstDiff(vals[i], back))
	}
}

// TestFlattenedValuesThroughPython: values JSON flattens (tuples, sets,
// non-str keys, UUID, dates, ...) must still be written exactly as Python
// writes what it reads back.
func TestFlattenedValuesThroughPython(t *testing.T) {
	pytest.RequirePython(t)
	g := &valueGen{r: rand.New(rand.NewPCG(5, 6))}
	vals := make([]any, 300)
	for i := range vals {
		vals[i] = g.value(4)
	}
	encs, res := throughPython(t, vals)
	for i, r := range res {
		require.Empty(t, r.Error, "value %d", i)
		redump, err := hex.DecodeString(r.Redump)
		require.NoError(t, err)
		require.Equal(t, string(redump), string(encs[i]), "value %d", i)
	}
}

// TestPythonValuesInGo: values made and dumped by Python decode to the same
// value in Go and re-encode to Python's bytes.
func TestPythonValuesInGo(t *testing.T) {
	pytest.RequirePython(t)
	gen := pytest.Gen(t, "json", 7, 300)
	require.Len(t, gen, 300)
	for i, g := range gen {
		want, err := pytest.FromTagged(g.Value)
		require.NoError(t, err)
		data, err := hex.DecodeString(g.Data)
		require.NoError(t, err)
		got, err := New().Unmarshal(data, serial.Limits{})
		require.NoError(t, err, "value %d", i)
		require.True(t, value.Equal(want, got), "value %d: %s", i, pytest.FirstDiff(want, got))
		enc, err := New().Marshal(nil, got)
		require.NoError(t, err)
		require.Equal(t, string(data), string(enc), "value %d", i)
	}
}

// TestPyro4Dumps compares with Pyro4's own JsonSerializer for the types
// that only its default() hook handles.
func TestPyro4Dumps(t *testing.T) {
	pytest.RequirePyro4(t)
	cases := []struct {
		expr string
		v    any
	}{
		{"uuid.UUID('12345678-1234-5678-1234-567812345678')", value.UUID{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78}},
		{"decimal.Decimal('-1.50E+3')", value.Decimal("-1.50E+3")},
		{"datetime.date(2024, 2, 29)", value.Date{Year: 2024, Month: 2, Day: 29}},
		{"datetime.datetime(2024, 1, 2, 3, 4, 5, 6789)", time.Date(2024, 1, 2, 3, 4, 5, 6789000, time.Local)},
		{"datetime.datetime(1, 1, 1)", time.Date(1, 1, 1, 0, 0, 0, 0, time.Local)},
		{"datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"datetime.datetime(2024, 1, 2, 3, 4, 5, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, seconds=7)))", time.Date(2024, 1, 2, 3, 4, 5, 1000, time.FixedZone("", -5*3600+7))},
		{"{1, 2, 3}", value.Set{int64(1), int64(2), int64(3)}},
		{"(1, 'a', (2.5,))", value.Tuple{int64(1), "a", value.Tuple{2.5}}},
		{"{3: 'a', 2.5: 'b', None: 'c', True: 'd', float('nan'): 'e', -float('inf'): 'f'}", dict(int64(3), "a", 2.5, "b", nil, "c", true, "d", math.NaN(), "e", math.Inf(-1), "f")},
		{"[nan, inf, -inf, -0.0, 1e22, 1e-7, 2**70]", []any{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1e22, 1e-7, new(big.Int).Lsh(big.NewInt(1), 70)}},
		{"{'object': 'obj', 'method': 'm', 'params': ('x',), 'kwargs': {}}", dict("object", "obj", "method", "m", "params", value.Tuple{"x"}, "kwargs", value.NewDict(0))},
	}
	exprs := make([]string, len(cases))
	for i, c := range cases {
		exprs[i] = c.expr
	}
	var res []struct {
		Data  string `json:"data"`
		Error string `json:"error"`
	}
	pytest.RunHelper(t, map[string]any{"cmd": "pyro_dumps", "codec": "json", "exprs": exprs}, &res)
	require.Len(t, res, len(cases))
	for i, c := range cases {
		require.Empty(t, res[i].Error, c.expr)
		want, err := hex.DecodeString(res[i].Data)
		require.NoError(t, err)
		got, err := New().Marshal(nil, c.v)
		require.NoError(t, err, c.expr)
		assert.Equal(t, string(want), string(got), c.expr)
	}
	// And what Pyro4 refuses, we refuse.
	var refused []struct {
		Error string `json:"error"`
	}
	pytest.RunHelper(t, map[string]any{"cmd": "pyro_dumps", "codec": "json", "exprs": []string{"b'x'", "1j", "{(1,): 2}", "10**4300"}}, &refused)
	for i, v := range []any{[]byte("x"), complex(0, 1), dict(value.Tuple{int64(1)}, int64(2)), new(big.Int).Exp(big.NewInt(10), big.NewInt(4300), nil)} {
		assert.NotEmpty(t, refused[i].Error, "Python accepted case %d", i)
		_, err := New().Marshal(nil, v)
		assert.ErrorIs(t, err, serial.ErrUnsupported, "case %d", i)
	}
}

// compareWithPython checks Go's outcome for data against json.loads. A
// Python error must be a Go error; a Python value must be decoded equally,
// except for the documented deviations, which are returned as a label.
func compareWithPython(t *testing.T, label string, data []byte, py pytest.Load) string {
	t.Helper()
	got, err := New().Unmarshal(data, serial.Limits{})
	if py.Error != "" {
		require.Error(t, err, "%s: Python refused (%s) but Go accepted %q", label, py.Error, data)
		return ""
	}
	if err != nil {
		switch {
		case strings.Contains(err.Error(), "lone surrogate"):
			return "lone surrogate"
		case errors.Is(err, serial.ErrLimit):
			return "limit"
		}
		t.Fatalf("%s: Python read %q but Go refused it: %v", label, data, err)
	}
	want, terr := pytest.FromTagged(py.Value)
	require.NoError(t, terr)
	require.True(t, value.Equal(want, got), "%s: %q: %s", label, data, pytest.FirstDiff(want, got))
	return ""
}

func TestCraftedAgainstPython(t *testing.T) {
	pytest.RequirePython(t)
	crafted := []string{
		"", " ", "nul", "null", "True", "nan", "NaN", "-NaN", "Infinity", "-Infinity", "+1", "01", "-0", "1.", ".5", "1e", "1.e5",
		"1e5", "1E+5", "1e400", "-1e-400", "-", "--1", "0x10", "[1,]", "[1 2]", "[", "]", "[]", `{"a":1,}`, `{a:1}`, `{"a" 1}`,
		`{"a":1,"a":2,"b":3,"a":4}`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"\x00\"", "\"\x1f\"", "\"\x7f\"", `"\ud800"`,
		`"\udc00"`, `"\ud800\u0041"`, `"\uD834\uDD1E"`, `"\ud834\udd1e"`, "\ufeff1", "\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xc0\x80\"", "\xa01", "1 2", " [ 1 , { \"k\" : [ ] } ] \n", "\u00a01", "\"\u2028\"", "\f1",
		strings.Repeat("9", 4300), strings.Repeat("9", 4301), "-" + strings.Repeat("9", 4300), "1" + strings.Repeat("0", 400) + ".5",
		`"\/\b\f\n\r\t\"\\"`, "[1]x", "Infinit", "-Inf", "tru", "{\"\":0}", "[-0.0, 0.0, 5e-324, 2.5e-324]",
	}
	hexes := make([]string, len(crafted))
	for i, c := range crafted {
		hexes[i] = hex.EncodeToString([]byte(c))
	}
	res := pytest.Loads(t, "json", hexes)
	require.Len(t, res, len(crafted))
	deviations := map[string]int{}
	for i, c := range crafted {
		if dev := compareWithPython(t, "case "+c, []byte(c), res[i]); dev != "" {
			deviations[dev]++
		}
	}
	t.Logf("documented deviations: %v", deviations)
}

// TestMutantsAgainstPython mutates recorded payloads at random and checks
// that Go and json.loads agree on every mutant.
func TestMutantsAgainstPython(t *testing.T) {
	pytest.RequirePython(t)
	_, payloads := pytest.LoadVectors(t, vectorFile)
	var seeds [][]byte
	for _, p := range payloads {
		seeds = append(seeds, p)
	}
	r := rand.New(rand.NewPCG(3, 4))
	interesting := []byte(`0123456789-+.eE"\/,:[]{} ntfNI` + "\x00\x1f\x7f\xc3\xa9\xff\t")
	const n = 3000
	mutants := make([][]byte, 0, n)
	for len(mutants) < n {
		m := append([]byte(nil), seeds[r.IntN(len(seeds))]...)
		for k := 1 + r.IntN(3); k > 0 && len(m) > 0; k-- {
			i := r.IntN(len(m))
			switch r.IntN(4) {
			case 0:
				m[i] = byte(r.Uint32())
			case 1:
				m[i] = interesting[r.IntN(len(interesting))]
			case 2:
				m = append(m[:i:i], m[i+1:]...)
			default:
				m = append(m[:i:i], append([]byte{interesting[r.IntN(len(interesting))]}, m[i:]...)...)
			}
		}
		mutants = append(mutants, m)
	}
	hexes := make([]string, n)
	for i, m := range mutants {
		hexes[i] = hex.EncodeToString(m)
	}
	res := pytest.Loads(t, "json", hexes)
	require.Len(t, res, n)
	accepted, deviations := 0, map[string]int{}
	for i, m := range mutants {
		if res[i].Error == "" {
			accepted++
		}
		if dev := compareWithPython(t, "mutant", m, res[i]); dev != "" {
			deviations[dev]++
		}
	}
	t.Logf("%d of %d mutants accepted by Python; documented deviations: %v", accepted, n, deviations)
	assert.Greater(t, accepted, n/10)
}
