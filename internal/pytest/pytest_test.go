package pytest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dict(kv ...any) *value.Dict {
	d := value.NewDict(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		d.Append(kv[i], kv[i+1])
	}
	return d
}

// decode parses JSON the way RunHelper does.
func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func TestFromTagged(t *testing.T) {
	big70 := new(big.Int).Lsh(big.NewInt(1), 70)
	cases := []struct {
		tagged string
		want   any
	}{
		{`["N"]`, nil},
		{`["b", true]`, true},
		{`["i", "0x1f"]`, int64(31)},
		{`["i", "-0x1f"]`, int64(-31)},
		{`["i", "-31"]`, int64(-31)},
		{`["i", "0"]`, int64(0)},
		{`["i", "0x400000000000000000"]`, big70},
		{`["i", "1180591620717411303424"]`, big70},
		{`["f", "0x1.8000000000000p+0"]`, 1.5},
		{`["f", "-0x0.0p+0"]`, math.Copysign(0, -1)},
		{`["f", "-inf"]`, math.Inf(-1)},
		{`["f", "nan"]`, math.NaN()},
		{`["c", "0x1.0000000000000p+0", "-0x1.0000000000000p+1"]`, complex(1, -2)},
		{`["s", "c3a9e298830a"]`, "é☃\n"},
		{`["s", "eda080"]`, "\xed\xa0\x80"}, // a lone surrogate keeps its bytes
		{`["y", "00ff"]`, []byte{0, 0xff}},
		{`["l", [["N"], ["b", false]]]`, []any{nil, false}},
		{`["t", [["i", "0x1"]]]`, value.Tuple{int64(1)}},
		{`["set", [["i", "0x1"]]]`, value.Set{int64(1)}},
		{`["fset", []]`, value.Set{}},
		{`["d", [[["s", "61"], ["l", []]], [["i", "0x2"], ["N"]]]]`, dict("a", []any{}, int64(2), nil)},
	}
	for _, c := range cases {
		got, err := FromTagged(decode(t, c.tagged))
		require.NoError(t, err, c.tagged)
		assert.True(t, value.Equal(c.want, got), "%s: got %#v, want %#v", c.tagged, got, c.want)
		assert.IsType(t, c.want, got, c.tagged)
	}
}

func TestFromTaggedDictHook(t *testing.T) {
	nan := func(d *value.Dict) (any, bool) {
		if s, ok := d.GetString("nan"); ok && s == "yes" {
			return math.NaN(), true
		}
		return nil, false
	}
	never := func(*value.Dict) (any, bool) { return "unused", false }
	raw := decode(t, `["l", [["d", [[["s", "6e616e"], ["s", "796573"]]]], ["d", []]]]`)
	got, err := FromTagged(raw, never, nan)
	require.NoError(t, err)
	l := got.([]any)
	require.Len(t, l, 2)
	f, ok := l[0].(float64)
	require.True(t, ok, "%#v", l[0])
	assert.True(t, math.IsNaN(f))
	assert.True(t, value.Equal(value.NewDict(0), l[1]))

	plain, err := FromTagged(raw)
	require.NoError(t, err)
	assert.IsType(t, &value.Dict{}, plain.([]any)[0])
}

func TestFromTaggedMalformed(t *testing.T) {
	for _, s := range []string{
		`[]`, `"N"`, `null`, `["?"]`, `["b"]`, `["b", "true"]`, `["i", "1.5"]`, `["i"]`, `["f", "x"]`,
		`["c", "0x1p0"]`, `["s", "zz"]`, `["y", "0"]`, `["l"]`, `["l", 3]`, `["t", [["?"]]]`,
		`["d", [[["N"]]]]`, `["d", [3]]`, `["d", [[["N"], ["?"]]]]`, `["set", [[]]]`,
	} {
		_, err := FromTagged(decode(t, s))
		assert.Error(t, err, s)
	}
}

