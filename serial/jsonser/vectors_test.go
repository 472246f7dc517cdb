package jsonser

import (
	"flag"
	"testing"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors_expected.json with /usr/bin/python3")

const (
	vectorFile = "testdata/json.json"
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

// TestVectorsReencode encodes each decoded payload again: the result must
// be the payload Pyro4 wrote, byte for byte (JSON has no sets, so Python's
// output is deterministic).
func TestVectorsReencode(t *testing.T) {
	vectors, payloads := pytest.LoadVectors(t, vectorFile)
	c := New()
	for _, v := range vectors {
		p := payloads[v.Name]
		val, err := c.Unmarshal(p, serial.Limits{})
		require.NoError(t, err, v.Name)
		enc, err := c.Marshal(nil, val)
		require.NoError(t, err, v.Name)
		assert.Equal(t, string(p), string(enc), v.Name)
	}
}

// TestVectorsTruncated cuts every payload at every offset: each prefix must
// be refused with ErrMalformed, never accepted and never a panic.
func TestVectorsTruncated(t *testing.T) {
	pytest.CheckVectorsTruncated(t, New(), vectorFile)
}

// TestCallShape decodes a recorded call with serial.DecodeCall and
// encodes it back with serial.EncodeCall to the same bytes.
func TestCallShape(t *testing.T) {
	_, payloads := pytest.LoadVectors(t, vectorFile)
	p := payloads["ns_list_request"]
	call, err := serial.DecodeCall(New(), p, serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, "Pyro.NameServer", call.Object)
	assert.Equal(t, "list", call.Method)
	assert.Empty(t, call.Args)
	prefix, ok := call.Kwargs.GetString("prefix")
	require.True(t, ok)
	assert.Equal(t, "example.", prefix)

	enc, err := serial.EncodeCall(New(), nil, call)
	require.NoError(t, err)
	assert.Equal(t, string(p), string(enc))
}
