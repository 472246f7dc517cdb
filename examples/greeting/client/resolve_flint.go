package main

import (
	"context"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

// With flint's naming package built in, PYRONAME: and PYROMETA: URIs are
// resolved through the name server configured in the environment
// (FLINT_NS_HOST, FLINT_NS_PORT, or broadcast), under the FLINT_* policy.
func init() {
	newResolver = func() secure.Resolver {
		opts, err := naming.LocateOptionsFromEnv()
		if err != nil {
			return failingResolver{err}
		}
		return naming.NewResolver(opts)
	}
}

// failingResolver reports a configuration error when a name is resolved.
type failingResolver struct{ err error }

func (f failingResolver) Resolve(context.Context, secure.URI) (secure.URI, error) {
	return secure.URI{}, f.err
}
