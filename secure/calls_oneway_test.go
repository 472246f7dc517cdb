package secure

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/policy"
)

// onewaySink counts oneway work and how much of it ran at once, in total
// and per connection.
type onewaySink struct {
	hold    time.Duration
	failMod int

	running, peak, done atomic.Int64
	mu                  sync.Mutex
	perConn             map[*SessionData]int
	peakConn            int
}

func peakOf(p *atomic.Int64, v int64) {
	for {
		old := p.Load()
		if v <= old || p.CompareAndSwap(old, v) {
			return
		}
	}
}

// Work holds a slot for a moment; every failMod-th call fails.
func (s *onewaySink) Work(ctx context.Context, n int) error {
	ci, _ := CallInfoFrom(ctx)
	s.mu.Lock()
	s.perConn[ci.Session]++
	s.peakConn = max(s.peakConn, s.perConn[ci.Session])
	s.mu.Unlock()
	peakOf(&s.peak, s.running.Add(1))
	time.Sleep(s.hold)
	s.running.Add(-1)
	s.mu.Lock()
	s.perConn[ci.Session]--
	s.mu.Unlock()
	s.done.Add(1)
	if s.failMod > 0 && n%s.failMod == s.failMod-1 {
		return fmt.Errorf("oneway work %d failed on purpose", n)
	}
	return nil
}

func registerSink(t *testing.T, d *Daemon, s *onewaySink) URI {
	s.perConn = map[*SessionData]int{}
	uri, err := d.Register(s, Expose("Work"), Oneway("work"))
	require.NoError(t, err)
	return uri
}

// TestCallsOnewayFlood sends thousands of oneway calls on one connection:
// all of them run, never more than Limits.MaxOnewayPerConn at once, and
// the failures are logged by the daemon (the caller cannot be told).
func TestCallsOnewayFlood(t *testing.T) {
	const n = 3000
	d, lg := callsDaemon(t, nil)
	sink := &onewaySink{hold: 200 * time.Microsecond, failMod: 100}
	uri := registerSink(t, d, sink)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	ctx := ctxT(t)
	start := time.Now()
	for i := range n {
		// work is declared oneway: Call returns without waiting.
		v, err := p.Call(ctx, "work", i)
		require.NoError(t, err)
		require.Nil(t, v)
	}
	require.Eventually(t, func() bool { return sink.done.Load() == n }, 20*time.Second, 5*time.Millisecond,
		"%d of %d oneway calls ran", sink.done.Load(), n)
	t.Logf("%d oneway calls completed in %s, peak concurrency %d", n, time.Since(start), sink.peak.Load())
	assert.LessOrEqual(t, sink.peak.Load(), int64(policy.DefaultMaxOnewayPerConn))
	assert.Greater(t, sink.peak.Load(), int64(1), "oneway calls should overlap")
	require.Eventually(t, func() bool { return strings.Count(lg.String(), "oneway call failed") == n/100 }, 5*time.Second, 5*time.Millisecond)
	assert.Contains(t, lg.String(), "failed on purpose")
	// The connection still takes more.
	require.NoError(t, p.Oneway(ctx, "work", 1))
	require.Eventually(t, func() bool { return sink.done.Load() == n+1 }, 5*time.Second, time.Millisecond)
}

// TestCallsShutdownWhileCallsArrive closes a daemon while a client keeps
// sending oneway calls: the shutdown must not race with calls still being
// admitted (under -race this once reported a WaitGroup misuse).
func TestCallsShutdownWhileCallsArrive(t *testing.T) {
	for range 20 {
		d, _ := callsDaemon(t, nil)
		sink := &onewaySink{}
		uri := registerSink(t, d, sink)
		done := make(chan error, 1)
		go func() { done <- d.Serve(context.Background()) }()
		p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
		stop := make(chan struct{})
		sent := make(chan struct{})
		go func() {
			defer close(sent)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if p.Oneway(context.Background(), "work", i) != nil {
					return
				}
			}
		}()
		// Serve must be running before Close (a Serve that starts after
		// Close returns ErrClosed): wait until calls are being served.
		require.Eventually(t, func() bool { return sink.done.Load() > 0 }, 10*time.Second, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		require.NoError(t, d.Close())
		close(stop)
		<-sent
		require.NoError(t, <-done)
		p.Close()
	}
}

// TestCallsOnewayBoundedAcrossConnections floods from several connections
// with small limits: per connection and daemon-wide bounds both hold, and
// everything completes.
func TestCallsOnewayBoundedAcrossConnections(t *testing.T) {
	const conns, per = 4, 300
	pol := insecure()
	pol.Limits.MaxOnewayPerConn = 4
	pol.Limits.MaxOnewayTotal = 6
	d, _ := callsDaemon(t, pol)
	sink := &onewaySink{hold: time.Millisecond}
	uri := registerSink(t, d, sink)
	startDaemon(t, d)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for range conns {
		p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
		wg.Go(func() {
			for i := range per {
				if err := p.Oneway(ctx, "work", i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool { return sink.done.Load() == conns*per }, 20*time.Second, 5*time.Millisecond)
	sink.mu.Lock()
	peakConn := sink.peakConn
	sink.mu.Unlock()
	t.Logf("peak %d in total, %d on one connection", sink.peak.Load(), peakConn)
	assert.LessOrEqual(t, sink.peak.Load(), int64(6), "MaxOnewayTotal")
	assert.LessOrEqual(t, peakConn, 4, "MaxOnewayPerConn")
	assert.Greater(t, sink.peak.Load(), int64(peakConn), "several connections' work should overlap")
}
