package secure

import (
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/policy"
)

type counter struct{}

// Count yields 0, 1, 2, ... up to n-1.
func (counter) Count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

func counterDaemon(t *testing.T, pol *policy.Policy) (*Daemon, URI) {
	d, _ := callsDaemon(t, pol)
	uri, err := d.Register(counter{}, Expose("Count"))
	require.NoError(t, err)
	startDaemon(t, d)
	return d, uri
}

func openIterator(t *testing.T, p *Proxy, n int) (*RemoteIterator, error) {
	t.Helper()
	v, err := p.Call(ctxT(t), "count", n)
	if err != nil {
		return nil, err
	}
	it, ok := v.(*RemoteIterator)
	require.True(t, ok, "count returned %T", v)
	return it, nil
}

// TestCallsTooManyStreams opens more remote iterators on one connection
// than Limits.MaxStreamsPerConn allows: the one too many gets a clear
// error, other connections are not affected, and closing one makes room.
func TestCallsTooManyStreams(t *testing.T) {
	pol := insecure()
	pol.Limits.MaxStreamsPerConn = 5
	_, uri := counterDaemon(t, pol)
	p := callsProxy(t, uri, ProxyConfig{})
	var its []*RemoteIterator
	for range 5 {
		it, err := openIterator(t, p, 100)
		require.NoError(t, err)
		its = append(its, it)
	}
	_, err := openIterator(t, p, 100)
	require.Error(t, err)
	require.ErrorIs(t, err, ErrPyro)
	assert.Contains(t, err.Error(), "too many open item streams on this connection (limit 5)")

	// Another connection has its own budget.
	other := callsProxy(t, uri, ProxyConfig{})
	it, err := openIterator(t, other, 3)
	require.NoError(t, err)
	n := 0
	for _, err := range it.All(ctxT(t)) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 3, n)

	// The open ones still work; closing one makes room for another.
	v, ok, err := its[4].Next(ctxT(t))
	require.NoError(t, err)
	require.True(t, ok)
	assert.EqualValues(t, 0, v)
	require.NoError(t, its[0].Close())
	// close_stream is a oneway call: the slot frees once the daemon ran it.
	require.Eventually(t, func() bool {
		it, err = openIterator(t, p, 2)
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	v, ok, err = it.Next(ctxT(t))
	require.NoError(t, err)
	require.True(t, ok)
	assert.EqualValues(t, 0, v)

	// An exhausted iterator frees its slot too.
	for _, err := range its[1].All(ctxT(t)) {
		require.NoError(t, err)
	}
	_, err = openIterator(t, p, 2)
	require.NoError(t, err)
}

// TestCallsTooManyStreamsDefault checks the default limit.
func TestCallsTooManyStreamsDefault(t *testing.T) {
	_, uri := counterDaemon(t, nil)
	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	for range policy.DefaultMaxStreamsPerConn {
		_, err := openIterator(t, p, 10)
		require.NoError(t, err)
	}
	_, err := openIterator(t, p, 10)
	require.ErrorContains(t, err, "too many open item streams")
}

// TestCallsStreamOtherConnectionRefused reads and closes a stream by its id
// from another connection: the daemon answers as if it did not exist, and
// the owner's stream is untouched.
func TestCallsStreamOtherConnectionRefused(t *testing.T) {
	d, uri := counterDaemon(t, nil)
	owner := callsProxy(t, uri, ProxyConfig{})
	it, err := openIterator(t, owner, 5)
	require.NoError(t, err)
	v, ok, err := it.Next(ctxT(t))
	require.NoError(t, err)
	require.True(t, ok)
	assert.EqualValues(t, 0, v)

	thief := callsProxy(t, d.URIFor(DaemonObjectID), ProxyConfig{})
	_, err = thief.Call(ctxT(t), "get_next_stream_item", it.id)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "item stream terminated")
	_, err = thief.Call(ctxT(t), "close_stream", it.id)
	require.NoError(t, err) // Pyro4 answers None either way
	_, err = thief.Call(ctxT(t), "get_next_stream_item", it.id)
	assert.ErrorContains(t, err, "item stream terminated")

	var rest []int64
	for v, err := range it.All(ctxT(t)) {
		require.NoError(t, err)
		rest = append(rest, v.(int64))
	}
	assert.Equal(t, []int64{1, 2, 3, 4}, rest, "the owner's stream lost items")
	// Once exhausted it is gone for the owner too.
	_, err = owner.Call(ctxT(t), "count", 1) // the connection is fine
	require.NoError(t, err)
}
