package naming

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// RegisterFromEnv registers each URI under its name in the name server
// found from FLINT_NS_HOST and FLINT_NS_PORT (or by broadcast when no host
// is set), reached under pol (nil: the FLINT_* environment policy). It is
// what a server's --ns flag does, like Pyro4's serveSimple(ns=True).
func RegisterFromEnv(ctx context.Context, pol *policy.Policy, names map[string]secure.URI) error {
	opts, err := LocateOptionsFromEnv()
	if err != nil {
		return err
	}
	if pol != nil {
		opts.Policy = pol
	}
	p, err := Locate(ctx, opts)
	if err != nil {
		return fmt.Errorf("locating the name server: %w", err)
	}
	ns := NewClient(p)
	defer ns.Close()
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if err := ns.Register(ctx, name, names[name], RegisterOptions{}); err != nil {
			return fmt.Errorf("registering %s in the name server: %w", name, err)
		}
	}
	return nil
}

// ResolverFromEnv returns a resolver for PYRONAME and PYROMETA URIs through
// the name server configured in the environment. A configuration error is
// reported when a name is resolved.
func ResolverFromEnv() secure.Resolver {
	opts, err := LocateOptionsFromEnv()
	if err != nil {
		return failingResolver{err}
	}
	return NewResolver(opts)
}

type failingResolver struct{ err error }

func (f failingResolver) Resolve(context.Context, secure.URI) (secure.URI, error) {
	return secure.URI{}, f.err
}
