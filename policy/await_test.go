package policy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/wire"
)

func frame(t *testing.T, m *wire.Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, wire.NewWriter(&buf).WriteMessage(m))
	return buf.Bytes()
}

// TestAwaitLosesNothing: a wait that a deadline ends while half a message
// has arrived consumes nothing; once the rest arrives, ReadMessage returns
// the whole message.
func TestAwaitLosesNothing(t *testing.T) {
	_, cli, srvRaw := plainPair(t)
	want := &wire.Message{Type: wire.MsgResult, Seq: 7, SerializerID: serial.IDMsgpack, Data: bytes.Repeat([]byte("d"), 300)}
	b := frame(t, want)
	_, err := srvRaw.Conn.Write(b[:wire.HeaderSize+10])
	require.NoError(t, err)

	require.NoError(t, cli.SetReadDeadline(time.Now().Add(30*time.Millisecond)))
	err = cli.Await()
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "a deadline ends the wait: %v", err)
	require.NoError(t, cli.SetReadDeadline(time.Time{}))

	_, err = srvRaw.Conn.Write(b[wire.HeaderSize+10:])
	require.NoError(t, err)
	require.NoError(t, cli.Await())
	got, err := cli.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, want.Seq, got.Seq)
	assert.Equal(t, want.Data, got.Data)
}

// TestAwaitLargeMessage: a message larger than the read buffer cannot be
// waited for whole; ReadMessage reads it.
func TestAwaitLargeMessage(t *testing.T) {
	_, cli, srvRaw := plainPair(t)
	want := &wire.Message{Type: wire.MsgResult, Seq: 1, SerializerID: serial.IDMsgpack, Data: bytes.Repeat([]byte("L"), 3*readBufferSize)}
	go func() { _, _ = srvRaw.Conn.Write(frame(t, want)) }()
	require.ErrorIs(t, cli.Await(), ErrNotBuffered)
	got, err := cli.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, want.Data, got.Data)
}

// TestProbe: an open connection passes, also with data waiting (which
// stays for the reader); one the peer closed does not.
func TestProbe(t *testing.T) {
	srv, cli, srvRaw := plainPair(t)
	require.NoError(t, cli.Probe())
	m := &wire.Message{Type: wire.MsgResult, Seq: 2, SerializerID: serial.IDMsgpack, Data: []byte("x")}
	_, err := srvRaw.Conn.Write(frame(t, m))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return cli.Probe() == nil }, time.Second, time.Millisecond)
	got, err := cli.ReadMessage()
	require.NoError(t, err, "the probe consumed nothing")
	assert.Equal(t, m.Data, got.Data)

	require.NoError(t, srv.Close())
	require.Eventually(t, func() bool { return errors.Is(cli.Probe(), io.EOF) }, 5*time.Second, time.Millisecond)
}
