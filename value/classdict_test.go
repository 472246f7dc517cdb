package value

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyRepr renders a model value as Python's repr() does, which is the form of
// the vectors' payload_raw_repr field. It covers what exception payloads
// hold; sets are not printed sorted.
func pyRepr(v any) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	seq := func(open, close string, items []any) {
		b.WriteString(open)
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, it)
		}
		b.WriteString(close)
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		b.Write(AppendFloatRepr(nil, x))
	case string:
		b.WriteString(pyStrRepr(x))
	case []any:
		seq("[", "]", x)
	case Tuple:
		if len(x) == 1 {
			seq("(", ",)", x)
		} else {
			seq("(", ")", x)
		}
	case Set:
		if len(x) == 0 {
			b.WriteString("set()")
		} else {
			seq("{", "}", x)
		}
	case *Dict:
		b.WriteString("{")
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, it.Key)
			b.WriteString(": ")
			writeRepr(b, it.Value)
		}
		b.WriteString("}")
	default:
		panic("pyRepr: unsupported " + PyTypeName(v))
	}
}

// pyStrRepr quotes s as Python's str.__repr__ does.
func pyStrRepr(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)+0x100, 16)[1:])
		case r > 0x7f && !unicode.IsPrint(r):
			b.WriteString(strconv.QuoteRuneToASCII(r)[1 : len(strconv.QuoteRuneToASCII(r))-1])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func TestPyRepr(t *testing.T) {
	// The helper itself, against strings Python printed (see the vectors).
	assert.Equal(t, `'héllo wörld ☃ 𝄞 \'q\' "dq" \\ \n\t'`, pyStrRepr("héllo wörld ☃ 𝄞 'q' \"dq\" \\ \n\t"))
	assert.Equal(t, `"ValueError: ('vector failure', 42)\n"`, pyStrRepr("ValueError: ('vector failure', 42)\n"))
	assert.Equal(t, `[(1,), {}, ('two',), ()]`, pyRepr([]any{Tuple{int64(1)}, &Dict{}, Tuple{"two"}, Tuple{}}))
}

// The traceback lines of the recorded vectors, typed in from their
// payload_raw_repr.
var (
	vectorTracebackCall = []string{
		"Traceback (most recent call last):\n",
		"  File \"/usr/lib/python3/dist-packages/Pyro4/core.py\", line 1424, in handleRequest\n    data = method(*vargs, **kwargs)  # this is the actual method call to the Pyro object\n           ^^^^^^^^^^^^^^^^^^^^^^^^\n",
		"  File \"gen_vectors.py\", line 128, in fail\n    raise e\n",
		"ValueError: ('vector failure', 42)\n",
	}
	vectorTracebackBatch = []string{
		"Traceback (most recent call last):\n",
		"  File \"/usr/lib/python3/dist-packages/Pyro4/core.py\", line 1397, in handleRequest\n    result = method(*vargs, **kwargs)  # this is the actual method call to the Pyro object\n             ^^^^^^^^^^^^^^^^^^^^^^^^\n",
		"  File \"gen_vectors.py\", line 128, in fail\n    raise e\n",
		"ValueError: ('vector failure', 42)\n",
	}
)

func strList(lines []string) []any {
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out
}

// vectorExceptionDict is the result_exception payload as serpent decodes it,
// built by hand; json and msgpack send the args as a list instead.
func vectorExceptionDict(tb []string, argsAsList bool) *Dict {
	var args any = Tuple{"vector failure", int64(42)}
	if argsAsList {
		args = []any{"vector failure", int64(42)}
	}
	return dictOf(
		"__class__", "builtins.ValueError",
		"__exception__", true,
		"args", args,
		"attributes", dictOf(
			"detail", "custom attribute",
			"_pyroTraceback", strList(tb),
		),
	)
}

// vectorsDir finds shared/vectors: ../../shared/vectors from the package
// directory (the layout of the workspace and CI), else $FLINT_VECTORS.
func vectorsDir(t *testing.T) string {
	t.Helper()
	rel := filepath.Join("..", "..", "shared", "vectors")
	if _, err := os.Stat(filepath.Join(rel, "serpent.json")); err == nil {
		return rel
	}
	if env := os.Getenv("FLINT_VECTORS"); env != "" {
		return env
	}
	t.Fatalf("test vectors not found at %s and FLINT_VECTORS is not set", rel)
	return ""
}

