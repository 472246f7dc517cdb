package policy

import (
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReleaseReader: the read buffer goes back only after Close and only
// once; reads after it fail cleanly; the next connection that gets the
// buffer reads only its own bytes, not what the released one had buffered.
func TestReleaseReader(t *testing.T) {
	srv, cli, _ := plainPair(t)
	assert.False(t, cli.ReleaseReader(), "an open connection keeps its buffer")

	// Leave a message buffered but unread on cli: Await peeks it in.
	require.NoError(t, srv.WriteMessage(msg(7, "left behind in the buffer")))
	require.NoError(t, cli.Await())
	require.True(t, cli.Pending())

	require.NoError(t, cli.Close())
	require.True(t, cli.ReleaseReader())
	assert.False(t, cli.ReleaseReader(), "released once")
	assert.False(t, cli.Pending())
	for name, read := range map[string]func() error{
		"ReadMessage": func() error { _, err := cli.ReadMessage(); return err },
		"Await":       cli.Await,
		"Probe":       cli.Probe,
	} {
		err := read()
		assert.True(t, errors.Is(err, net.ErrClosed), "%s after release: %v", name, err)
	}

	// Connections made now may get the released buffer (sync.Pool does
	// not promise it); either way each reads exactly its own messages.
	for i := range 4 {
		srv2, cli2, _ := plainPair(t)
		assert.False(t, cli2.Pending(), "connection %d starts with nothing buffered", i)
		require.NoError(t, srv2.WriteMessage(msg(uint16(i), "own")))
		m, err := cli2.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, uint16(i), m.Seq)
		assert.Equal(t, "own", string(m.Data))
		require.NoError(t, cli2.Close())
		require.True(t, cli2.ReleaseReader())
	}
}
