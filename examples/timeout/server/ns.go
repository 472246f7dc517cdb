package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

// registerNames registers each URI under its name in the name server
// found from FLINT_NS_HOST and FLINT_NS_PORT (or by broadcast when no host
// is set), reached under the daemon's own policy. It is what -ns does,
// like Pyro4's serveSimple(ns=True).
func registerNames(ctx context.Context, cfg secure.DaemonConfig, names map[string]secure.URI) error {
	opts, err := naming.LocateOptionsFromEnv()
	if err != nil {
		return err
	}
	if cfg.Policy != nil {
		opts.Policy = cfg.Policy
	}
	p, err := naming.Locate(ctx, opts)
	if err != nil {
		return fmt.Errorf("locating the name server: %w", err)
	}
	ns := naming.NewClient(p)
	defer ns.Close()
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if err := ns.Register(ctx, name, names[name], naming.RegisterOptions{}); err != nil {
			return fmt.Errorf("registering %s in the name server: %w", name, err)
		}
	}
	return nil
}
