package pickle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

const pythonPath = "/usr/bin/python3"

// needPython skips when /usr/bin/python3 cannot run (CI unset) and fails
// when CI is set.
func needPython(t testing.TB) {
	t.Helper()
	out, err := exec.Command(pythonPath, "-c", "import pickle, Pyro4").CombinedOutput()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "" {
		t.Skipf("python with Pyro4 not available: %v %s", err, out)
	}
	t.Fatalf("CI is set but python with Pyro4 is not available: %v %s", err, out)
}

func runPython(t testing.TB, stdin []byte, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(pythonPath, append([]string{"testdata/pypickle.py"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("pypickle.py %v: %v\n%s", args, err, stderr.Bytes())
	}
	require.NoError(t, json.Unmarshal(raw, out))
}

// fromTagged turns testdata/pypickle.py's tagged JSON into a model value.
func fromTagged(raw json.RawMessage) (any, error) {
	var tg struct {
		T  string          `json:"t"`
		V  json.RawMessage `json:"v"`
		Re string          `json:"re"`
		Im string          `json:"im"`
	}
	if err := json.Unmarshal(raw, &tg); err != nil {
		return nil, err
	}
	var s string
	switch tg.T {
	case "none":
		return nil, nil
	case "bool":
		var b bool
		err := json.Unmarshal(tg.V, &b)
		return b, err
	case "complex":
		re, err := strconv.ParseFloat(tg.Re, 64)
		if err != nil {
			return nil, err
		}
		im, err := strconv.ParseFloat(tg.Im, 64)
		return complex(re, im), err
	case "list", "tuple", "set":
		var kids []json.RawMessage
		if err := json.Unmarshal(tg.V, &kids); err != nil {
			return nil, err
		}
		out := make([]any, len(kids))
		for i, k := range kids {
			v, err := fromTagged(k)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		switch tg.T {
		case "tuple":
			return value.Tuple(out), nil
		case "set":
			return value.Set(out), nil
		}
		return out, nil
	case "dict":
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(tg.V, &pairs); err != nil {
			return nil, err
		}
		d := value.NewDict(len(pairs))
		for _, p := range pairs {
			k, err := fromTagged(p[0])
			if err != nil {
				return nil, err
			}
			v, err := fromTagged(p[1])
			if err != nil {
				return nil, err
			}
			d.Append(k, v)
		}
		return d, nil
	}
	if err := json.Unmarshal(tg.V, &s); err != nil {
		return nil, err
	}
	switch tg.T {
	case "int":
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, fmt.Errorf("bad int %q", s)
		}
		return value.NormalizeInt(b), nil
	case "float":
		return strconv.ParseFloat(s, 64)
	case "str":
		return s, nil
	case "bytes":
		return hex.DecodeString(s)
	}
	return nil, fmt.Errorf("unknown tag %q", tg.T)
}

type corpusEntry struct {
	Name     string          `json:"name"`
	Hex      string          `json:"hex"`
	Expected json.RawMessage `json:"expected"`
}

type corpusFile struct {
	Plain   []corpusEntry `json:"plain"`
	Refused []corpusEntry `json:"refused"`
}

func loadCorpus(t testing.TB) corpusFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/pickles.json")
	require.NoError(t, err)
	var c corpusFile
	require.NoError(t, json.Unmarshal(raw, &c))
	require.NotEmpty(t, c.Plain)
	require.NotEmpty(t, c.Refused)
	return c
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestIdentity(t *testing.T) {
	c := Unsafe()
	assert.Equal(t, serial.IDPickle, c.ID())
	assert.Equal(t, "pickle", c.Name())
}

// TestPythonPickles decodes plain values pickled by CPython at protocols 0
// to 5 (testdata/pickles.json, made by testdata/pypickle.py).
func TestPythonPickles(t *testing.T) {
	c := Unsafe()
	for _, e := range loadCorpus(t).Plain {
		t.Run(e.Name, func(t *testing.T) {
			want, err := fromTagged(e.Expected)
			require.NoError(t, err)
			got, err := c.Unmarshal(unhex(t, e.Hex), serial.Limits{})
			require.NoError(t, err)
			require.Truef(t, value.Equal(want, got), "got %#v\nwant %#v", got, want)
		})
	}
}

// TestRefused: pickles that reference classes or functions, call them,
// build objects or load persistent references are refused, whatever the
// protocol.
func TestRefused(t *testing.T) {
	c := Unsafe()
	for _, e := range loadCorpus(t).Refused {
		t.Run(e.Name, func(t *testing.T) {
			v, err := c.Unmarshal(unhex(t, e.Hex), serial.Limits{})
			require.ErrorIs(t, err, serial.ErrUnsupported)
			require.Nil(t, v)
		})
	}
}

// TestCorpusFresh checks testdata/pickles.json against what the script
// makes today (pickle output is stable for a given CPython).
func TestCorpusFresh(t *testing.T) {
	needPython(t)
	var fresh corpusFile
	runPython(t, nil, &fresh, "corpus")
	committed := loadCorpus(t)
	require.Len(t, fresh.Plain, len(committed.Plain))
	require.Len(t, fresh.Refused, len(committed.Refused))
	c := Unsafe()
	// Set and dict iteration order, and so some bytes, may differ between
	// runs; compare what the pickles mean.
	for i := range fresh.Plain {
		assert.Equal(t, committed.Plain[i].Name, fresh.Plain[i].Name)
		want, err := fromTagged(fresh.Plain[i].Expected)
		require.NoError(t, err)
		got, err := c.Unmarshal(unhex(t, fresh.Plain[i].Hex), serial.Limits{})
		require.NoError(t, err, fresh.Plain[i].Name)
		assert.True(t, value.Equal(want, got), fresh.Plain[i].Name)
	}
	for i := range fresh.Refused {
		assert.Equal(t, committed.Refused[i].Name, fresh.Refused[i].Name)
		_, err := c.Unmarshal(unhex(t, fresh.Refused[i].Hex), serial.Limits{})
		assert.ErrorIs(t, err, serial.ErrUnsupported, fresh.Refused[i].Name)
	}
}

// goValues are encoded by Go and loaded by CPython.
func goValues() []any {
	d := value.NewDict(0)
	d.Append("a", int64(1))
	d.Append(int64(3), "three")
	d.Append(value.Tuple{int64(1), "t"}, nil)
	d.Append([]byte("k"), true)
	d.Append(complex(1, -1), 2.5)
	return []any{
		nil, true, false,
		int64(0), int64(-1), int64(255), int64(65536), int64(math.MinInt64), int64(math.MaxInt64),
		int(7), uint8(200), uint64(math.MaxUint64),
		new(big.Int).Exp(big.NewInt(10), big.NewInt(300), nil),
		new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 100)),
		1.5, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), float32(0.25),
		complex(1.5, -2),
		"", "h\u00e9llo \u2603 \U0001d11e 'q' \"dq\" \\ \n",
		[]byte{}, []byte{0, 1, 0xff},
		[]any{}, []any{int64(1), "two", []any{3.0}},
		value.Tuple{}, value.Tuple{int64(1)}, value.Tuple{int64(1), int64(2), int64(3), int64(4)},
		value.Set{int64(1), int64(2), "x"},
		value.Set{},
		value.NewDict(0), d,
		value.Decimal("1.50"), value.UUID{0x5e, 0xed},
		[]any{"obj_123", "get_fortune", value.Tuple{"Alice"}, d},
	}
}