// rawRepr returns payload_raw_repr of the named vector in file.
func rawRepr(t *testing.T, file, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir(t), file))
	require.NoError(t, err)
	var f struct {
		Vectors []struct {
			Name    string `json:"name"`
			RawRepr string `json:"payload_raw_repr"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	for _, v := range f.Vectors {
		if v.Name == name {
			return v.RawRepr
		}
	}
	t.Fatalf("%s: no vector %q", file, name)
	return ""
}

func TestExceptionVector(t *testing.T) {
	for _, file := range []string{"serpent.json", "json.json", "msgpack.json", "marshal.json"} {
		t.Run(file, func(t *testing.T) {
			asList := file == "json.json" || file == "msgpack.json"
			wire := vectorExceptionDict(vectorTracebackCall, asList)
			require.Equal(t, rawRepr(t, file, "result_exception"), pyRepr(wire), "hand-built dict matches the vector")

			e, ok := ParseException(wire)
			require.True(t, ok)
			assert.Equal(t, "builtins.ValueError", e.Class)
			assert.Equal(t, []any{"vector failure", int64(42)}, e.Args)
			assert.Equal(t, vectorTracebackCall, e.Traceback)
			require.NotNil(t, e.Attributes)
			assert.Equal(t, []Item{{Key: "detail", Value: "custom attribute"}}, e.Attributes.Items)

			// Value rebuilds what Pyro4 sends, key order included (args as a
			// tuple, which the list-based serializers turn into a list).
			assert.Equal(t, rawRepr(t, "serpent.json", "result_exception"), pyRepr(e.Value()))
			assert.True(t, Equal(vectorExceptionDict(vectorTracebackCall, false), e.Value()))
		})
	}
}

func TestExceptionStreamStartVector(t *testing.T) {
	e := &Exception{Class: "Pyro4.errors.ProtocolError", Args: []any{"result of call is an iterator"}}
	require.Equal(t, rawRepr(t, "serpent.json", "stream_start_result"), pyRepr(e.Value()))
	require.Equal(t, rawRepr(t, "marshal.json", "stream_start_result"), pyRepr(e.Value()))

	back, ok := ParseException(e.Value())
	require.True(t, ok)
	assert.Nil(t, back.Traceback)
	assert.Nil(t, back.Attributes)
	assert.Equal(t, e, back)
}

func TestExceptionWrapperVector(t *testing.T) {
	e := &Exception{
		Class:      "builtins.ValueError",
		Args:       []any{"vector failure", int64(42)},
		Attributes: dictOf("detail", "custom attribute"),
		Traceback:  vectorTracebackBatch,
	}
	batch := []any{
		[]any{Tuple{int64(1)}, &Dict{}},
		[]any{Tuple{"two"}, dictOf("k", int64(3))},
		ExceptionWrapperValue(e),
	}
	require.Equal(t, rawRepr(t, "serpent.json", "batch_result"), pyRepr(batch))

	got, ok := ParseExceptionWrapper(batch[2])
	require.True(t, ok)
	assert.Equal(t, e, got)
	_, ok = ParseExceptionWrapper(batch[0])
	assert.False(t, ok)
	_, ok = ParseException(batch[2])
	assert.False(t, ok, "the wrapper itself is not an exception")
	name, ok := ClassName(batch[2])
	require.True(t, ok)
	assert.Equal(t, ExceptionWrapperClass, name)
	assert.NoError(t, CheckClassName(name))

	// json/msgpack form: lists instead of tuples.
	jsonWrapper := dictOf("__class__", ExceptionWrapperClass, "exception", vectorExceptionDict(vectorTracebackBatch, true))
	got, ok = ParseExceptionWrapper(jsonWrapper)
	require.True(t, ok)
	assert.Equal(t, e, got)
	jsonBatch := []any{[]any{[]any{int64(1)}, &Dict{}}, []any{[]any{"two"}, dictOf("k", int64(3))}, jsonWrapper}
	require.Equal(t, rawRepr(t, "json.json", "batch_result"), pyRepr(jsonBatch))
}

func TestParseExceptionRejects(t *testing.T) {
	good := func() *Dict { return vectorExceptionDict(nil, false) }
	cases := map[string]any{
		"not a dict":        Tuple{"x"},
		"nil dict":          (*Dict)(nil),
		"no class":          dictOf("__exception__", true, "args", Tuple{}),
		"class not str":     dictOf("__class__", int64(1), "__exception__", true, "args", Tuple{}),
		"no exception flag": dictOf("__class__", "builtins.ValueError", "args", Tuple{}),
		"flag false":        dictOf("__class__", "builtins.ValueError", "__exception__", false, "args", Tuple{}),
		"flag int":          dictOf("__class__", "builtins.ValueError", "__exception__", int64(1), "args", Tuple{}),
		"no args":           dictOf("__class__", "builtins.ValueError", "__exception__", true),
		"args str":          dictOf("__class__", "builtins.ValueError", "__exception__", true, "args", "x"),
		"attributes list":   dictOf("__class__", "builtins.ValueError", "__exception__", true, "args", Tuple{}, "attributes", []any{}),
	}
	for name, v := range cases {
		_, ok := ParseException(v)
		assert.False(t, ok, name)
	}
	_, ok := ParseException(good())
	assert.True(t, ok)

	// Lenient parts: no attributes; odd tracebacks.
	e, ok := ParseException(dictOf("__class__", "x.E", "__exception__", true, "args", []any{}))
	require.True(t, ok)
	assert.Equal(t, &Exception{Class: "x.E", Args: []any{}}, e)
	e, ok = ParseException(dictOf("__class__", []byte("x.E"), "__exception__", true, "args", Tuple{}, "attributes",
		dictOf("_pyroTraceback", "one line", int64(5), "int key")))
	require.True(t, ok)
	assert.Equal(t, "x.E", e.Class)
	assert.Equal(t, []string{"one line"}, e.Traceback)
	assert.Equal(t, []Item{{Key: int64(5), Value: "int key"}}, e.Attributes.Items)
	e, ok = ParseException(dictOf("__class__", "x.E", "__exception__", true, "args", Tuple{}, "attributes",
		dictOf("_pyroTraceback", Tuple{"a", int64(1), "b"})))
	require.True(t, ok)
	assert.Equal(t, []string{"a", "b"}, e.Traceback)
	e, ok = ParseException(dictOf("__class__", "x.E", "__exception__", true, "args", Tuple{}, "attributes",
		dictOf("_pyroTraceback", int64(3))))
	require.True(t, ok)
	assert.Nil(t, e.Traceback)

	// Parsed args do not alias the wire tuple.
	wire := good()
	e, ok = ParseException(wire)
	require.True(t, ok)
	e.Args[0] = "changed"
	args, _ := wire.GetString("args")
	assert.Equal(t, "vector failure", args.(Tuple)[0])
}

func TestExceptionValue(t *testing.T) {
	// A traceback key in Attributes is not duplicated; Traceback wins.
	e := &Exception{
		Class:      "builtins.KeyError",
		Attributes: dictOf("_pyroTraceback", []any{"stale"}, "code", int64(7)),
		Traceback:  []string{"line\n"},
	}
	want := `{'__class__': 'builtins.KeyError', '__exception__': True, 'args': (), 'attributes': {'code': 7, '_pyroTraceback': ['line\n']}}`
	assert.Equal(t, want, pyRepr(e.Value()))
	assert.Equal(t, `{'__class__': 'Pyro4.futures._ExceptionWrapper', 'exception': `+want+`}`, pyRepr(ExceptionWrapperValue(e)))

	back, ok := ParseException(e.Value())
	require.True(t, ok)
	assert.Equal(t, []string{"line\n"}, back.Traceback)
	assert.Equal(t, []Item{{Key: "code", Value: int64(7)}}, back.Attributes.Items)
	assert.Equal(t, []any{}, back.Args)
}

func TestClassNameAndCheck(t *testing.T) {
	name, ok := ClassName(dictOf("__class__", "Pyro4.core.URI", "state", Tuple{}))
	require.True(t, ok)
	assert.Equal(t, "Pyro4.core.URI", name)
	for _, v := range []any{nil, "x", dictOf("class", "x"), dictOf("__class__", nil), (*Dict)(nil)} {
		_, ok := ClassName(v)
		assert.False(t, ok, "%#v", v)
	}

	for _, bad := range []string{"os.__builtins__", "__main__.Evil", "x__y", "__"} {
		err := CheckClassName(bad)
		require.ErrorIs(t, err, ErrUnsafeClass, bad)
		assert.Contains(t, err.Error(), strconv.Quote(bad))
	}
	for _, good := range []string{"builtins.ValueError", "Pyro4.futures._ExceptionWrapper", "a_b._c", ""} {
		assert.NoError(t, CheckClassName(good), good)
	}
}

func TestBytesFromBase64Dict(t *testing.T) {
	b, ok := BytesFromBase64Dict(base64Dict("AAH/Ynl0ZXM="))
	require.True(t, ok)
	assert.Equal(t, []byte("\x00\x01\xffbytes"), b)
	b, ok = BytesFromBase64Dict(base64Dict(""))
	require.True(t, ok)
	assert.Empty(t, b)
	// Key order and extra keys do not matter (serpent.tobytes looks up the
	// two keys).
	b, ok = BytesFromBase64Dict(dictOf("encoding", "base64", "data", "eA==", "other", int64(1)))
	require.True(t, ok)
	assert.Equal(t, []byte("x"), b)

	for name, v := range map[string]any{
		"bytes":        []byte("x"),
		"nil":          nil,
		"no data":      dictOf("encoding", "base64"),
		"data not str": dictOf("data", []byte("eA=="), "encoding", "base64"),
		"wrong enc":    dictOf("data", "eA==", "encoding", "utf-8"),
		"no enc":       dictOf("data", "eA=="),
		"bad base64":   base64Dict("e==A"),
		"nil dict":     (*Dict)(nil),
	} {
		_, ok := BytesFromBase64Dict(v)
		assert.False(t, ok, name)
	}
}
