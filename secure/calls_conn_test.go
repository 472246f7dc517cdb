package secure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/value"
)

type slowEcho struct{}

// Slow sleeps seconds, then returns tag.
func (slowEcho) Slow(ctx context.Context, seconds float64, tag string) (string, error) {
	t := time.NewTimer(time.Duration(seconds * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return tag, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Echo returns v.
func (slowEcho) Echo(v string) string { return v }

// TestCallsAbandonedReplyNeverReachesLaterCall gives up on slow calls (ctx
// deadline) and makes new calls on the same pipelined connection while the
// late replies arrive: every call gets its own result.
func TestCallsAbandonedReplyNeverReachesLaterCall(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	uri, err := d.Register(slowEcho{}, Expose("Slow", "Echo"))
	require.NoError(t, err)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	ctx := ctxT(t)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = p.Call(short, "slow", 0.3, "late")
	cancel()
	require.ErrorIs(t, err, ErrTimeout)
	s, err := Call[string](ctx, p, "echo", "first")
	require.NoError(t, err)
	assert.Equal(t, "first", s)

	// Many at once: each caller abandons a slow call, then checks that its
	// next call answers with its own value, while late replies land.
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			_, err := p.Call(short, "slow", 0.1, fmt.Sprintf("late-%d", i))
			cancel()
			if !errors.Is(err, ErrTimeout) {
				t.Errorf("slow call %d: want a timeout, got %v", i, err)
			}
			for j := range 20 {
				want := fmt.Sprintf("echo-%d-%d", i, j)
				got, err := Call[string](ctx, p, "echo", want)
				if err != nil || got != want {
					t.Errorf("echo: got %q, %v; want %q", got, err, want)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	time.Sleep(350 * time.Millisecond) // the first late reply has come and gone
	s, err = Call[string](ctx, p, "echo", "last")
	require.NoError(t, err)
	assert.Equal(t, "last", s)
	// and a slow call that is waited for still works
	s, err = Call[string](ctx, p, "slow", 0.01, "waited")
	require.NoError(t, err)
	assert.Equal(t, "waited", s)
}

// tally counts the calls of its methods.
type tally struct{ n atomic.Int64 }

// Bump counts a call and returns the count.
func (t *tally) Bump() int64 { return t.n.Add(1) }

// proxyConnDead reports whether p knows, or finds out before its next
// call would be sent, that its connection is gone.
func proxyConnDead(p *Proxy) bool {
	p.mu.Lock()
	cc := p.cc
	p.mu.Unlock()
	return cc == nil || !cc.usable()
}

// restartOn starts a new daemon on addr with a tally registered as id.
func restartOn(t *testing.T, addr *net.TCPAddr, id string, opts ...Option) (*Daemon, *tally) {
	t.Helper()
	d, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Port: addr.Port, Policy: insecure()})
	require.NoError(t, err)
	tl := &tally{}
	_, err = d.Register(tl, append([]Option{WithID(id), Expose("Bump")}, opts...)...)
	require.NoError(t, err)
	startDaemon(t, d)
	return d, tl
}

// TestCallsReconnectAfterDaemonRestart stops a daemon and starts a new one
// on the same address: the proxy's next call reconnects.
func TestCallsReconnectAfterDaemonRestart(t *testing.T) {
	ctx := ctxT(t)
	d1, _ := callsDaemon(t, nil)
	addr := d1.Addr().(*net.TCPAddr)
	_, err := d1.Register(&tally{}, WithID("tally"), Expose("Bump"), Idempotent("bump"))
	require.NoError(t, err)
	startDaemon(t, d1)
	p := callsProxy(t, d1.URIFor("tally"), ProxyConfig{})
	n, err := Call[int](ctx, p, "bump")
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	t.Run("after the proxy saw the break", func(t *testing.T) {
		require.NoError(t, d1.Close())
		require.Eventually(t, func() bool { return proxyConnDead(p) }, 5*time.Second, time.Millisecond)
		d2, tl := restartOn(t, addr, "tally")
		n, err := Call[int](ctx, p, "bump")
		require.NoError(t, err)
		assert.Equal(t, 1, n, "a new daemon, a new tally")
		assert.EqualValues(t, 1, tl.n.Load())
		require.NoError(t, d2.Close())
	})
	t.Run("while the daemon is still down", func(t *testing.T) {
		// The proxy retries with backoff (100ms, 200ms) and gets through
		// once the new daemon is up.
		require.Eventually(t, func() bool { return proxyConnDead(p) }, 5*time.Second, time.Millisecond)
		type result struct {
			n   int
			err error
		}
		res := make(chan result, 1)
		go func() {
			n, err := Call[int](ctx, p, "bump")
			res <- result{n, err}
		}()
		time.Sleep(120 * time.Millisecond)
		_, tl := restartOn(t, addr, "tally")
		got := <-res
		require.NoError(t, got.err)
		assert.Equal(t, 1, got.n)
		assert.EqualValues(t, 1, tl.n.Load())
	})
}

// relay forwards TCP connections to a daemon and can cut them all, to
// break a connection in the middle of a call.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &relay{ln: ln, target: target}
	r.wg.Go(r.accept)
	t.Cleanup(func() {
		ln.Close()
		r.cut()
		r.wg.Wait()
	})
	return r
}

// relayAccept accepts on ln until it closes, dials target for each
// client, and hands both ends to serve.
func relayAccept(ln net.Listener, target string, serve func(c, up net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		serve(c, up)
	}
}

func (r *relay) accept() {
	relayAccept(r.ln, r.target, func(c, up net.Conn) {
		r.mu.Lock()
		r.conns = append(r.conns, c, up)
		r.mu.Unlock()
		r.wg.Go(func() { _, _ = io.Copy(up, c); up.Close() })
		r.wg.Go(func() { _, _ = io.Copy(c, up); c.Close() })
	})
}

// cut closes every relayed connection.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// charger counts its calls; the first one blocks until released, so the
// test can break the connection while it runs.
type charger struct {
	n       atomic.Int64
	entered chan struct{}
	release chan struct{}
}

// Charge counts the call and returns the count.
func (c *charger) Charge(ctx context.Context) (int64, error) {
	k := c.n.Add(1)
	if k == 1 {
		close(c.entered)
		select {
		case <-c.release:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return k, nil
}

// TestCallsNoResendAfterBreak breaks the connection while a call runs. A
// call not marked idempotent is not sent again (it may have run): the
// caller gets the error and the method ran once. A method marked
// Idempotent is sent again on a new connection.
func TestCallsNoResendAfterBreak(t *testing.T) {
	for _, idempotent := range []bool{false, true} {
		t.Run(fmt.Sprintf("idempotent=%v", idempotent), func(t *testing.T) {
			d, _ := callsDaemon(t, nil)
			c := &charger{entered: make(chan struct{}), release: make(chan struct{})}
			defer close(c.release)
			opts := []Option{WithID("charger"), Expose("Charge")}
			if idempotent {
				opts = append(opts, Idempotent("charge"))
			}
			_, err := d.Register(c, opts...)
			require.NoError(t, err)
			startDaemon(t, d)
			r := newRelay(t, d.Addr().String())
			p := callsProxy(t, "PYRO:charger@"+r.ln.Addr().String(), ProxyConfig{})

			type result struct {
				n   int64
				err error
			}
			res := make(chan result, 1)
			go func() {
				n, err := Call[int64](ctxT(t), p, "charge")
				res <- result{n, err}
			}()
			<-c.entered
			r.cut()
			got := <-res
			if idempotent {
				require.NoError(t, got.err)
				assert.EqualValues(t, 2, got.n, "re-sent once")
				assert.EqualValues(t, 2, c.n.Load())
				return
			}
			require.Error(t, got.err)
			assert.ErrorIs(t, got.err, ErrConnectionClosed)
			assert.EqualValues(t, 1, c.n.Load(), "a non-idempotent call must not be sent again")
			// The proxy reconnects for the next call.
			n, err := Call[int64](ctxT(t), p, "charge")
			require.NoError(t, err)
			assert.EqualValues(t, 2, n)
		})
	}
}

// TestCallsTimeoutBoundsConnect: ProxyConfig.Timeout should bound the
// connect and handshake of a call made without a ctx deadline, as Pyro4's
// _pyroTimeout does; today a daemon that accepts and never answers hangs
// such a call until the policy's handshake timeout.
func TestCallsTimeoutBoundsConnect(t *testing.T) {
	frozen, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: insecure()})
	require.NoError(t, err)
	defer frozen.Close()
	_, err = frozen.Register(&tally{}, WithID("frozen"), Expose("Bump"))
	require.NoError(t, err)
	p := callsProxy(t, frozen.URIFor("frozen"), ProxyConfig{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err = p.Call(context.Background(), "bump")
	require.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestCallsDeadlineDuringHandshakeIsTimeout: a ctx deadline that expires
// while the proxy waits for the handshake reply must give ErrTimeout. The
// socket deadline (set to the ctx deadline) can fire before ctx.Err() is
// set, and the error then comes out as ConnectionClosedError ("i/o
// timeout").
func TestCallsDeadlineDuringHandshakeIsTimeout(t *testing.T) {
	frozen, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: insecure()})
	require.NoError(t, err)
	defer frozen.Close()
	for i := range 50 {
		p := callsProxy(t, frozen.URIFor("x"), ProxyConfig{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		_, err := p.Call(ctx, "bump")
		cancel()
		require.ErrorIs(t, err, ErrTimeout, "attempt %d", i)
	}
}

type tupler struct{}

// Pair returns a Python tuple.
func (tupler) Pair() value.Tuple { return value.Tuple{int64(1), "a"} }

// TestCallsTupleResult: a method returning value.Tuple must reach the
// caller as a tuple. serverConn.encodeResult rebuilds any slice of
// interfaces as a list (to autoproxy its items), which turns the tuple
// into a list.
func TestCallsTupleResult(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	uri, err := d.Register(tupler{}, Expose("Pair"))
	require.NoError(t, err)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{})
	v, err := p.Call(ctxT(t), "pair")
	require.NoError(t, err)
	assert.Equal(t, value.Tuple{int64(1), "a"}, v)
}
