package secure

import (
	"context"
	"iter"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type counterStream struct{ pulled int }

func (c *counterStream) Count(n int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range n {
			c.pulled++
			if i == 300 {
				yield(0, NewRemoteError("builtins.ValueError", "item 300 is bad"))
				return
			}
			if !yield(i, nil) {
				return
			}
		}
	}
}

// TestStreamBatch checks flint's batched stream reads: items arrive in
// order and complete, an error after some items is delivered after them,
// and without StreamBatch the daemon advances the iterator one item per
// request, as Pyro4 does.
func TestStreamBatch(t *testing.T) {
	d := newTestDaemon(t, insecure())
	cs := &counterStream{}
	uri, err := d.Register(cs, Expose("Count"))
	require.NoError(t, err)
	startDaemon(t, d)
	ctx := context.Background()

	batched, err := NewProxy(uri, ProxyConfig{Policy: insecure(), StreamBatch: 64})
	require.NoError(t, err)
	defer batched.Close()
	var got []int
	var last error
	for v, err := range Stream[int](ctx, batched, "count", 1000) {
		if err != nil {
			last = err
			break
		}
		got = append(got, v)
	}
	require.Len(t, got, 300)
	for i, v := range got {
		require.Equal(t, i, v)
	}
	var re *RemoteError
	require.ErrorAs(t, last, &re)
	assert.Equal(t, "item 300 is bad", re.Message())

	plain, err := NewProxy(uri, ProxyConfig{Policy: insecure()})
	require.NoError(t, err)
	defer plain.Close()
	cs.pulled = 0
	n := 0
	for _, err := range Stream[int](ctx, plain, "count", 1000) {
		require.NoError(t, err)
		if n++; n == 5 {
			break
		}
	}
	assert.LessOrEqual(t, cs.pulled, 6, "one item per request without StreamBatch")
}