// asPython is what Python builds for an encoded model value.
func asPython(v any) any {
	switch x := v.(type) {
	case value.Decimal:
		return string(x)
	case value.UUID:
		return x.String()
	case float32:
		return float64(x)
	}
	return v
}

func TestGoEncodedLoadsInPython(t *testing.T) {
	needPython(t)
	c := Unsafe()
	vals := goValues()
	var hexes []string
	for _, v := range vals {
		b, err := c.Marshal(nil, v)
		require.NoError(t, err, "%#v", v)
		hexes = append(hexes, hex.EncodeToString(b))
	}
	in, err := json.Marshal(hexes)
	require.NoError(t, err)
	var out []json.RawMessage
	runPython(t, in, &out, "load")
	require.Len(t, out, len(vals))
	for i, raw := range out {
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(raw, &e))
		require.Emptyf(t, e.Error, "value %d %#v", i, vals[i])
		got, err := fromTagged(raw)
		require.NoError(t, err)
		assert.Truef(t, value.Equal(asPython(vals[i]), got), "value %d: python has %#v, want %#v", i, got, vals[i])
	}
}

// TestRoundTrip: what Go encodes, Go decodes to the same value.
func TestRoundTrip(t *testing.T) {
	c := Unsafe()
	for i, v := range goValues() {
		b, err := c.Marshal([]byte("prefix"), v)
		require.NoError(t, err)
		require.Equal(t, []byte("prefix"), b[:6])
		got, err := c.Unmarshal(b[6:], serial.Limits{})
		require.NoError(t, err, "value %d %#v", i, v)
		assert.Truef(t, value.Equal(asPython(v), got), "value %d: got %#v want %#v", i, got, v)
	}
}