// TestHelperTags runs real Python values through the embedded helper and
// checks FromTagged reads them as the value model expects.
func TestHelperTags(t *testing.T) {
	RequirePython(t)
	payload := `[null, true, -5, 18446744073709551616, 2.5, -0.0, "\u00e9\ud800", {"k": [1e300]}]`
	plain := `{"a": [1, "\u00e9"]}`
	res := Loads(t, "json", []string{hex.EncodeToString([]byte(payload)), hex.EncodeToString([]byte(plain)), hex.EncodeToString([]byte("[1,"))})
	require.Len(t, res, 3)
	require.Empty(t, res[0].Error)
	got, err := FromTagged(res[0].Value)
	require.NoError(t, err)
	want := []any{nil, true, int64(-5), new(big.Int).Lsh(big.NewInt(1), 64), 2.5, math.Copysign(0, -1),
		"\u00e9\xed\xa0\x80", dict("k", []any{1e300})}
	assert.True(t, value.Equal(want, got), FirstDiff(want, got))
	// json.dumps cannot encode the lone surrogate as UTF-8.
	assert.Empty(t, res[0].Redump)
	assert.Contains(t, res[0].RedumpError, "UnicodeEncodeError")
	redump, err := hex.DecodeString(res[1].Redump)
	require.NoError(t, err)
	assert.Equal(t, `{"a": [1, "é"]}`, string(redump))
	assert.Contains(t, res[2].Error, "JSONDecodeError")

	gen := Gen(t, "marshal", 1, 20)
	again := Gen(t, "marshal", 1, 20)
	require.Len(t, gen, 20)
	for i := range gen {
		assert.Equal(t, gen[i].Data, again[i].Data, "same seed, same bytes")
		_, err := FromTagged(gen[i].Value)
		require.NoError(t, err)
	}
}

// TestHelperSerpent: serpent values arrive with decimal int text and are
// written back by serpent.dumps.
func TestHelperSerpent(t *testing.T) {
	RequirePython(t, "serpent")
	src := "(1, set(), {2}, b'x', 1-2j, -" + strings.Repeat("9", 30) + ")"
	res := Loads(t, "serpent", []string{hex.EncodeToString([]byte(src))})
	require.Len(t, res, 1)
	require.Empty(t, res[0].Error)
	got, err := FromTagged(res[0].Value)
	require.NoError(t, err)
	z, _ := new(big.Int).SetString("-"+strings.Repeat("9", 30), 10)
	want := value.Tuple{int64(1), value.Set{}, value.Set{int64(2)}, []byte("x"), complex(1, -2), z}
	assert.True(t, value.Equal(want, got), FirstDiff(want, got))
	redump, err := hex.DecodeString(res[0].Redump)
	require.NoError(t, err)
	assert.Contains(t, string(redump), "-"+strings.Repeat("9", 30), "serpent wrote the value back")
}

func TestFirstDiff(t *testing.T) {
	assert.Empty(t, FirstDiff([]any{int64(1), math.NaN()}, []any{int64(1), math.NaN()}))
	assert.Equal(t, "$[1][0]: got 3, want 2", FirstDiff([]any{int64(1), value.Tuple{int64(2)}}, []any{int64(1), value.Tuple{int64(3)}}))
	assert.Equal(t, "$: length 1, want 2", FirstDiff([]any{nil, nil}, []any{nil}))
	assert.Equal(t, `$["a"]: got "y", want "x"`, FirstDiff(dict("a", "x"), dict("a", "y")))
	assert.Equal(t, `$: key "a" missing`, FirstDiff(dict("a", "x"), dict("b", "x")))
	long := FirstDiff(strings.Repeat("a", 500), "b")
	assert.Less(t, len(long), 450)
	assert.Contains(t, long, "...")
}

// message builds a Pyro4 message around payload (flags 0x02 = compressed).
func message(t *testing.T, payload []byte, compress bool) string {
	t.Helper()
	var flags uint16
	if compress {
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		_, err := w.Write(payload)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		payload, flags = b.Bytes(), 0x02
	}
	ann := []byte("HMAC\x00\x04abcd")
	hdr := make([]byte, 24)
	copy(hdr, "PYRO")
	binary.BigEndian.PutUint16(hdr[4:], 48)
	binary.BigEndian.PutUint16(hdr[8:], flags)
	binary.BigEndian.PutUint32(hdr[12:], uint32(len(payload)))
	binary.BigEndian.PutUint16(hdr[18:], uint16(len(ann)))
	return hex.EncodeToString(append(append(hdr, ann...), payload...))
}

