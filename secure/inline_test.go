package secure

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// latch holds Wait calls until Release is called.
type latch struct {
	open    chan struct{}
	once    sync.Once
	waiting atomic.Int32
}

func newLatch() *latch { return &latch{open: make(chan struct{})} }

// Wait returns when Release was called or ctx ends.
func (l *latch) Wait(ctx context.Context) error {
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	select {
	case <-l.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release lets every Wait return.
func (l *latch) Release() { l.once.Do(func() { close(l.open) }) }

func latchDaemon(t *testing.T) (*Daemon, *latch, *Proxy) {
	t.Helper()
	d, _ := callsDaemon(t, nil)
	l := newLatch()
	uri, err := d.Register(l, Expose("Wait", "Release"))
	require.NoError(t, err)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	require.NoError(t, p.Connect(ctxT(t)))
	return d, l, p
}

func onlyConn(t *testing.T, d *Daemon) *serverConn {
	t.Helper()
	d.mu.RLock()
	defer d.mu.RUnlock()
	require.Len(t, d.conns, 1)
	for sc := range d.conns {
		return sc
	}
	return nil
}

// TestInlineCallWaitsForPipelinedCall: a lone call runs on the goroutine
// that read it; when it waits for a call that the same proxy pipelines
// behind it, the inline monitor hands reading to a new goroutine, both
// calls end, and the connection's calls go to workers from then on.
func TestInlineCallWaitsForPipelinedCall(t *testing.T) {
	d, l, p := latchDaemon(t)
	ctx := ctxT(t)
	sc := onlyConn(t, d)
	assert.False(t, sc.pipelined.Load(), "a connected proxy has not pipelined yet")

	f := p.Go(ctx, "wait")
	require.Eventually(t, func() bool { return l.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	assert.True(t, sc.inline.Load()&inlineRunning != 0, "the lone call runs inline")
	assert.True(t, d.mon.on.Load(), "an inline call runs: the monitor ticks")

	start := time.Now()
	_, err := p.Call(ctx, "release")
	require.NoError(t, err, "the pipelined call is read although the inline call blocks")
	assert.Less(t, time.Since(start), time.Second, "read within a few monitor ticks")
	_, err = f.Result(ctx)
	require.NoError(t, err)
	assert.True(t, sc.pipelined.Load(), "the connection is known to pipeline")
	assert.Equal(t, 1, d.Connections())

	// Calls go on over the same connection; the monitor stops when idle.
	_, err = p.Call(ctx, "wait")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !d.mon.on.Load() }, 10*time.Second, 10*time.Millisecond,
		"the monitor stops after its idle ticks")
}

// TestInlineSequentialCallsStayInline: a client that waits for each reply
// (as Pyro4's proxies do) never counts as pipelining, and none of its
// short calls is taken over.
func TestInlineSequentialCallsStayInline(t *testing.T) {
	d, l, p := latchDaemon(t)
	l.Release()
	ctx := ctxT(t)
	for range 200 {
		_, err := p.Call(ctx, "wait")
		require.NoError(t, err)
	}
	sc := onlyConn(t, d)
	assert.False(t, sc.pipelined.Load())
	assert.Equal(t, int32(0), sc.taken.Load())
}

// TestInlineTakenOverCallEndsOnClose: closing the daemon while a
// taken-over call still runs cancels it, and every goroutine ends (the
// package's leak check runs after the tests).
func TestInlineTakenOverCallEndsOnClose(t *testing.T) {
	d, l, p := latchDaemon(t)
	ctx := ctxT(t)
	sc := onlyConn(t, d)
	f := p.Go(ctx, "wait")
	require.Eventually(t, func() bool { return sc.taken.Load() == 1 }, 5*time.Second, time.Millisecond,
		"the monitor takes the reader role from a long call")
	assert.Equal(t, int32(1), l.waiting.Load())
	require.NoError(t, d.Close())
	_, err := f.Result(ctx)
	require.Error(t, err, "the call was cancelled by Close")
	assert.Equal(t, int32(0), sc.taken.Load())
	assert.False(t, d.mon.on.Load(), "the monitor ended with the daemon")
}

// TestInlineLongCallFromSequentialClient: a long call from a client that
// waits for each reply is taken over by the monitor, and the calls after
// it are served on the same connection. (The client's next call can reach
// the new reader in the microseconds between the old call's reply and its
// goroutine recording that the call ended, as it does under the race
// detector; the connection then counts as pipelining, which costs only
// the worker hand-off, so the test does not assert the mode.)
func TestInlineLongCallFromSequentialClient(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	uri, err := d.Register(slowEcho{}, Expose("Slow", "Echo"))
	require.NoError(t, err)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	ctx := ctxT(t)
	require.NoError(t, p.Connect(ctx))
	sc := onlyConn(t, d)
	gen0 := sc.inline.Load() >> 1
	s, err := Call[string](ctx, p, "slow", 0.1, "long")
	require.NoError(t, err)
	assert.Equal(t, "long", s)
	assert.Greater(t, sc.inline.Load()>>1, gen0, "the long call was taken over")
	for range 20 {
		_, err := Call[string](ctx, p, "echo", "next")
		require.NoError(t, err)
	}
	assert.Equal(t, int32(0), sc.taken.Load(), "the taken-over call has ended")
	assert.Equal(t, 1, d.Connections())
}
