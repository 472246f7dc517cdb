package secure

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowEchoProxy serves slowEcho and returns a msgpack proxy to it.
func slowEchoProxy(t *testing.T) *Proxy {
	t.Helper()
	d, _ := callsDaemon(t, nil)
	uri, err := d.Register(slowEcho{}, Expose("Slow", "Echo"))
	require.NoError(t, err)
	startDaemon(t, d)
	return callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
}

func readerState(p *Proxy) (reading bool, pending int) {
	p.mu.Lock()
	cc := p.cc
	p.mu.Unlock()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.reading, len(cc.pending)
}

// TestClientIdleProxyHoldsNoReader: a proxy between calls has no reading
// goroutine (the caller reads its own reply), so idle proxies cost no
// goroutines.
func TestClientIdleProxyHoldsNoReader(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	uri, err := d.Register(slowEcho{}, Expose("Slow", "Echo"))
	require.NoError(t, err)
	startDaemon(t, d)
	ctx := ctxT(t)
	before := runtime.NumGoroutine()
	var ps []*Proxy
	for i := range 20 {
		p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
		s, err := Call[string](ctx, p, "echo", "x")
		require.NoError(t, err)
		require.Equal(t, "x", s, "proxy %d", i)
		ps = append(ps, p)
	}
	for _, p := range ps {
		reading, pending := readerState(p)
		assert.False(t, reading)
		assert.Zero(t, pending)
	}
	// The daemon keeps a goroutine per connection; the proxies add none.
	assert.Less(t, runtime.NumGoroutine()-before, 20+20/2, "about one goroutine per connection, the daemon's")
}

// TestClientLargeAndSmallRepliesInterleaved: replies larger than the read
// buffer are read by a background reader, while concurrent small calls
// lead and follow in turn; every caller gets its own reply.
func TestClientLargeAndSmallRepliesInterleaved(t *testing.T) {
	p := slowEchoProxy(t)
	ctx := ctxT(t)
	big := strings.Repeat("b", 300<<10)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 30 {
				want := "small"
				if (g+i)%3 == 0 {
					want = big[:len(big)-i]
				}
				c, cancel := context.WithTimeout(ctx, 10*time.Second)
				got, err := Call[string](c, p, "echo", want)
				cancel()
				if err != nil || got != want {
					t.Errorf("goroutine %d call %d: %d bytes, %v; want %d bytes", g, i, len(got), err, len(want))
					return
				}
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool { r, n := readerState(p); return !r && n == 0 }, 5*time.Second, time.Millisecond,
		"the background reader stops when no call waits")
}

// TestClientLeaderCancelledOthersServed: a caller reading for everyone
// whose context ends stops at once; the calls waiting behind it get their
// replies from a background reader, and its own late reply is dropped.
func TestClientLeaderCancelledOthersServed(t *testing.T) {
	p := slowEchoProxy(t)
	ctx := ctxT(t)
	require.NoError(t, p.Connect(ctx))

	short, cancel := context.WithCancel(ctx)
	leader := p.Go(short, "slow", 0.3, "late")
	require.Eventually(t, func() bool { r, _ := readerState(p); return r }, 5*time.Second, time.Millisecond)
	follower := p.Go(ctx, "slow", 0.1, "follower")
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	cancel()
	_, err := leader.Result(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 100*time.Millisecond, "cancellation ends the leader's read at once")
	v, err := Await[string](ctx, follower)
	require.NoError(t, err)
	assert.Equal(t, "follower", v)
	time.Sleep(350 * time.Millisecond) // the late reply arrives and is dropped
	s, err := Call[string](ctx, p, "echo", "after")
	require.NoError(t, err)
	assert.Equal(t, "after", s)
}

// TestClientProbeSeesClosedTLSConnection: an idle mTLS connection that the
// daemon closed is noticed before the next call is sent, so the call goes
// out on a new connection (the method is not idempotent).
func TestClientProbeSeesClosedTLSConnection(t *testing.T) {
	srvPol, cliPol := mtls(t)
	d1 := newTestDaemon(t, srvPol)
	_, err := d1.Register(&tally{}, WithID("tally"), Expose("Bump"))
	require.NoError(t, err)
	startDaemon(t, d1)
	port := d1.Addr().(*net.TCPAddr).Port
	p := callsProxy(t, d1.URIFor("tally"), ProxyConfig{Policy: cliPol})
	ctx := ctxT(t)
	n, err := Call[int](ctx, p, "bump")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.False(t, proxyConnDead(p), "an open idle connection passes the probe")
	require.NoError(t, d1.Close())
	require.Eventually(t, func() bool { return proxyConnDead(p) }, 5*time.Second, time.Millisecond)

	d2, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Port: port, Policy: srvPol})
	require.NoError(t, err)
	_, err = d2.Register(&tally{}, WithID("tally"), Expose("Bump"))
	require.NoError(t, err)
	startDaemon(t, d2)
	n, err = Call[int](ctx, p, "bump")
	require.NoError(t, err, "sent on a new connection, not into the closed one")
	assert.Equal(t, 1, n)
}

// TestClientManyGoroutinesOneProxy: goroutines sharing a proxy take turns
// reading for each other; a reply read by another goroutine before its
// caller starts waiting must not make that caller wait on the socket.
func TestClientManyGoroutinesOneProxy(t *testing.T) {
	p := slowEchoProxy(t)
	ctx, cancel := context.WithTimeout(ctxT(t), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 4000 {
				want := fmt.Sprintf("%d-%d", g, i)
				got, err := Call[string](context.Background(), p, "echo", want)
				if err != nil || got != want {
					t.Errorf("got %q, %v; want %q", got, err, want)
					return
				}
				if ctx.Err() != nil {
					t.Error("calls took 30 s: a caller is stuck")
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("a caller never got its reply")
	}
}
