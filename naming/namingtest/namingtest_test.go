package namingtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartAndResolve(t *testing.T) {
	srv := Start(t, Plaintext())
	ns := Client(t, srv, Plaintext())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := secure.MustParseURI("PYRO:thing@127.0.0.1:4444")
	require.NoError(t, ns.Register(ctx, "test.thing", u, naming.RegisterOptions{Metadata: []string{"kind:thing"}}))
	r := Resolver(srv, Plaintext())
	got, err := r.Resolve(ctx, secure.MustParseURI("PYRONAME:test.thing"))
	require.NoError(t, err)
	assert.Equal(t, u, got)
	got, err = r.Resolve(ctx, secure.MustParseURI("PYROMETA:kind:thing"))
	require.NoError(t, err)
	assert.Equal(t, u, got)
	_, err = r.Resolve(ctx, secure.MustParseURI("PYRONAME:absent"))
	require.ErrorIs(t, err, secure.ErrNaming)
}
