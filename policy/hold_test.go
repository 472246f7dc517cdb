package policy

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/transport"
	"github.com/flintrpc/flint/wire"
)

// countConn counts the Write calls made on it.
type countConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
}

func (c *countConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *countConn) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// plainPair is a daemon-side and a client-side Conn over a socketpair; the
// daemon's raw writes are counted.
func plainPair(t *testing.T) (srv, cli *Conn, srvRaw *countConn) {
	t.Helper()
	a, b, err := transport.SocketPair()
	require.NoError(t, err)
	srvRaw = &countConn{Conn: a}
	p := &Policy{AllowInsecurePlaintext: true}
	g, err := NewGate(p, "unix")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv, err = g.Accept(context.Background(), srvRaw)
	}()
	cli, cerr := Client(context.Background(), p, b, "unix", DialOptions{})
	require.NoError(t, cerr)
	<-done
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close(); cli.Close() })
	return srv, cli, srvRaw
}

func msg(seq uint16, data string) *wire.Message {
	return &wire.Message{Type: wire.MsgResult, Seq: seq, SerializerID: serial.IDMsgpack, Data: []byte(data)}
}

func TestHeldMessageGoesOutWithTheNext(t *testing.T) {
	srv, cli, raw := plainPair(t)
	before := raw.count()
	srv.Hold(msg(1, "held"), time.Hour)
	assert.Equal(t, before, raw.count(), "a held message is not written yet")
	require.NoError(t, srv.WriteMessage(msg(2, "next")))
	assert.Equal(t, before+1, raw.count(), "held and next message share one write")
	for _, want := range []uint16{1, 2} {
		m, err := cli.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, want, m.Seq, "the held message comes first")
	}
}

func TestHeldMessageFlushedAfterItsDelay(t *testing.T) {
	srv, cli, _ := plainPair(t)
	start := time.Now()
	srv.Hold(msg(7, "alone"), 20*time.Millisecond)
	m, err := cli.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, uint16(7), m.Seq)
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
}

func TestSecondHoldWritesTheFirst(t *testing.T) {
	srv, cli, _ := plainPair(t)
	srv.Hold(msg(1, "a"), time.Hour)
	srv.Hold(msg(2, "b"), time.Hour)
	require.NoError(t, srv.WriteMessages(msg(3, "c")))
	for _, want := range []uint16{1, 2, 3} {
		m, err := cli.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, want, m.Seq)
	}
}

func TestHeldMessageDroppedOnClose(t *testing.T) {
	srv, _, raw := plainPair(t)
	before := raw.count()
	srv.Hold(msg(1, "never"), 5*time.Millisecond)
	require.NoError(t, srv.Close())
	time.Sleep(30 * time.Millisecond)
	assert.Equal(t, before, raw.count(), "no write is attempted on a closed connection")
}

func TestPendingSeesBufferedMessage(t *testing.T) {
	srv, cli, _ := plainPair(t)
	require.NoError(t, cli.WriteMessages(msg(1, "x"), msg(2, "y")))
	_, err := srv.ReadMessage()
	require.NoError(t, err)
	assert.True(t, srv.Pending(), "the second message arrived with the first")
	_, err = srv.ReadMessage()
	require.NoError(t, err)
	assert.False(t, srv.Pending())
}

func TestRearm(t *testing.T) {
	const timeout = 16 * time.Second
	_, ok := rearm(0, timeout)
	assert.True(t, ok, "an unarmed deadline is armed")
	t0, _ := rearm(0, timeout)
	_, ok = rearm(t0.UnixNano(), timeout)
	assert.False(t, ok, "a deadline set just now is left alone")
	_, ok = rearm(t0.Add(-2*time.Second).UnixNano(), timeout)
	assert.True(t, ok, "a deadline that came more than timeout/16 closer is moved")
}

// TestIdleTimeoutStillApplies: with the deadline moved lazily, a daemon
// still drops a peer that stays silent for the idle timeout.
func TestIdleTimeoutStillApplies(t *testing.T) {
	srv, cli, _ := plainPair(t)
	srv.p.limits.IdleTimeout = 80 * time.Millisecond
	require.NoError(t, cli.WriteMessage(msg(1, "x")))
	_, err := srv.ReadMessage()
	require.NoError(t, err)
	start := time.Now()
	_, err = srv.ReadMessage()
	require.Error(t, err)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Less(t, time.Since(start), 2*time.Second)
}
