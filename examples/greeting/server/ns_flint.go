package main

import (
	"context"
	"fmt"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

// With flint's naming package built in, --ns registers the object in the
// name server found from FLINT_NS_HOST/FLINT_NS_PORT (or by broadcast when
// no host is set), reached under the daemon's own policy.
func init() {
	nsRegister = func(ctx context.Context, cfg secure.DaemonConfig, name string, uri secure.URI) error {
		opts, err := naming.LocateOptionsFromEnv()
		if err != nil {
			return err
		}
		if cfg.Policy != nil {
			opts.Policy = cfg.Policy
		}
		p, err := naming.Locate(ctx, opts)
		if err != nil {
			return err
		}
		ns := naming.NewClient(p)
		defer ns.Close()
		if err := ns.Register(ctx, name, uri, naming.RegisterOptions{}); err != nil {
			return fmt.Errorf("registering %s in the name server: %w", name, err)
		}
		return nil
	}
}
