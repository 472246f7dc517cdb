package secure

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/msgpack"
	"github.com/flintrpc/flint/transport"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// bumper counts its calls.
type bumper struct{ n atomic.Int64 }

func (c *bumper) Bump() int64 { return c.n.Add(1) }
func (c *bumper) Fire()       { c.n.Add(1) }

// holdRelay forwards a client's bytes to target at once, but holds the
// daemon's answer back until the client has sent `want` Pyro4 messages
// (or a second has passed). A proxy that waits for CONNECTOK before
// sending its call therefore stalls for that second, and sawBoth stays
// false.
type holdRelay struct {
	ln      net.Listener
	target  string
	want    int
	mu      sync.Mutex
	sawBoth []bool
	wg      sync.WaitGroup
}

func newHoldRelay(t *testing.T, target string, want int) *holdRelay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &holdRelay{ln: ln, target: target, want: want}
	r.wg.Go(r.accept)
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	return r
}

func (r *holdRelay) accept() {
	relayAccept(r.ln, r.target, func(c, up net.Conn) {
		enough := make(chan struct{})
		r.wg.Go(func() {
			defer up.Close()
			var seen []byte
			buf := make([]byte, 64<<10)
			signalled := false
			for {
				n, err := c.Read(buf)
				if n > 0 {
					seen = append(seen, buf[:n]...)
					if !signalled && bytes.Count(seen, []byte("PYRO")) >= r.want {
						signalled = true
						close(enough)
					}
					if _, werr := up.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					if !signalled {
						close(enough)
					}
					return
				}
			}
		})
		r.wg.Go(func() {
			defer c.Close()
			both := true
			select {
			case <-enough:
			case <-time.After(time.Second):
				both = false
			}
			r.mu.Lock()
			r.sawBoth = append(r.sawBoth, both)
			r.mu.Unlock()
			_, _ = io.Copy(c, up)
		})
	})
}

func (r *holdRelay) results() []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bool(nil), r.sawBoth...)
}

// TestFirstCallRidesBehindHandshake: once any proxy of the process has
// seen an object's metadata, a new lazily connecting proxy sends its first
// call right behind CONNECT (one round trip), and the call works. The
// very first proxy, which knows nothing yet, waits for the metadata.
func TestFirstCallRidesBehindHandshake(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	c := &bumper{}
	_, err := d.Register(c, WithID("counter.pipelined"), Expose("Bump"))
	require.NoError(t, err)
	startDaemon(t, d)
	r := newHoldRelay(t, d.Addr().String(), 2)
	uri := "PYRO:counter.pipelined@" + r.ln.Addr().String()

	for i := range 3 {
		p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
		n, err := Call[int64](ctxT(t), p, "bump")
		require.NoError(t, err)
		assert.EqualValues(t, 2*i+1, n)
		// A second call on the same connection is an ordinary one.
		n, err = Call[int64](ctxT(t), p, "bump")
		require.NoError(t, err)
		assert.EqualValues(t, 2*i+2, n)
		require.NoError(t, p.Close())
	}
	assert.Equal(t, []bool{false, true, true}, r.results(),
		"the first proxy waits for CONNECTOK; later ones send the call with CONNECT")
	assert.EqualValues(t, 6, c.n.Load(), "every call ran exactly once")
}

// TestFirstCallRefusedHandshakeDidNotRun: a daemon that refuses the
// handshake never runs the call that rode behind it; the caller gets the
// refusal.
func TestFirstCallRefusedHandshakeDidNotRun(t *testing.T) {
	var refuse atomic.Bool
	lg := &callsLog{}
	d, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: insecure(),
		Logger: hclog.New(&hclog.LoggerOptions{Output: lg, Level: hclog.Warn}),
		ValidateHandshake: func(_ context.Context, _ *CallInfo, data any) (any, error) {
			if refuse.Load() {
				return nil, errors.New("not today")
			}
			return "hello", nil
		}})
	require.NoError(t, err)
	c := &bumper{}
	uri, err := d.Register(c, WithID("counter.refused"), Expose("Bump"))
	require.NoError(t, err)
	startDaemon(t, d)

	p := callsProxy(t, uri, ProxyConfig{})
	_, err = p.Call(ctxT(t), "bump") // learns the metadata
	require.NoError(t, err)
	p.Close()

	refuse.Store(true)
	q := callsProxy(t, uri, ProxyConfig{})
	_, err = q.Call(ctxT(t), "bump")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrCommunication)
	assert.Contains(t, err.Error(), "not today")
	assert.EqualValues(t, 1, c.n.Load(), "the call behind a refused handshake must not run")

	refuse.Store(false)
	n, err := Call[int64](ctxT(t), q, "bump")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
}

// TestFirstCallStaleMetadata: an object re-registered with the method now
// oneway. A new proxy, going by the old metadata, sends the call plainly
// behind the handshake; the fresh metadata says oneway, so the caller
// returns at once, the method runs once and the daemon's reply is dropped
// without disturbing the next call.
func TestFirstCallStaleMetadata(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	c := &bumper{}
	uri, err := d.Register(c, WithID("counter.stale"), Expose("Bump"))
	require.NoError(t, err)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{})
	_, err = p.Call(ctxT(t), "bump")
	require.NoError(t, err)
	p.Close()

	require.NoError(t, d.Unregister("counter.stale"))
	_, err = d.Register(c, WithID("counter.stale"), Expose("Bump", "Fire"), Oneway("bump"))
	require.NoError(t, err)
	q := callsProxy(t, uri, ProxyConfig{})
	v, err := q.Call(ctxT(t), "bump")
	require.NoError(t, err)
	assert.Nil(t, v, "a oneway method returns nothing")
	require.Eventually(t, func() bool { return c.n.Load() == 2 }, 5*time.Second, time.Millisecond)
	_, err = q.Call(ctxT(t), "fire")
	require.NoError(t, err)
	assert.EqualValues(t, 3, c.n.Load(), "fire ran after bump's dropped reply")
}

