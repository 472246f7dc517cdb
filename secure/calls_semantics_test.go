package secure

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// arith counts the calls it runs.
type arith struct{ ran atomic.Int64 }

func (a *arith) Add(x, y int) int { a.ran.Add(1); return x + y }

func (a *arith) Div(x, y int) (int, error) {
	a.ran.Add(1)
	if y == 0 {
		return 0, NewRemoteError("builtins.ZeroDivisionError", "integer division or modulo by zero")
	}
	return x / y, nil
}

// TestCallsBatchStopsAtFirstError: the daemon runs a batch in order and
// stops at the first failing call; its exception is the last result and
// the calls after it never run.
func TestCallsBatchStopsAtFirstError(t *testing.T) {
	d, lg := callsDaemon(t, nil)
	a := &arith{}
	uri, err := d.Register(a, Expose("Add", "Div"))
	require.NoError(t, err)
	startDaemon(t, d)
	for _, ser := range []string{"serpent", "msgpack", "json", "marshal"} {
		t.Run(ser, func(t *testing.T) {
			a.ran.Store(0)
			p := callsProxy(t, uri, ProxyConfig{Serializer: ser})
			res, err := p.Batch().Add("add", 1, 2).Add("div", 9, 3).Add("div", 1, 0).Add("add", 5, 5).Run(ctxT(t))
			require.NoError(t, err)
			require.Len(t, res.Values, 2)
			assert.EqualValues(t, 3, res.Values[0])
			assert.EqualValues(t, 3, res.Values[1])
			var re *RemoteError
			require.ErrorAs(t, res.Err, &re)
			assert.Equal(t, "builtins.ZeroDivisionError", re.Class)
			assert.EqualValues(t, 3, a.ran.Load(), "the call after the error ran")

			var seen []any
			var last error
			for v, err := range res.All() {
				if err != nil {
					last = err
					break
				}
				seen = append(seen, v)
			}
			assert.Len(t, seen, 2)
			assert.ErrorAs(t, last, &re)

			// An unknown method stops the batch the same way.
			a.ran.Store(0)
			res, err = p.Batch().Add("add", 1, 1).Add("nosuch").Add("add", 2, 2).Run(ctxT(t))
			require.NoError(t, err)
			assert.Len(t, res.Values, 1)
			require.ErrorAs(t, res.Err, &re)
			assert.Equal(t, "builtins.AttributeError", re.Class)
			assert.EqualValues(t, 1, a.ran.Load())
		})
	}
	t.Run("oneway", func(t *testing.T) {
		a.ran.Store(0)
		p := callsProxy(t, uri, ProxyConfig{})
		require.NoError(t, p.Batch().Add("add", 1, 2).Add("div", 1, 0).Add("add", 5, 5).RunOneway(ctxT(t)))
		require.Eventually(t, func() bool { return a.ran.Load() == 2 }, 5*time.Second, time.Millisecond)
		require.Eventually(t, func() bool { return assert.ObjectsAreEqual(true, len(lg.String()) > 0) }, 5*time.Second, time.Millisecond)
		assert.Contains(t, lg.String(), "oneway batch call failed")
		time.Sleep(20 * time.Millisecond)
		assert.EqualValues(t, 2, a.ran.Load(), "the call after the error ran")
		n, err := Call[int](ctxT(t), p, "add", 20, 22)
		require.NoError(t, err)
		assert.Equal(t, 42, n)
	})
}

// gate holds calls until released and records how many run at once.
type gate struct {
	running, peak atomic.Int64
	open          chan struct{}
}