func TestEncodeErrors(t *testing.T) {
	c := Unsafe()
	self := []any{nil}
	self[0] = self
	badKey := value.NewDict(0)
	badKey.Append([]any{int64(1)}, int64(2)) // a list is not hashable
	for name, tc := range map[string]struct {
		v    any
		want error
	}{
		"time":       {time.Now(), serial.ErrUnsupported},
		"date":       {value.Date{Year: 2024, Month: 1, Day: 2}, serial.ErrUnsupported},
		"ext":        {value.Ext{Code: 1}, serial.ErrUnsupported},
		"struct":     {struct{}{}, serial.ErrUnsupported},
		"bad utf8":   {"\xff", serial.ErrUnsupported},
		"list key":   {badKey, serial.ErrUnsupported},
		"nil big":    {(*big.Int)(nil), serial.ErrUnsupported},
		"4301 digit": {new(big.Int).Exp(big.NewInt(10), big.NewInt(4300), nil), serial.ErrUnsupported},
		"cycle":      {self, serial.ErrLimit},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := c.Marshal([]byte("keep"), tc.v)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, []byte("keep"), out)
		})
	}
}

// TestDeepTupleKey is the input that crashes og-rek on its own: a dict key
// nested millions of tuples deep makes its recursive hash overflow the
// goroutine stack, which no recover can catch. The pre-scan refuses it.
func TestDeepTupleKey(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x02})")
	b.Write(bytes.Repeat([]byte{0x85}, 10_000_000)) // TUPLE1
	b.WriteString("Ns.")
	start := time.Now()
	_, err := Unsafe().Unmarshal(b.Bytes(), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	assert.Less(t, time.Since(start), 10*time.Second)
}

