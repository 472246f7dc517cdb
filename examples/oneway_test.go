package examples_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/oneway"
)

var onewayLines = []string{
	"starting server using a oneway call",
	"doing some more oneway calls inbetween",
	"server done?", "no, trying again", "server done?", "yes!",
	"getting the result from the server: The result :)",
	"Calling oneway work method",
}

// checkOnewayClient checks a client's output: the oneway call and the four
// calls after it did not wait for the six ticks of work.
func checkOnewayClient(t *testing.T, out string) {
	t.Helper()
	requireLines(t, out, onewayLines...)
	var took float64
	i := strings.Index(out, "those five calls took")
	require.GreaterOrEqual(t, i, 0, out)
	_, err := fmt.Sscanf(out[i:], "those five calls took %g ticks", &took)
	require.NoError(t, err)
	assert.Less(t, took, 5.0, "the oneway call (6 ticks of work) must not block the calls after it")
}

func TestOneway(t *testing.T) {
	t.Parallel()
	const tick = 150 * time.Millisecond
	t.Run("go client", func(t *testing.T) {
		out := &lockedBuffer{}
		d := startDaemon(t, nil)
		uri, err := oneway.Register(d, &oneway.Server{Tick: tick, Out: out})
		require.NoError(t, err)
		var w lockedBuffer
		require.NoError(t, oneway.Client(ctxT(t), &w, proxyConfig(), uri.String(), tick))
		checkOnewayClient(t, w.String())
		// oneway_work goes on after the client is gone.
		out.waitFor(t, "work's done!", 5*time.Second)
		// oneway_start runs concurrently with the calls after it, so under
		// load "nothing got called" may come before its first line.
		requireLines(t, out.String(), "start request received", "work is done!", "ready status requested (true)", "work work.. 1", "work work.. 10")
		assert.Contains(t, out.String(), "nothing got called")
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		out := &lockedBuffer{}
		d := startDaemon(t, nil)
		uri, err := oneway.Register(d, &oneway.Server{Tick: tick, Out: out})
		require.NoError(t, err)
		checkOnewayClient(t, runPython(t, nil, "oneway/python/client.py", uri.String(), fmt.Sprint(tick.Seconds())))
		out.waitFor(t, "work's done!", 5*time.Second)
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "oneway/python/server.py", "--tick", fmt.Sprint(tick.Seconds()), "--until-eof")
		var w lockedBuffer
		require.NoError(t, oneway.Client(ctxT(t), &w, proxyConfig(), py.uris[oneway.ObjectID], tick))
		checkOnewayClient(t, w.String())
		py.out.waitFor(t, "work's done!", 5*time.Second)
	})
}