// Wait blocks until the gate opens, then returns 2*i.
func (g *gate) Wait(ctx context.Context, i int) (int, error) {
	peakOf(&g.peak, g.running.Add(1))
	defer g.running.Add(-1)
	select {
	case <-g.open:
		return 2 * i, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// TestCallsHundredFutures starts 100 calls on one proxy before any
// returns: they are pipelined on one connection, the daemon runs
// Limits.MaxCallsPerConn of them at once, and each future gets its own
// result.
func TestCallsHundredFutures(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	g := &gate{open: make(chan struct{})}
	uri, err := d.Register(g, Expose("Wait"))
	require.NoError(t, err)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	ctx := ctxT(t)
	futures := make([]*Future, 100)
	for i := range futures {
		futures[i] = p.Go(ctx, "wait", i)
	}
	require.Eventually(t, func() bool { return g.running.Load() == policy.DefaultMaxCallsPerConn }, 10*time.Second, time.Millisecond,
		"running: %d", g.running.Load())
	for _, f := range futures {
		if f.Ready() {
			t.Fatal("a future is ready before the gate opened")
		}
	}
	assert.Equal(t, 1, d.Connections(), "one proxy, one connection")
	close(g.open)
	for i, f := range futures {
		n, err := Await[int](ctx, f)
		require.NoError(t, err)
		assert.Equal(t, 2*i, n)
	}
	assert.EqualValues(t, policy.DefaultMaxCallsPerConn, g.peak.Load())

	// Then chains on a future; an error skips the function.
	g2 := futures[0].Then(func(v any) (any, error) { return v.(int64) + 1, nil })
	n, err := Await[int](ctx, g2)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	bad := p.Go(ctx, "nosuch").Then(func(any) (any, error) { t.Error("ran after an error"); return nil, nil })
	_, err = bad.Result(ctx)
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "builtins.AttributeError", re.Class)
}

// notifier calls back its subscribers.
type notifier struct{}

// Subscribe calls cb.notify(i) for i in 0..n-1 and returns the sum of the
// answers. cb is a proxy to an object in the caller's own daemon.
func (notifier) Subscribe(ctx context.Context, cb *Proxy, n int) (int, error) {
	defer cb.Close()
	sum := 0
	for i := range n {
		v, err := Call[int](ctx, cb, "notify", i)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// listener is the client's callback object.
type listener struct {
	mu  sync.Mutex
	got []int
}

// Notify records i and answers 10*i.
func (l *listener) Notify(i int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, i)
	return 10 * i
}

// TestCallsCallback: the client runs a daemon of its own and passes a
// *Proxy to an object in it; the server calls back through it during the
// call.
func TestCallsCallback(t *testing.T) {
	server, _ := callsDaemon(t, nil)
	uri, err := server.Register(notifier{}, Expose("Subscribe"))
	require.NoError(t, err)
	startDaemon(t, server)

	client, _ := callsDaemon(t, nil)
	l := &listener{}
	cbURI, err := client.Register(l, Expose("Notify"))
	require.NoError(t, err)
	startDaemon(t, client)
	for _, ser := range []string{"serpent", "msgpack", "json"} {
		t.Run(ser, func(t *testing.T) {
			l.mu.Lock()
			l.got = nil
			l.mu.Unlock()
			cb := callsProxy(t, cbURI, ProxyConfig{Serializer: ser})
			p := callsProxy(t, uri, ProxyConfig{Serializer: ser})
			sum, err := Call[int](ctxT(t), p, "subscribe", cb, 5)
			require.NoError(t, err)
			assert.Equal(t, 100, sum)
			l.mu.Lock()
			assert.Equal(t, []int{0, 1, 2, 3, 4}, l.got)
			l.mu.Unlock()
		})
	}
	t.Run("callback fails", func(t *testing.T) {
		// A proxy to an object that does not exist: the server's callback
		// fails and the error comes back to the caller.
		cb := callsProxy(t, client.URIFor("gone"), ProxyConfig{})
		p := callsProxy(t, uri, ProxyConfig{})
		_, err := p.Call(ctxT(t), "subscribe", cb, 1)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "unknown object")
	})
}

// instances counts what the factories made and released.
type instances struct {
	made, closed atomic.Int64
	next         atomic.Int64
}

type modal struct {
	id int64
	in *instances
}

// ID returns the instance's number.
func (m *modal) ID() int64 { return m.id }

// Close is called when a session instance's connection ends.
func (m *modal) Close() error { m.in.closed.Add(1); return nil }

// TestCallsInstanceModes: two proxies make three calls each on objects
// registered Single, Session and PerCall; the factories make 1, 2 and 6
// instances, and session instances are closed with their connection.
func TestCallsInstanceModes(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	counts := map[InstanceMode]*instances{}
	for _, mode := range []InstanceMode{Single, Session, PerCall} {
		in := &instances{}
		counts[mode] = in
		_, err := d.RegisterFactory(func() (*modal, error) {
			in.made.Add(1)
			return &modal{id: in.next.Add(1), in: in}, nil
		}, mode, WithID(mode.String()), Expose("ID"))
		require.NoError(t, err)
	}
	startDaemon(t, d)
	ctx := ctxT(t)
	ids := map[InstanceMode]map[int64]bool{}
	for _, mode := range []InstanceMode{Single, Session, PerCall} {
		ids[mode] = map[int64]bool{}
		for range 2 {
			p, err := NewProxy(d.URIFor(mode.String()), ProxyConfig{Policy: insecure()})
			require.NoError(t, err)
			for range 3 {
				id, err := Call[int64](ctx, p, "id")
				require.NoError(t, err)
				ids[mode][id] = true
			}
			p.Close()
		}
	}
	assert.EqualValues(t, 1, counts[Single].made.Load())
	assert.EqualValues(t, 2, counts[Session].made.Load())
	assert.EqualValues(t, 6, counts[PerCall].made.Load())
	assert.Len(t, ids[Single], 1)
	assert.Len(t, ids[Session], 2)
	assert.Len(t, ids[PerCall], 6)
	require.Eventually(t, func() bool { return counts[Session].closed.Load() == 2 }, 5*time.Second, time.Millisecond,
		"session instances closed: %d", counts[Session].closed.Load())
	assert.Zero(t, counts[Single].closed.Load())
}

// record has remote attributes and state that is not exposed.
type record struct {
	mu     sync.Mutex
	Name   string // attribute "name", read and write
	Secret string // not exposed
	count  int
}

// Count is the getter of the read-only attribute "count".
func (r *record) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Level and SetLevel make the read-write attribute "level".
func (r *record) Level() int { r.mu.Lock(); defer r.mu.Unlock(); return r.count * 10 }

// SetLevel sets the level (count = level / 10).
func (r *record) SetLevel(v int) { r.mu.Lock(); defer r.mu.Unlock(); r.count = v / 10 }

// Touch bumps the count.
func (r *record) Touch() int { r.mu.Lock(); defer r.mu.Unlock(); r.count++; return r.count }

// TestCallsAttributes gets and sets exposed remote attributes and checks
// that the daemon itself refuses the rest, even from a client that skips
// the metadata check.
func TestCallsAttributes(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	r := &record{Name: "first", Secret: "hidden"}
	uri, err := d.Register(r, Expose("Touch"), Attrs("name", "count", "level"))
	require.NoError(t, err)
	startDaemon(t, d)
	ctx := ctxT(t)
	p := callsProxy(t, uri, ProxyConfig{})
	require.NoError(t, p.Connect(ctx))
	assert.Equal(t, []string{"count", "level", "name"}, p.Metadata().Attrs)

	v, err := p.GetAttr(ctx, "name")
	require.NoError(t, err)
	assert.Equal(t, "first", v)
	require.NoError(t, p.SetAttr(ctx, "name", "second"))
	v, err = p.GetAttr(ctx, "name")
	require.NoError(t, err)
	assert.Equal(t, "second", v)
	_, err = p.Call(ctx, "touch")
	require.NoError(t, err)
	v, err = p.GetAttr(ctx, "count")
	require.NoError(t, err)
	assert.EqualValues(t, 1, v)
	require.NoError(t, p.SetAttr(ctx, "level", 70))
	v, err = p.GetAttr(ctx, "count")
	require.NoError(t, err)
	assert.EqualValues(t, 7, v)

	var re *RemoteError
	err = p.SetAttr(ctx, "count", 5)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "builtins.AttributeError", re.Class)
	assert.Contains(t, re.Message(), "read-only")
	err = p.SetAttr(ctx, "name", 12)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "builtins.TypeError", re.Class)

	// The proxy refuses unexposed names from its metadata...
	for _, name := range []string{"secret", "Secret", "mu", "_name", "__dict__"} {
		_, err = p.GetAttr(ctx, name)
		require.ErrorAs(t, err, &re, name)
		assert.Equal(t, "builtins.AttributeError", re.Class)
	}
	// ...and so does the daemon, for a client that asks anyway.
	cc, err := p.conn(ctx)
	require.NoError(t, err)
	for _, c := range []struct{ method, name string }{
		{"__getattr__", "secret"}, {"__getattr__", "Secret"}, {"__getattr__", "touch"},
		{"__getattr__", "__class__"}, {"__setattr__", "secret"}, {"__getattr__", "name.upper"},
	} {
		args := []any{c.name}
		if c.method == "__setattr__" {
			args = append(args, "stolen")
		}
		_, err := p.roundTrip(ctx, cc, serial.Call{Object: uri.Object, Method: c.method, Args: args, Kwargs: value.NewDict(0)}, 0)
		require.ErrorAs(t, err, &re, "%s %s", c.method, c.name)
		assert.Equal(t, "builtins.AttributeError", re.Class, "%s %s", c.method, c.name)
	}
	r.mu.Lock()
	assert.Equal(t, "hidden", r.Secret)
	r.mu.Unlock()
}

