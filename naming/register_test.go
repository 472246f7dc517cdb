package naming_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/naming/namingtest"
	"github.com/flintrpc/flint/secure"
)

// TestRegisterFromEnv registers URIs in a real name server found from the
// environment, as a server's -ns flag does, and looks them up.
func TestRegisterFromEnv(t *testing.T) {
	pol := namingtest.Plaintext()
	srv := namingtest.Start(t, pol)
	opts := namingtest.Options(srv, pol)
	t.Setenv(naming.EnvNSHost, opts.Host)
	t.Setenv(naming.EnvNSPort, strconv.Itoa(opts.Port))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := secure.ParseURI("PYRO:one@127.0.0.1:4001")
	require.NoError(t, err)
	b, err := secure.ParseURI("PYRO:two@127.0.0.1:4002")
	require.NoError(t, err)
	require.NoError(t, naming.RegisterFromEnv(ctx, pol, map[string]secure.URI{"x.one": a, "x.two": b}))
	ns := namingtest.Client(t, srv, pol)
	for name, want := range map[string]secure.URI{"x.one": a, "x.two": b} {
		got, err := ns.Lookup(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, want.String(), got.String())
	}
	// Without a reachable name server it fails, and says so.
	t.Setenv(naming.EnvNSPort, "1")
	err = naming.RegisterFromEnv(ctx, pol, map[string]secure.URI{"x.one": a})
	require.ErrorContains(t, err, "name server")
}
