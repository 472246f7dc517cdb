package msgpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// sameOrdered is value.Equal that also requires dict items in the same
// order, since the codec promises to keep wire order.
func sameOrdered(a, b any) bool {
	switch x := a.(type) {
	case *value.Dict:
		y, ok := b.(*value.Dict)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i := range x.Items {
			if !sameOrdered(x.Items[i].Key, y.Items[i].Key) || !sameOrdered(x.Items[i].Value, y.Items[i].Value) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		return ok && sameSeq(x, y)
	case value.Tuple:
		y, ok := b.(value.Tuple)
		return ok && sameSeq(x, y)
	}
	return value.Equal(a, b)
}

func sameSeq(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameOrdered(a[i], b[i]) {
			return false
		}
	}
	return true
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
			require.Truef(t, sameOrdered(want, got), "decoded %#v\nwant %#v", got, want)

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
