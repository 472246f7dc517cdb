package msgpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// diff describes the first difference between want and got, or returns ""
// when they are value.Equal and their dicts have the same item order (the
// codec promises to keep wire order).
func diff(want, got any) string {
	return diffAt("value", want, got)
}

func diffAt(path string, want, got any) string {
	switch w := want.(type) {
	case *value.Dict:
		g, ok := got.(*value.Dict)
		if !ok || w.Len() != g.Len() {
			return fmt.Sprintf("%s: want dict of %d, got %T %v", path, w.Len(), got, shortValue(got))
		}
		for i := range w.Items {
			p := fmt.Sprintf("%s.items[%d]", path, i)
			if d := diffAt(p+".key", w.Items[i].Key, g.Items[i].Key); d != "" {
				return d
			}
			if d := diffAt(p+".value", w.Items[i].Value, g.Items[i].Value); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: want list, got %T %v", path, got, shortValue(got))
		}
		return diffSeq(path, w, g)
	case value.Tuple:
		g, ok := got.(value.Tuple)
		if !ok {
			return fmt.Sprintf("%s: want tuple, got %T %v", path, got, shortValue(got))
		}
		return diffSeq(path, w, g)
	}
	if !value.Equal(want, got) {
		return fmt.Sprintf("%s: want %T %v, got %T %v", path, want, shortValue(want), got, shortValue(got))
	}
	return ""
}

func diffSeq(path string, w, g []any) string {
	if len(w) != len(g) {
		return fmt.Sprintf("%s: want %d items, got %d", path, len(w), len(g))
	}
	for i := range w {
		if d := diffAt(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
			return d
		}
	}
	return ""
}

func shortValue(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

type expectedVector struct {
	Name     string          `json:"name"`
	Expected json.RawMessage `json:"expected"`
}

func loadExpected(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors_expected.json")
	require.NoError(t, err)
	var list []expectedVector
	require.NoError(t, json.Unmarshal(raw, &list))
	out := make(map[string]any, len(list))
	for _, e := range list {
		v, err := fromTagged(e.Expected)
		require.NoError(t, err, e.Name)
		out[e.Name] = v
	}
	return out
}

// TestVectors decodes every recorded Pyro4 msgpack payload, compares it with
// what Python's eval of payload_raw_repr (plus Pyro4's ext_hook) gives, and
// re-encodes it byte for byte.
func TestVectors(t *testing.T) {
	c := New()
	expected := loadExpected(t)
	vecs := loadVectors(t)
	require.Len(t, expected, len(vecs))
	compressed := 0
	for _, vec := range vecs {
		t.Run(vec.Name, func(t *testing.T) {
			p, wasCompressed := vec.payload(t)
			if wasCompressed {
				compressed++
				require.Equal(t, vec.PayloadHex, hex.EncodeToString(p), "inflated payload")
			}
			got, err := c.Unmarshal(p, serial.Limits{})
			require.NoError(t, err)
			want, ok := expected[vec.Name]
			require.True(t, ok, "no expected value")
			require.Empty(t, diff(want, got))

			enc, err := c.Marshal(nil, got)
			require.NoError(t, err)
			require.Equal(t, hex.EncodeToString(p), hex.EncodeToString(enc), "re-encoding differs")
		})
	}
	require.Positive(t, compressed, "the vectors include compressed payloads")
}

// TestVectorsExpectedFresh checks that testdata/vectors_expected.json is
// what testdata/pyvalues.py makes of testdata/msgpack.json today.
func TestVectorsExpectedFresh(t *testing.T) {
	needPython(t)
	var fresh []expectedVector
	runPython(t, nil, &fresh, "vectors", "testdata/msgpack.json")
	raw, err := os.ReadFile("testdata/vectors_expected.json")
	require.NoError(t, err)
	var committed []expectedVector
	require.NoError(t, json.Unmarshal(raw, &committed))
	require.Len(t, fresh, len(committed))
	for i := range fresh {
		assert.Equal(t, fresh[i].Name, committed[i].Name)
		assert.JSONEq(t, string(fresh[i].Expected), string(committed[i].Expected), fresh[i].Name)
	}
	shared, err := os.ReadFile("/work/shared/vectors/msgpack.json")
	if err == nil {
		own, err := os.ReadFile("testdata/msgpack.json")
		require.NoError(t, err)
		assert.True(t, bytes.Equal(shared, own), "testdata/msgpack.json differs from shared/vectors/msgpack.json")
	}
}

// TestTruncation cuts every vector payload at every offset: each prefix must
// be rejected as malformed, never accepted and never a panic.
func TestTruncation(t *testing.T) {
	c := New()
	for _, vec := range loadVectors(t) {
		p, _ := vec.payload(t)
		for i := range len(p) {
			_, err := c.Unmarshal(p[:i], serial.Limits{})
			if !errors.Is(err, serial.ErrMalformed) {
				t.Fatalf("%s cut at %d/%d: err = %v, want ErrMalformed", vec.Name, i, len(p), err)
			}
		}
	}
}