// TestKeyHashAmplification: one large tuple, stored once and used as the key
// of many SETITEMs through the memo, makes og-rek hash it again each time.
// The scan charges that work.
func TestKeyHashAmplification(t *testing.T) {
	build := func(tupleLen, uses int) []byte {
		var b bytes.Buffer
		b.WriteString("\x80\x04(")
		b.Write(bytes.Repeat([]byte{'K', 1}, tupleLen))
		b.WriteString("t\x94") // TUPLE, MEMOIZE
		b.WriteString("0}")    // POP, EMPTY_DICT
		for range uses {
			b.WriteString("h\x00Ns") // GET tuple, None, SETITEM
		}
		b.WriteByte('.')
		return b.Bytes()
	}
	c := Unsafe()
	v, err := c.Unmarshal(build(100, 10), serial.Limits{})
	require.NoError(t, err)
	require.Equal(t, 1, v.(*value.Dict).Len(), "the same key every time")
	start := time.Now()
	_, err = c.Unmarshal(build(100_000, 100_000), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestLimits(t *testing.T) {
	c := Unsafe()
	nested := func(n int) []byte { // [[[...None...]]] via EMPTY_LIST/APPEND
		var b bytes.Buffer
		b.WriteString("\x80\x02")
		for range n {
			b.WriteByte(']')
		}
		b.WriteByte('N')
		for range n {
			b.WriteByte('a')
		}
		b.WriteByte('.')
		return b.Bytes()
	}
	_, err := c.Unmarshal(nested(10), serial.Limits{MaxDepth: 10})
	require.NoError(t, err)
	_, err = c.Unmarshal(nested(11), serial.Limits{MaxDepth: 10})
	require.ErrorIs(t, err, serial.ErrLimit)

	p, err := c.Marshal(nil, []any{"abc", []byte("de"), []any{int64(1), int64(2)}})
	require.NoError(t, err)
	_, err = c.Unmarshal(p, serial.Limits{MaxItems: 5})
	require.NoError(t, err)
	_, err = c.Unmarshal(p, serial.Limits{MaxItems: 4})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal(p, serial.Limits{MaxBytes: len(p)})
	require.NoError(t, err)
	_, err = c.Unmarshal(p, serial.Limits{MaxBytes: len(p) - 1})
	require.ErrorIs(t, err, serial.ErrLimit, "input longer than MaxBytes")

	// Memo sharing multiplies data without multiplying input: x = "a"*1000,
	// then [x, x, x, ...] is counted in full by the conversion.
	var b bytes.Buffer
	b.WriteString("\x80\x04X\xe8\x03\x00\x00")
	b.Write(bytes.Repeat([]byte{'a'}, 1000))
	b.WriteString("\x94](")
	b.Write(bytes.Repeat([]byte{'h', 0}, 100))
	b.WriteString("e.")
	_, err = c.Unmarshal(b.Bytes(), serial.Limits{MaxBytes: 50_000})
	require.ErrorIs(t, err, serial.ErrLimit)
	_, err = c.Unmarshal(b.Bytes(), serial.Limits{MaxBytes: 200_000})
	require.NoError(t, err)
}

// TestCycles: the memo lets a pickle build containers that contain
// themselves. A dict cycle decodes in og-rek and stops at the depth limit
// in the conversion; a list cycle is refused by the scan, since og-rek's
// lists cannot represent it.
func TestCycles(t *testing.T) {
	c := Unsafe()
	// d = {}; d['self'] = d
	_, err := c.Unmarshal([]byte("\x80\x04}\x94\x8c\x04self\x94h\x00s."), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
	// l = [None]; l.append(l)
	_, err = c.Unmarshal([]byte("\x80\x04]\x94(Nh\x00e."), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrUnsupported)
}

func TestMalformed(t *testing.T) {
	c := Unsafe()
	for name, p := range map[string]string{
		"empty":          "",
		"no stop":        "\x80\x04N",
		"unknown opcode": "\x80\x04\xff.",
		"bad utf8":       "\x80\x04\x8c\x01\xff.",
		"short binbytes": "\x80\x04C\x05ab.",
		"huge binbytes":  "\x80\x04B\xff\xff\xff\xffab.",
		"underflow":      "a.",
		"bad memo":       "h\x05.",
		"protocol 6":     "\x80\x06N.",
		"mark as value":  "(.",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Unmarshal([]byte(p), serial.Limits{})
			require.ErrorIs(t, err, serial.ErrMalformed)
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	corpus := loadCorpus(f)
	for _, e := range append(corpus.Plain, corpus.Refused...) {
		f.Add(unhex(f, e.Hex))
	}
	c := Unsafe()
	lim := serial.Limits{MaxDepth: 32, MaxItems: 1 << 14, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Unmarshal(data, lim)
		if err != nil {
			if !errors.Is(err, serial.ErrMalformed) && !errors.Is(err, serial.ErrLimit) && !errors.Is(err, serial.ErrUnsupported) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		b, err := c.Marshal(nil, v)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v (%#v)", err, v)
		}
		v2, err := c.Unmarshal(b, serial.Limits{})
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !value.Equal(v, v2) {
			t.Fatalf("round trip changed %#v into %#v", v, v2)
		}
	})
}
