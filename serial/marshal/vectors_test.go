package marshal

import (
	"flag"
	"testing"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors_expected.json with /usr/bin/python3")

const (
	vectorFile = "testdata/marshal.json"
	goldenFile = "testdata/vectors_expected.json"
)

// TestVectorsGolden checks that the committed expected values are what
// Python makes of each vector's payload_raw_repr (or rewrites them with
// -update).
func TestVectorsGolden(t *testing.T) {
	pytest.CheckGolden(t, vectorFile, goldenFile, *update)
}

// TestVectorsDecode decodes every recorded payload and compares it with
// Python's own reading of it.
func TestVectorsDecode(t *testing.T) {
	pytest.CheckVectorsDecode(t, New(), vectorFile, goldenFile)
}

// TestVectorsReencode encodes each decoded payload again. CPython's bytes
// differ from ours only by FLAG_REF bits and back-references (which depend
// on CPython reference counts), interned string codes and set order, so the
// two are compared after normalizing both; the decoded values must match
// exactly.
func TestVectorsReencode(t *testing.T) {
	vectors, payloads := pytest.LoadVectors(t, vectorFile)
	c := New()
	for _, v := range vectors {
		p := payloads[v.Name]
		val, err := c.Unmarshal(p, serial.Limits{})
		require.NoError(t, err, v.Name)
		enc, err := c.Marshal(nil, val)
		require.NoError(t, err, v.Name)
		again, err := c.Unmarshal(enc, serial.Limits{})
		require.NoError(t, err, v.Name)
		assert.True(t, value.Equal(val, again), v.Name)

		normPy, err := normalizeCPython(p)
		require.NoError(t, err, v.Name)
		normGo, err := normalizeCPython(enc)
		require.NoError(t, err, v.Name)
		assert.Equal(t, normPy, normGo, v.Name)
	}
}

// TestVectorsTruncated cuts every payload at every offset: each prefix must
// be refused with ErrMalformed, never accepted and never a panic.
func TestVectorsTruncated(t *testing.T) {
	pytest.CheckVectorsTruncated(t, New(), vectorFile)
}

// TestCallShape decodes a recorded call with serial.DecodeCall.
func TestCallShape(t *testing.T) {
	_, payloads := pytest.LoadVectors(t, vectorFile)
	call, err := serial.DecodeCall(New(), payloads["ns_list_request"], serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, "Pyro.NameServer", call.Object)
	assert.Equal(t, "list", call.Method)
	assert.Empty(t, call.Args)
	prefix, ok := call.Kwargs.GetString("prefix")
	require.True(t, ok)
	assert.Equal(t, "example.", prefix)

	enc, err := serial.EncodeCall(New(), nil, call)
	require.NoError(t, err)
	back, err := serial.DecodeCall(New(), enc, serial.Limits{})
	require.NoError(t, err)
	assert.True(t, value.Equal(call.Kwargs, back.Kwargs))
	assert.Equal(t, call.Object, back.Object)
}
