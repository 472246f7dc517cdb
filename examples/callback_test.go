package examples_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/callback"
	"github.com/flintrpc/flint/secure"
)

var callbackLines = []string{
	"creating a bunch of workers", "waiting for all work complete...", "done!",
	"asking callback2 to call us back twice",
	"callback 1 received from server!", "callback 2 received from server!",
	"both callbacks arrived",
}

func checkCallbackClient(t *testing.T, out string) {
	t.Helper()
	requireLines(t, out, callbackLines...)
	assert.Equal(t, callback.NumWorkers, strings.Count(out, "reports work is done!"), out)
}

// checkCallbackServer checks that the workers ran and that the server
// received both failures of the second example's callbacks.
func checkCallbackServer(t *testing.T, out *lockedBuffer) {
	t.Helper()
	out.waitFor(t, "server: callbacks done.", 5*time.Second)
	got := out.String()
	for n := 1; n <= callback.NumWorkers; n++ {
		assert.Contains(t, got, fmt.Sprintf("Worker %d done. Informing callback client.", n))
	}
	requireLines(t, got, "doing callback", "got an exception from the callback", "ZeroDivisionError",
		"doing callback", "got an exception from the callback", "ZeroDivisionError")
}

func TestCallback(t *testing.T) {
	t.Parallel()
	const unit = 40 * time.Millisecond
	serve := func(t *testing.T) (string, string, *lockedBuffer) {
		out := &lockedBuffer{}
		d := startDaemon(t, nil)
		require.NoError(t, callback.Register(d, unit, out))
		return d.URIFor(callback.ObjectID).String(), d.URIFor(callback.Object2ID).String(), out
	}
	clientDaemon := secure.DaemonConfig{Host: "127.0.0.1", Policy: insecure()}
	t.Run("go client", func(t *testing.T) {
		uri, uri2, out := serve(t)
		var w lockedBuffer
		require.NoError(t, callback.Client(ctxT(t), &w, proxyConfig(), clientDaemon, uri, uri2))
		checkCallbackClient(t, w.String())
		requireLines(t, w.String(), "callback call2 failed: remote builtins.ZeroDivisionError")
		checkCallbackServer(t, out)
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		uri, uri2, out := serve(t)
		got := runPython(t, nil, "callback/python/client.py", uri, uri2)
		checkCallbackClient(t, got)
		// @Pyro4.callback logs the failure on the client side too.
		assert.Equal(t, 1, strings.Count(got, "ZeroDivisionError"), got)
		checkCallbackServer(t, out)
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "callback/python/server.py", "--unit", fmt.Sprint(unit.Seconds()), "--until-eof")
		var w lockedBuffer
		require.NoError(t, callback.Client(ctxT(t), &w, proxyConfig(), clientDaemon, py.uris[callback.ObjectID], py.uris[callback.Object2ID]))
		checkCallbackClient(t, w.String())
		checkCallbackServer(t, py.out)
	})
}
