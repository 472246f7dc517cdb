package examples_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/batchedcalls"
)

var batchedLines = []string{
	"Normal remote calls...", "calls/sec",
	"Batched remote calls...", "batched calls were",
	"Oneway batched remote calls...", "oneway batched calls were",
	"Batched remote calls, asynchronous...", "results= [0",
	"100//3 = 33", "100//2 = 50", "100//1 = 100",
	"A divide by zero error occurred during the batch! (expected)",
	"ZeroDivisionError",
}

var batchedServerLines = []string{
	"beginning normal calls", "end of normal calls",
	"beginning batch #1", "end of batch #1",
}

// checkBatchedServer checks a server's output. The oneway batch #2 runs
// in its own goroutine or thread, so it overlaps batch #3.
func checkBatchedServer(t *testing.T, out *lockedBuffer) {
	t.Helper()
	out.waitFor(t, "end of batch #2", 5*time.Second)
	out.waitFor(t, "end of batch #3", 5*time.Second)
	requireLines(t, out.String(), batchedServerLines...)
	requireLines(t, out.String(), "end of batch #1", "beginning batch #2", "end of batch #2")
	requireLines(t, out.String(), "end of batch #1", "beginning batch #3", "end of batch #3")
}

func TestBatchedCalls(t *testing.T) {
	t.Parallel()
	const loops = 300
	const delay = 100 * time.Millisecond
	out := &lockedBuffer{}
	d := startDaemon(t, nil)
	uri, err := batchedcalls.Register(d, &batchedcalls.Thingy{Out: out})
	require.NoError(t, err)

	t.Run("go client", func(t *testing.T) {
		var w lockedBuffer
		require.NoError(t, batchedcalls.Client(ctxT(t), &w, proxyConfig(), uri.String(), loops, delay))
		requireLines(t, w.String(), batchedLines...)
		requireLines(t, w.String(), "results= [0 42 30 0.1 0]")
		checkBatchedServer(t, out)
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		got := runPython(t, nil, "batchedcalls/python/client.py", uri.String(), fmt.Sprint(loops), fmt.Sprint(delay.Seconds()))
		requireLines(t, got, batchedLines...)
		requireLines(t, got, "results= [0, 42, 30, 0.1, 0]")
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "batchedcalls/python/server.py", "--until-eof")
		var w lockedBuffer
		require.NoError(t, batchedcalls.Client(ctxT(t), &w, proxyConfig(), py.uris[batchedcalls.ObjectID], loops, delay))
		requireLines(t, w.String(), batchedLines...)
		checkBatchedServer(t, py.out)
	})
}
