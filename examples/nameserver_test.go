package examples_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/callback"
	"github.com/flintrpc/flint/examples/exceptions"
	"github.com/flintrpc/flint/examples/instancemode"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/naming/namingtest"
	"github.com/flintrpc/flint/secure"
)

// TestExamplesThroughNameServer registers the Go servers' objects in a
// flint name server, as their -ns flag does, and runs the clients with
// their default PYRONAME: URIs: the Go clients through naming.Resolver,
// the Python clients through Pyro4's own name server lookup.
func TestExamplesThroughNameServer(t *testing.T) {
	t.Parallel()
	pol := namingtest.Plaintext()
	srv := namingtest.Start(t, pol)
	ns := namingtest.Client(t, srv, pol)
	opts := namingtest.Options(srv, pol)
	ctx := ctxT(t)

	d := startDaemon(t, nil)
	out := &lockedBuffer{}
	excURI, err := exceptions.Register(d)
	require.NoError(t, err)
	require.NoError(t, instancemode.Register(d, &instancemode.Objects{Out: out}))
	require.NoError(t, callback.Register(d, 0, out))
	for name, uri := range map[string]secure.URI{
		exceptions.ObjectID:    excURI,
		instancemode.SingleID:  d.URIFor(instancemode.SingleID),
		instancemode.SessionID: d.URIFor(instancemode.SessionID),
		instancemode.PercallID: d.URIFor(instancemode.PercallID),
		callback.ObjectID:      d.URIFor(callback.ObjectID),
		callback.Object2ID:     d.URIFor(callback.Object2ID),
	} {
		require.NoError(t, ns.Register(ctx, name, uri, naming.RegisterOptions{}))
	}
	cfg := proxyConfig()
	cfg.Resolver = namingtest.Resolver(srv, pol)

	t.Run("go clients", func(t *testing.T) {
		var w lockedBuffer
		require.NoError(t, exceptions.Client(ctx, &w, cfg, "PYRONAME:"+exceptions.ObjectID))
		requireLines(t, w.String(), exceptionLines...)
		w = lockedBuffer{}
		require.NoError(t, instancemode.Client(ctx, &w, cfg, ""))
		checkInstanceClient(t, w.String())
		w = lockedBuffer{}
		dcfg := secure.DaemonConfig{Host: "127.0.0.1", Policy: insecure()}
		require.NoError(t, callback.Client(ctx, &w, cfg, dcfg, "PYRONAME:"+callback.ObjectID, "PYRONAME:"+callback.Object2ID))
		checkCallbackClient(t, w.String())
	})
	t.Run("python clients", func(t *testing.T) {
		needPython(t)
		env := []string{"PYRO_NS_HOST=" + opts.Host, "PYRO_NS_PORT=" + strconv.Itoa(opts.Port)}
		requireLines(t, runPython(t, env, "exceptions/python/client.py"), exceptionLines...)
		checkInstanceClient(t, runPython(t, env, "instancemode/python/client.py"))
		checkCallbackClient(t, runPython(t, env, "callback/python/client.py"))
	})
}
