package pytest

import (
	"errors"
	"testing"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// CheckVectorsDecode decodes the payload of every vector in vectorFile with
// c (default limits) and checks it equals the value the golden file at
// goldenFile records for that vector, which must exist.
func CheckVectorsDecode(t testing.TB, c serial.Serializer, vectorFile, goldenFile string) {
	t.Helper()
	vectors, payloads := LoadVectors(t, vectorFile)
	golden := LoadGolden(t, goldenFile)
	for _, v := range vectors {
		want, ok := golden[v.Name]
		require.True(t, ok, "no expected value for %s", v.Name)
		got, err := c.Unmarshal(payloads[v.Name], serial.Limits{})
		require.NoError(t, err, v.Name)
		assert.True(t, value.Equal(want, got), "%s:\n got %#v\nwant %#v", v.Name, got, want)
	}
}

// CheckVectorsTruncated cuts the payload of every vector in vectorFile at
// every offset: c must refuse each proper prefix with an error wrapping
// serial.ErrMalformed.
func CheckVectorsTruncated(t testing.TB, c serial.Serializer, vectorFile string) {
	t.Helper()
	vectors, payloads := LoadVectors(t, vectorFile)
	for _, v := range vectors {
		p := payloads[v.Name]
		for i := 0; i < len(p); i++ {
			_, err := c.Unmarshal(p[:i], serial.Limits{})
			require.Error(t, err, "%s cut at %d", v.Name, i)
			require.True(t, errors.Is(err, serial.ErrMalformed), "%s cut at %d: %v", v.Name, i, err)
		}
	}
}
