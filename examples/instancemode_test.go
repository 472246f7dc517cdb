package examples_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/instancemode"
	"github.com/flintrpc/flint/secure"
)

var instanceLines = []string{
	"PERCALL", "instances: 3",
	"SESSION", "instances: 1", "..new proxy..", "instances: 1", "instances over both sessions: 2",
	"SINGLE", "instances over both proxies: 1",
}

// sessionResult is what instance.session's msg returns: the instance
// number and the correlation id of the call that created it.
var sessionResult = regexp.MustCompile(`\(\d+, '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}'\)`)

func checkInstanceClient(t *testing.T, out string) {
	t.Helper()
	requireLines(t, out, instanceLines...)
	require.Len(t, sessionResult.FindAllString(out, -1), 6, out)
}

func TestInstanceMode(t *testing.T) {
	t.Parallel()
	serve := func(t *testing.T) (string, *lockedBuffer) {
		out := &lockedBuffer{}
		d := startDaemon(t, nil)
		require.NoError(t, instancemode.Register(d, &instancemode.Objects{Out: out}))
		return d.Location(), out
	}
	t.Run("go client", func(t *testing.T) {
		loc, out := serve(t)
		var w lockedBuffer
		require.NoError(t, instancemode.Client(ctxT(t), &w, proxyConfig(), loc))
		checkInstanceClient(t, w.String())
		// session instances are released with their connection
		out.waitFor(t, "SessionInstance released", 5*time.Second)
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		loc, _ := serve(t)
		checkInstanceClient(t, runPython(t, nil, "instancemode/python/client.py", loc))
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "instancemode/python/server.py", "--until-eof")
		u, err := secure.ParseURI(py.uris[instancemode.SingleID])
		require.NoError(t, err)
		var w lockedBuffer
		require.NoError(t, instancemode.Client(ctxT(t), &w, proxyConfig(), u.Location()))
		checkInstanceClient(t, w.String())
	})
}
