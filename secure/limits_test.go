package secure

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/codecs"
	"github.com/flintrpc/flint/serial/serpent"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// rawClient speaks the wire protocol by hand to a plaintext daemon.
func rawClient(t *testing.T, d *Daemon) (net.Conn, *wire.Reader, *wire.Writer) {
	c, err := net.Dial("tcp", d.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, wire.NewReader(c, wire.Limits{}), wire.NewWriter(c)
}

func connectRaw(t *testing.T, r *wire.Reader, w *wire.Writer, obj string) {
	data, err := serpent.New().Marshal(nil, "hello")
	require.NoError(t, err)
	require.NoError(t, w.WriteMessage(&wire.Message{Type: wire.MsgConnect, SerializerID: serial.IDSerpent, Data: data}))
	m, err := r.ReadMessage()
	require.NoError(t, err)
	require.Equal(t, wire.MsgConnectOK, m.Type)
}

// stillServes checks that a fresh, well-behaved client gets served.
func stillServes(t *testing.T, uri URI, pol *policy.Policy) {
	t.Helper()
	p, err := NewProxy(uri, ProxyConfig{Policy: pol})
	require.NoError(t, err)
	defer p.Close()
	s, err := Call[string](ctxT(t), p, "get_fortune", "ok")
	require.NoError(t, err)
	assert.Contains(t, s, "Hello, ok.")
}

func greetingDaemon(t *testing.T, pol *policy.Policy) (*Daemon, URI) {
	d := newTestDaemon(t, pol)
	uri, err := d.Register(&greetingMaker{}, ExposeInterface[greeter](), WithID("greeting"))
	require.NoError(t, err)
	_, err = d.Register(calc{}, calcMethods, WithID("calc"))
	require.NoError(t, err)
	startDaemon(t, d)
	return d, uri
}

func TestSerializerOutsideAllowList(t *testing.T) {
	pol := insecure()
	pol.Serializers = []string{"serpent"}
	_, uri := greetingDaemon(t, pol)
	p, err := NewProxy(uri, ProxyConfig{Policy: insecure(), Serializer: "marshal"})
	require.NoError(t, err)
	defer p.Close()
	_, err = p.Call(ctxT(t), "get_fortune", "x")
	require.ErrorIs(t, err, ErrCommunication)
	assert.Contains(t, err.Error(), "serializer that is not accepted: 3")
	stillServes(t, uri, insecure())
}

func TestOversizedAndLyingMessages(t *testing.T) {
	pol := insecure()
	pol.Limits.MaxMessageSize = 100_000
	d, uri := greetingDaemon(t, pol)
	t.Run("big argument", func(t *testing.T) {
		p, err := NewProxy(uri, ProxyConfig{Policy: insecure(), ReconnectAttempts: -1})
		require.NoError(t, err)
		defer p.Close()
		_, err = p.Call(ctxT(t), "get_fortune", strings.Repeat("x", 200_000))
		require.ErrorIs(t, err, ErrConnectionClosed)
	})
	t.Run("lying length", func(t *testing.T) {
		c, r, w := rawClient(t, d)
		connectRaw(t, r, w, "greeting")
		h := wire.Header{Type: wire.MsgInvoke, DataSize: 0x7fffffff, SerializerID: serial.IDSerpent}
		h.Checksum = h.ComputeChecksum()
		_, err := c.Write(h.Append(nil))
		require.NoError(t, err)
		_, err = r.ReadMessage()
		require.Error(t, err, "daemon must close without replying")
	})
	t.Run("zlib bomb", func(t *testing.T) {
		// Compress first: under -race on a loaded machine this takes
		// seconds, which must not eat into the connection's deadline.
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		_, _ = zw.Write(bytes.Repeat([]byte{' '}, 64<<20))
		zw.Close()
		require.Less(t, buf.Len(), 100_000)
		_, r, w := rawClient(t, d)
		connectRaw(t, r, w, "greeting")
		err := w.WriteMessage(&wire.Message{Type: wire.MsgInvoke, Flags: wire.FlagCompressed, SerializerID: serial.IDSerpent, Data: buf.Bytes()})
		require.NoError(t, err)
		_, err = r.ReadMessage()
		require.Error(t, err)
	})
	t.Run("deep nesting", func(t *testing.T) {
		_, r, w := rawClient(t, d)
		connectRaw(t, r, w, "greeting")
		payload := "# serpent utf-8 python3.2\n('calc','echo',(" + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + ",),{})"
		require.NoError(t, w.WriteMessage(&wire.Message{Type: wire.MsgInvoke, Seq: 1, SerializerID: serial.IDSerpent, Data: []byte(payload)}))
		m, err := r.ReadMessage()
		if err == nil {
			assert.NotZero(t, m.Flags&wire.FlagException, "a too deep payload must not be dispatched")
		}
	})
	stillServes(t, uri, insecure())
}

func TestSlowLoris(t *testing.T) {
	pol := insecure()
	pol.Limits.MaxConns = 8
	pol.Limits.MaxConnsPerPeer = 8
	pol.Limits.HandshakeTimeout = 300 * time.Millisecond
	d, uri := greetingDaemon(t, pol)
	var idle []net.Conn
	for i := range 24 {
		c, err := net.Dial("tcp", d.Addr().String())
		require.NoError(t, err)
		if i%2 == 1 {
			_, _ = c.Write([]byte("PYRO\x00\x30")) // half a header, then nothing
		}
		idle = append(idle, c)
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	// A legitimate client is served within its deadline, retrying while
	// the idle connections hold the slots until the handshake timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var lastErr error
	for ctx.Err() == nil {
		p, err := NewProxy(uri, ProxyConfig{Policy: insecure(), ReconnectAttempts: -1})
		require.NoError(t, err)
		_, lastErr = Call[string](ctx, p, "get_fortune", "patient")
		p.Close()
		if lastErr == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("legitimate client not served in time: %v", lastErr)
}

func TestUnixPeerCredentials(t *testing.T) {
	uid := uint32(os.Getuid())
	for _, tc := range []struct {
		name  string
		uids  []uint32
		allow bool
	}{{"allowed uid", []uint32{uid}, true}, {"disallowed uid", []uint32{uid + 1}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "helper.sock")
			// The privilege-separation path: no TLS, no plaintext opt-in.
			d, err := NewDaemon(DaemonConfig{Unix: sock, Policy: &policy.Policy{UnixUIDs: tc.uids}})
			require.NoError(t, err)
			uri, err := d.Register(&greetingMaker{}, ExposeInterface[greeter]())
			require.NoError(t, err)
			startDaemon(t, d)
			p, err := NewProxy(uri, ProxyConfig{Policy: &policy.Policy{UnixUIDs: []uint32{uid}}, ReconnectAttempts: -1})
			require.NoError(t, err)
			defer p.Close()
			_, err = Call[string](ctxT(t), p, "get_fortune", "helper")
			if tc.allow {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
	t.Run("unix daemon without rule or TLS refuses to start", func(t *testing.T) {
		_, err := NewDaemon(DaemonConfig{Unix: filepath.Join(t.TempDir(), "x.sock"), Policy: &policy.Policy{}})
		require.ErrorIs(t, err, policy.ErrNoTransportSecurity)
	})
	t.Run("tcp daemon without TLS refuses to start", func(t *testing.T) {
		_, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: &policy.Policy{}})
		require.ErrorIs(t, err, policy.ErrNoTransportSecurity)
		assert.Contains(t, err.Error(), "flint certs init")
	})
}

func TestAuthorizationRules(t *testing.T) {
	srv, cli := mtls(t)
	rule, err := auth.ParseRule("cn=nobody-else:*:*")
	require.NoError(t, err)
	srv.Rules = auth.Rules{rule}
	d := newTestDaemon(t, srv)
	uri, err := d.Register(&greetingMaker{}, ExposeInterface[greeter](), WithID("greeting"))
	require.NoError(t, err)
	startDaemon(t, d)
	p, err := NewProxy(uri, ProxyConfig{Policy: cli})
	require.NoError(t, err)
	defer p.Close()
	_, err = Call[string](ctxT(t), p, "get_fortune", "x")
	require.Error(t, err, "a peer without a matching rule is refused")
	dp, err := NewProxy(d.URIFor(DaemonObjectID), ProxyConfig{Policy: cli})
	require.NoError(t, err)
	defer dp.Close()
	reg, err := dp.Call(ctxT(t), "registered")
	require.NoError(t, err)
	assert.Equal(t, []any{DaemonObjectID}, reg, "registered objects are not listed to unauthorized peers")
}

func TestConnectionsPerPeerLimit(t *testing.T) {
	pol := insecure()
	pol.Limits.MaxConnsPerPeer = 3
	d, uri := greetingDaemon(t, pol)
	var proxies []*Proxy
	defer func() {
		for _, p := range proxies {
			p.Close()
		}
	}()
	for range 3 {
		p, err := NewProxy(uri, ProxyConfig{Policy: insecure(), ReconnectAttempts: -1})
		require.NoError(t, err)
		proxies = append(proxies, p)
		_, err = Call[string](ctxT(t), p, "get_fortune", "x")
		require.NoError(t, err)
	}
	extra, err := NewProxy(uri, ProxyConfig{Policy: insecure(), ReconnectAttempts: -1})
	require.NoError(t, err)
	defer extra.Close()
	_, err = Call[string](ctxT(t), extra, "get_fortune", "x")
	require.Error(t, err, "a fourth connection from the same peer is refused")
	// the peer's existing connections keep working
	_, err = Call[string](ctxT(t), proxies[0], "get_fortune", "x")
	require.NoError(t, err)
	proxies[1].Close()
	require.Eventually(t, func() bool { return d.Connections() < 3 }, 5*time.Second, 10*time.Millisecond)
	_, err = Call[string](ctxT(t), extra, "get_fortune", "again")
	require.NoError(t, err, "a slot freed by a closed connection can be used")
}

// TestSlowReader: a client that sends calls but never reads the replies
// cannot pin the daemon's workers: the write timeout closes its connection
// and everyone else is served.
func TestSlowReader(t *testing.T) {
	pol := insecure()
	pol.Limits.WriteTimeout = 300 * time.Millisecond
	pol.Limits.MaxCallsPerConn = 2
	d, uri := greetingDaemon(t, pol)
	c, _, w := rawClient(t, d)
	_ = c.(*net.TCPConn).SetReadBuffer(4096)
	r := wire.NewReader(c, wire.Limits{})
	connectRaw(t, r, w, "calc")
	big := strings.Repeat("x", 256<<10)
	data, err := serpent.New().Marshal(nil, value.Tuple{"calc", "echo", value.Tuple{big}, value.NewDict(0)})
	require.NoError(t, err)
	for i := range 40 {
		if err := w.WriteMessage(&wire.Message{Type: wire.MsgInvoke, Seq: uint16(i + 1), SerializerID: serial.IDSerpent, Data: data}); err != nil {
			break // the daemon closed the connection
		}
	}
	stillServes(t, uri, insecure())
	require.Eventually(t, func() bool { return d.Connections() == 0 }, 10*time.Second, 20*time.Millisecond,
		"the slow reader's connection is closed")
}

// TestMalformedBatchItems sends batches by hand: the calls before a
// malformed item run, the item gives a ProtocolError as the last result,
// and nothing after it runs, with every safe codec (msgpack's own batch
// decoding and the generic one).
func TestMalformedBatchItems(t *testing.T) {
	_, uri := greetingDaemon(t, insecure())
	d := newTestDaemon(t, insecure())
	a := &arith{}
	_, err := d.Register(a, Expose("Add"), WithID("adder"))
	require.NoError(t, err)
	startDaemon(t, d)
	kw := value.NewDict(0)
	good := value.Tuple{"add", value.Tuple{int64(1), int64(2)}, kw}
	for _, c := range codecs.Safe() {
		for name, items := range map[string][]any{
			"none":       {good, nil, good},
			"two":        {good, value.Tuple{"add", value.Tuple{int64(1), int64(2)}}, good},
			"str":        {good, "add", good},
			"method int": {good, value.Tuple{int64(7), value.Tuple{}, kw}, good},
		} {
			t.Run(c.Name()+"/"+name, func(t *testing.T) {
				a.ran.Store(0)
				_, r, w := rawClient(t, d)
				connectRaw(t, r, w, "adder")
				data, err := serial.EncodeCall(c, nil, serial.Call{Object: "adder", Method: "<batch>", Args: items})
				require.NoError(t, err)
				require.NoError(t, w.WriteMessage(&wire.Message{Type: wire.MsgInvoke, Flags: wire.FlagBatch, SerializerID: c.ID(), Data: data}))
				m, err := r.ReadMessage()
				require.NoError(t, err)
				require.Equal(t, wire.MsgResult, m.Type)
				v, err := c.Unmarshal(m.Data, serial.Limits{})
				require.NoError(t, err)
				res := asSeq(v)
				require.Len(t, res, 2, "%#v", v)
				assert.True(t, value.Equal(int64(3), res[0]), "%#v", res[0])
				x, ok := value.ParseExceptionWrapper(res[1])
				require.True(t, ok, "%#v", res[1])
				if name == "method int" {
					assert.Equal(t, "builtins.AttributeError", x.Class)
				} else {
					assert.Equal(t, ErrProtocol.class, x.Class)
					assert.Contains(t, fmt.Sprint(x.Args...), "malformed batch item")
				}
				assert.EqualValues(t, 1, a.ran.Load())
			})
		}
	}
	stillServes(t, uri, insecure())
}
