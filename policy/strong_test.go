package policy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/transport"
	"github.com/flintrpc/flint/wire"
)

// recConn records everything written through it.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *recConn) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.buf.Write(b)
	r.mu.Unlock()
	return r.Conn.Write(b)
}

func (r *recConn) take() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]byte(nil), r.buf.Bytes()...)
	r.buf.Reset()
	return out
}

func strongPolicy(key string) *Policy {
	return &Policy{AllowInsecurePlaintext: true, HMACKey: auth.NewKey([]byte(key))}
}

// strongPair connects a client and a daemon-side Conn in strong mode over a
// socketpair; the client's and daemon's raw writes are recorded.
func strongPair(t *testing.T, ckey, skey string) (cli, srv *Conn, cliRaw, srvRaw *recConn, err error) {
	a, b, perr := transport.SocketPair()
	require.NoError(t, perr)
	srvRaw, cliRaw = &recConn{Conn: a}, &recConn{Conn: b}
	g, gerr := NewGate(strongPolicy(skey), "unix")
	require.NoError(t, gerr)
	var serr error
	done := make(chan struct{})
	go func() {
		srv, serr = g.Accept(context.Background(), srvRaw)
		close(done)
	}()
	cli, err = Client(context.Background(), strongPolicy(ckey), cliRaw, "unix", DialOptions{})
	<-done
	if err == nil {
		err = serr
	}
	t.Cleanup(func() {
		if cli != nil {
			cli.Close()
		}
		if srv != nil {
			srv.Close()
		}
	})
	return
}

func invoke(seq uint16, data string) *wire.Message {
	return &wire.Message{Type: wire.MsgInvoke, Seq: seq, SerializerID: serial.IDSerpent, Data: []byte(data)}
}

func TestStrongHandshakeAndMessages(t *testing.T) {
	cli, srv, _, _, err := strongPair(t, "k1", "k1")
	require.NoError(t, err)
	assert.True(t, cli.Identity().HMAC)
	assert.True(t, srv.Identity().HMAC)
	require.NoError(t, cli.WriteMessage(invoke(1, "one")))
	m, err := srv.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "one", string(m.Data))
	require.NoError(t, srv.WriteMessage(&wire.Message{Type: wire.MsgResult, Seq: 1, SerializerID: serial.IDSerpent, Data: []byte("r")}))
	m, err = cli.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "r", string(m.Data))
}

func TestStrongWrongKeyRefused(t *testing.T) {
	_, _, _, _, err := strongPair(t, "k1", "k2")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrHandshake), "%v", err)
}

func TestStrongReplayReorderReflection(t *testing.T) {
	t.Run("replay", func(t *testing.T) {
		cli, srv, cliRaw, _, err := strongPair(t, "k", "k")
		require.NoError(t, err)
		cliRaw.take()
		require.NoError(t, cli.WriteMessage(invoke(1, "pay 100")))
		rec := cliRaw.take()
		_, err = srv.ReadMessage()
		require.NoError(t, err)
		_, err = cliRaw.Conn.Write(rec) // the same bytes again
		require.NoError(t, err)
		_, err = srv.ReadMessage()
		require.ErrorIs(t, err, wire.ErrMACMismatch)
	})
	t.Run("reorder", func(t *testing.T) {
		cli, srv, cliRaw, _, err := strongPair(t, "k", "k")
		require.NoError(t, err)
		cliRaw.take()
		require.NoError(t, cli.WriteMessage(invoke(1, "first")))
		first := cliRaw.take()
		require.NoError(t, cli.WriteMessage(invoke(2, "second")))
		second := cliRaw.take()
		// Take both off the wire, then deliver them swapped.
		_, err = io.ReadFull(srv.raw, make([]byte, len(first)+len(second)))
		require.NoError(t, err)
		r := wire.NewReader(bytes.NewReader(append(append([]byte{}, second...), first...)), wire.Limits{})
		r.SetAuthenticator(srv.auth)
		_, err = r.ReadMessage()
		require.ErrorIs(t, err, wire.ErrMACMismatch)
	})
	t.Run("reflection", func(t *testing.T) {
		cli, srv, _, srvRaw, err := strongPair(t, "k", "k")
		require.NoError(t, err)
		srvRaw.take()
		require.NoError(t, srv.WriteMessage(&wire.Message{Type: wire.MsgResult, Seq: 1, SerializerID: serial.IDSerpent, Data: []byte("x")}))
		reply := srvRaw.take()
		_, err = cli.ReadMessage()
		require.NoError(t, err)
		// Reflect the daemon's own message back at it.
		r := wire.NewReader(bytes.NewReader(reply), wire.Limits{})
		r.SetAuthenticator(srv.auth)
		_, err = r.ReadMessage()
		require.ErrorIs(t, err, wire.ErrMACMismatch)
	})
	t.Run("tampered header", func(t *testing.T) {
		cli, srv, cliRaw, _, err := strongPair(t, "k", "k")
		require.NoError(t, err)
		cliRaw.take()
		require.NoError(t, cli.WriteMessage(invoke(1, "x")))
		rec := cliRaw.take()
		_, _ = io.ReadFull(srv.raw, make([]byte, len(rec)))
		rec[9] |= byte(wire.FlagOneway) // flip ONEWAY; fix the checksum so only the MAC can notice
		h, err := wire.ParseHeader(fixChecksum(rec))
		require.NoError(t, err)
		_ = h
		r := wire.NewReader(bytes.NewReader(rec), wire.Limits{})
		r.SetAuthenticator(srv.auth)
		_, err = r.ReadMessage()
		require.ErrorIs(t, err, wire.ErrMACMismatch)
	})
}