func writeVectors(t *testing.T, vs []Vector) string {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"vectors": vs})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "v.json")
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	return path
}

func TestLoadVectors(t *testing.T) {
	path := writeVectors(t, []Vector{
		{Name: "plain", MessageHex: message(t, []byte("[1, 2]"), false), RawRepr: "[1, 2]"},
		{Name: "zipped", MessageHex: message(t, []byte(`{"a": "b"}`), true), Compressed: true, RawRepr: "{'a': 'b'}"},
	})
	vs, payloads := LoadVectors(t, path)
	require.Len(t, vs, 2)
	assert.Equal(t, "[1, 2]", string(payloads["plain"]))
	assert.Equal(t, `{"a": "b"}`, string(payloads["zipped"]))
}

// fakeTB records how a helper ended the test: Fatal and Skip stop the
// goroutine, as the testing package does.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	failed  string
	skipped string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.failed = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.mu.Lock()
	f.skipped = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Errorf(format string, args ...any) { f.Fatalf(format, args...) }
func (f *fakeTB) FailNow()                          { f.Fatalf("FailNow") }

func run(tb *fakeTB, fn func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(tb)
	}()
	<-done
}

// TestRequireMissingModule: a missing module skips without CI and fails
// with CI set; a present one does neither.
func TestRequireMissingModule(t *testing.T) {
	RequirePython(t)
	missing := func(tb testing.TB) { RequirePython(tb, "flint_no_such_module") }

	t.Setenv("CI", "")
	tb := &fakeTB{TB: t}
	run(tb, missing)
	assert.Empty(t, tb.failed)
	assert.Contains(t, tb.skipped, "flint_no_such_module")

	t.Setenv("CI", "true")
	tb = &fakeTB{TB: t}
	run(tb, missing)
	assert.Empty(t, tb.skipped)
	assert.Contains(t, tb.failed, "CI is set")

	tb = &fakeTB{TB: t}
	run(tb, func(tb testing.TB) { RequirePython(tb, "struct") })
	assert.Empty(t, tb.failed)
	assert.Empty(t, tb.skipped)
}

// TestCheckGolden writes a golden file with update set and checks it back,
// then spoils it and checks the comparison notices.
func TestCheckGolden(t *testing.T) {
	RequirePython(t)
	vecs := writeVectors(t, []Vector{
		{Name: "one", MessageHex: message(t, []byte("x"), false), RawRepr: "(1, 'é', {2.5: [None]}, {3}, frozenset())"},
		{Name: "two", MessageHex: message(t, []byte("y"), false), RawRepr: "[nan, -inf, 2**80]"},
	})
	golden := filepath.Join(t.TempDir(), "golden.json")
	CheckGolden(t, vecs, golden, true)
	CheckGolden(t, vecs, golden, false)

	got := LoadGolden(t, golden)
	require.Len(t, got, 2)
	want := value.Tuple{int64(1), "é", dict(2.5, []any{nil}), value.Set{int64(3)}, value.Set{}}
	assert.True(t, value.Equal(want, got["one"]), FirstDiff(want, got["one"]))

	raw, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(golden, bytes.Replace(raw, []byte(`"0x1"`), []byte(`"0x7"`), 1), 0o644))
	tb := &fakeTB{TB: t}
	run(tb, func(tb testing.TB) { CheckGolden(tb, vecs, golden, false) })
	assert.Contains(t, tb.failed, "one", "a changed golden value is noticed")
}

// TestNotImportedByProduction: only _test.go files import this package.
func TestNotImportedByProduction(t *testing.T) {
	const self = "github.com/flintrpc/flint/internal/pytest"
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return nil // another engineer's file in the middle of an edit
		}
		checked++
		for _, imp := range f.Imports {
			assert.NotEqual(t, strconv.Quote(self), imp.Path.Value, "%s imports the test-support package", path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, checked, 50)
}
