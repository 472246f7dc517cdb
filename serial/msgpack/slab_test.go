package msgpack

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// TestLargeInputStringsAndDicts decodes a payload above smallInput whose
// short strings repeat and collide in the string cache, and whose maps
// share Dict slabs: every value must come back as it went in, and the
// dicts must stay independent.
func TestLargeInputStringsAndDicts(t *testing.T) {
	c := New()
	var items []any
	for i := range 3000 {
		kw := value.NewDict(0)
		if i%3 == 0 {
			kw.Append(fmt.Sprintf("k%d", i%50), "v")
		}
		long := fmt.Sprintf("%040d", i) // longer than cachedStr
		items = append(items, []any{fmt.Sprintf("m%d", i%97), []any{int64(i), "", long}, kw})
	}
	data, err := c.Marshal(nil, items)
	require.NoError(t, err)
	require.Greater(t, len(data), smallInput)
	v, err := c.Unmarshal(data, serial.Limits{})
	require.NoError(t, err)
	require.True(t, value.Equal(items, v))
	got := v.([]any)
	d0 := got[0].([]any)[2].(*value.Dict)
	d1 := got[1].([]any)[2].(*value.Dict)
	d1.Append("x", int64(1))
	d1.Append("y", int64(2))
	require.Equal(t, 1, d0.Len())
	require.Equal(t, 2, d1.Len())
	require.Equal(t, 0, got[2].([]any)[2].(*value.Dict).Len())
}