func fixChecksum(msg []byte) []byte {
	h, err := wire.ParseHeader(msg[:wire.HeaderSize])
	if err == nil {
		return msg
	}
	var hh wire.Header
	hh.Type = wire.MsgType(uint16(msg[6])<<8 | uint16(msg[7]))
	hh.Flags = wire.Flags(uint16(msg[8])<<8 | uint16(msg[9]))
	hh.Seq = uint16(msg[10])<<8 | uint16(msg[11])
	hh.DataSize = int32(uint32(msg[12])<<24 | uint32(msg[13])<<16 | uint32(msg[14])<<8 | uint32(msg[15]))
	hh.SerializerID = uint16(msg[16])<<8 | uint16(msg[17])
	hh.AnnotationsSize = uint16(msg[18])<<8 | uint16(msg[19])
	c := hh.ComputeChecksum()
	msg[22], msg[23] = byte(c>>8), byte(c)
	_ = h
	return msg
}

func TestDowngradeRefused(t *testing.T) {
	t.Run("daemon requires strong, client offers none", func(t *testing.T) {
		a, b, err := transport.SocketPair()
		require.NoError(t, err)
		g, err := NewGate(strongPolicy("k"), "unix")
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() {
			c, err := g.Accept(context.Background(), a)
			if c != nil {
				c.Close()
			}
			done <- err
		}()
		cli, err := Client(context.Background(), &Policy{AllowInsecurePlaintext: true}, b, "unix", DialOptions{})
		require.NoError(t, err)
		defer cli.Close()
		require.NoError(t, cli.WriteMessage(&wire.Message{Type: wire.MsgConnect, SerializerID: serial.IDSerpent, Data: []byte("x")}))
		m, err := cli.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, wire.MsgConnectFail, m.Type)
		assert.Contains(t, string(m.Data), "strong HMAC")
		assert.ErrorIs(t, <-done, ErrDowngrade)
	})
	t.Run("client requires strong, daemon has no key", func(t *testing.T) {
		a, b, err := transport.SocketPair()
		require.NoError(t, err)
		g, err := NewGate(&Policy{AllowInsecurePlaintext: true}, "unix")
		require.NoError(t, err)
		go func() {
			c, err := g.Accept(context.Background(), a)
			if err == nil {
				// A keyless daemon answers the hello like Pyro4 does.
				m, err := c.ReadMessage()
				if err == nil && m.Type == wire.MsgPing {
					_ = c.WriteMessage(connectFail("invalid msg type 6 received"))
				}
				c.Close()
			}
		}()
		_, err = Client(context.Background(), strongPolicy("k"), b, "unix", DialOptions{})
		assert.ErrorIs(t, err, ErrDowngrade)
	})
	t.Run("client offers pyro4 HMAC to a strong daemon", func(t *testing.T) {
		a, b, err := transport.SocketPair()
		require.NoError(t, err)
		g, err := NewGate(strongPolicy("k"), "unix")
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() {
			c, err := g.Accept(context.Background(), a)
			if c != nil {
				c.Close()
			}
			done <- err
		}()
		pol := strongPolicy("k")
		pol.HMACMode = HMACPyro4
		cli, err := Client(context.Background(), pol, b, "unix", DialOptions{})
		require.NoError(t, err)
		defer cli.Close()
		_ = cli.WriteMessage(&wire.Message{Type: wire.MsgConnect, SerializerID: serial.IDSerpent, Data: []byte("x")})
		select {
		case err := <-done:
			assert.Error(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("daemon did not refuse")
		}
	})
}

// TestStrongAuthSignSegments checks that a payload signed in pieces has
// the MAC of the joined payload, so the peer's Verify accepts it.
func TestStrongAuthSignSegments(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	pieces := [][]byte{[]byte("he"), bytes.Repeat([]byte{7}, 70000), {}, []byte("llo")}
	joined := bytes.Join(pieces, nil)
	hdr := bytes.Repeat([]byte{1}, wire.HeaderSize)
	anns := []wire.Annotation{{Key: "CORR", Value: []byte("0123456789abcdef")}}
	a := &strongAuth{send: auth.NewMessageMAC(key), recv: auth.NewMessageMAC(key)}
	mac, err := a.SignSegments(hdr, anns, pieces)
	require.NoError(t, err)
	require.NoError(t, a.Verify(hdr, anns, joined, mac))
	mac2, err := a.SignSegments(hdr, anns, pieces)
	require.NoError(t, err)
	assert.NotEqual(t, mac, mac2, "the counter advanced")
	joined[0] ^= 1
	assert.Error(t, a.Verify(hdr, anns, joined, mac2))
}