// TestFirstCallPythonDaemon: the call behind the handshake works against a
// real Pyro4 daemon too, which reads it only after accepting CONNECT, and
// calls made concurrently on that fresh proxy still take turns.
func TestFirstCallPythonDaemon(t *testing.T) {
	needPython(t)
	srv := startPyServer(t, nil)
	r := newHoldRelay(t, MustParseURI(srv.URI).Location(), 2)
	u := MustParseURI(srv.URI)
	u.Host, u.Port = "127.0.0.1", r.ln.Addr().(*net.TCPAddr).Port
	for i := range 3 {
		p := callsProxy(t, u, ProxyConfig{Serializer: "serpent"})
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				n, err := Call[int64](ctxT(t), p, "add", g, i)
				if err == nil && n != int64(g+i) {
					err = errors.New("wrong sum")
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		p.Close()
	}
	got := r.results()
	require.Len(t, got, 3)
	assert.Equal(t, []bool{false, true, true}, got)
}

// writeCounter counts the Write calls a daemon makes on its end.
type writeCounter struct {
	net.Conn
	n atomic.Int64
}

func (w *writeCounter) Write(b []byte) (int, error) {
	w.n.Add(1)
	return w.Conn.Write(b)
}

// TestDaemonAnswersConnectAndFirstCallInOneWrite: a call sent behind the
// CONNECT is answered together with the CONNECTOK, in one write; a CONNECT
// alone is answered at once.
func TestDaemonAnswersConnectAndFirstCallInOneWrite(t *testing.T) {
	d := newTestDaemon(t, insecure())
	t.Cleanup(func() { d.Close() })
	b := &bumper{}
	_, err := d.Register(b, Expose("Bump"), WithID("bump"))
	require.NoError(t, err)
	for _, pipelined := range []bool{true, false} {
		a, c, err := transport.SocketPair()
		require.NoError(t, err)
		srv := &writeCounter{Conn: a}
		done := make(chan struct{})
		go func() { defer close(done); d.ServeConn(ctxT(t), srv) }()
		r, w := wire.NewReader(c, wire.Limits{}), wire.NewWriter(c)
		codec := msgpack.New()
		hs := value.NewDict(2)
		hs.Append("handshake", "hello")
		hs.Append("object", "bump")
		hsData, err := codec.Marshal(nil, hs)
		require.NoError(t, err)
		connect := &wire.Message{Type: wire.MsgConnect, Flags: wire.FlagMetaOnConnect, Seq: 1, SerializerID: codec.ID(), Data: hsData}
		callData, err := serial.EncodeCall(codec, nil, serial.Call{Object: "bump", Method: "bump", Kwargs: value.NewDict(0)})
		require.NoError(t, err)
		call := &wire.Message{Type: wire.MsgInvoke, Seq: 2, SerializerID: codec.ID(), Data: callData}
		if pipelined {
			require.NoError(t, w.WriteMessages(connect, call))
		} else {
			require.NoError(t, w.WriteMessage(connect))
		}
		m, err := r.ReadMessage()
		require.NoError(t, err)
		require.Equal(t, wire.MsgConnectOK, m.Type)
		if !pipelined {
			assert.Equal(t, int64(1), srv.n.Load(), "CONNECTOK alone is not held back")
			require.NoError(t, w.WriteMessage(call))
		}
		m, err = r.ReadMessage()
		require.NoError(t, err)
		require.Equal(t, wire.MsgResult, m.Type)
		assert.Equal(t, uint16(2), m.Seq)
		if pipelined {
			assert.Equal(t, int64(1), srv.n.Load(), "CONNECTOK and the reply share one write")
		} else {
			assert.Equal(t, int64(2), srv.n.Load())
		}
		c.Close()
		<-done
	}
	assert.Equal(t, int64(2), b.n.Load())
}

// slowStarter's first method takes longer than the CONNECTOK may wait.
type slowStarter struct{}

func (slowStarter) Slow() string { time.Sleep(300 * time.Millisecond); return "done" }

// TestHeldConnectOKNotDelayedBySlowCall: a slow first call behind the
// CONNECT does not hold the CONNECTOK back for its whole run.
func TestHeldConnectOKNotDelayedBySlowCall(t *testing.T) {
	d := newTestDaemon(t, insecure())
	t.Cleanup(func() { d.Close() })
	_, err := d.Register(slowStarter{}, Expose("Slow"), WithID("slow"))
	require.NoError(t, err)
	a, c, err := transport.SocketPair()
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); d.ServeConn(ctxT(t), a) }()
	defer func() { c.Close(); <-done }()
	r, w := wire.NewReader(c, wire.Limits{}), wire.NewWriter(c)
	codec := msgpack.New()
	hsData, err := codec.Marshal(nil, "hello")
	require.NoError(t, err)
	callData, err := serial.EncodeCall(codec, nil, serial.Call{Object: "slow", Method: "slow", Kwargs: value.NewDict(0)})
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, w.WriteMessages(
		&wire.Message{Type: wire.MsgConnect, Seq: 1, SerializerID: codec.ID(), Data: hsData},
		&wire.Message{Type: wire.MsgInvoke, Seq: 2, SerializerID: codec.ID(), Data: callData}))
	m, err := r.ReadMessage()
	require.NoError(t, err)
	require.Equal(t, wire.MsgConnectOK, m.Type)
	assert.Less(t, time.Since(start), 200*time.Millisecond, "CONNECTOK waited for the slow call")
	m, err = r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, uint16(2), m.Seq)
}