// hop is a middle object: it calls the next one with its own ctx.
type hop struct{ next *Proxy }

// Relay calls next.whoami and returns what it says, prefixed with the
// correlation id this call came with.
func (h *hop) Relay(ctx context.Context) ([]string, error) {
	ci, _ := CallInfoFrom(ctx)
	inner, err := Call[[]string](ctx, h.next, "whoami")
	if err != nil {
		return nil, err
	}
	return append([]string{ci.CorrelationID.String()}, inner...), nil
}

// ctxEnd reports what it sees of its call and annotates the reply.
type ctxEnd struct{}

// Whoami returns its correlation id and the XYZZ annotation it received,
// and puts RPLY on its reply.
func (ctxEnd) Whoami(ctx context.Context) []string {
	ci, ok := CallInfoFrom(ctx)
	if !ok {
		return nil
	}
	ci.SetReplyAnnotation("RPLY", []byte("from the end"))
	return []string{ci.CorrelationID.String(), string(ci.Annotations["XYZZ"])}
}

// TestCallsContext: a correlation id set by the client flows through a
// nested call; custom annotations go both ways.
func TestCallsContext(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	endURI, err := d.Register(ctxEnd{}, Expose("Whoami"))
	require.NoError(t, err)
	next := callsProxy(t, endURI, ProxyConfig{})
	hopURI, err := d.Register(&hop{next: next}, Expose("Relay"))
	require.NoError(t, err)
	startDaemon(t, d)
	ctx := ctxT(t)

	id, err := value.ParseUUID("6ba7b810-9dad-41d1-80b4-00c04fd430c8")
	require.NoError(t, err)
	cctx := WithCorrelationID(ctx, id)
	cctx = WithAnnotations(cctx, map[string][]byte{"XYZZ": []byte("hello")})
	reply := map[string][]byte{}
	p := callsProxy(t, hopURI, ProxyConfig{Serializer: "msgpack"})
	got, err := Call[[]string](WithReplyAnnotations(cctx, reply), p, "relay")
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, id.String(), got[0], "the middle object's id")
	assert.Equal(t, id.String(), got[1], "the id flowed into the nested call")
	assert.Equal(t, "", got[2], "custom annotations are not forwarded by nested calls")
	corr := reply["CORR"]
	require.Len(t, corr, 16)
	assert.Equal(t, id[:], corr)

	// Straight to the end object: the annotation arrives, RPLY comes back.
	reply = map[string][]byte{}
	e := callsProxy(t, endURI, ProxyConfig{})
	got, err = Call[[]string](WithReplyAnnotations(cctx, reply), e, "whoami")
	require.NoError(t, err)
	assert.Equal(t, []string{id.String(), "hello"}, got)
	assert.Equal(t, "from the end", string(reply["RPLY"]))
	assert.Equal(t, id[:], reply["CORR"])

	// Without an id, every call gets a fresh one.
	a, err := Call[[]string](ctx, e, "whoami")
	require.NoError(t, err)
	b, err := Call[[]string](ctx, e, "whoami")
	require.NoError(t, err)
	assert.NotEqual(t, a[0], b[0])
	assert.NotEqual(t, id.String(), a[0])
}
