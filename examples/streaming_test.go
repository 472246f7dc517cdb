package examples_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/streaming"
)

var streamingLines = []string{
	"normal list:", "[1, 2, 3, 4, 5, 6, 7, 8, 9]",
	"via iterator:", "[1, 2, 3, 4, 5, 6, 7, 8, 9]",
	"via generator:", "[1, 2, 3, 4, 5, 6, 7, 8, 9]",
	"slow generator:", "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
	"first 20 fibonacci numbers:", "[0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181]",
}

func TestStreaming(t *testing.T) {
	t.Parallel()
	const slow = 20 * time.Millisecond
	out := &lockedBuffer{}
	d := startDaemon(t, nil)
	uri, err := streaming.Register(d, &streaming.Streamer{SlowDelay: slow, Out: out})
	require.NoError(t, err)

	t.Run("go client", func(t *testing.T) {
		var w lockedBuffer
		require.NoError(t, streaming.Client(ctxT(t), &w, proxyConfig(), uri.String()))
		requireLines(t, w.String(), streamingLines...)
		out.waitFor(t, "fibonacci stream closed by the client after 20 numbers", 5*time.Second)
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		requireLines(t, runPython(t, nil, "streaming/python/client.py", uri.String()), streamingLines...)
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "streaming/python/server.py", "--slow", fmt.Sprint(slow.Seconds()), "--until-eof")
		var w lockedBuffer
		require.NoError(t, streaming.Client(ctxT(t), &w, proxyConfig(), py.uris[streaming.ObjectID]))
		requireLines(t, w.String(), streamingLines...)
		py.out.waitFor(t, "fibonacci stream closed by the client after 20 numbers", 5*time.Second)
	})
}
