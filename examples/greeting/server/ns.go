package main

import (
	"context"
	"fmt"

	"github.com/flintrpc/flint/secure"
)

// registerInNameServer is filled in by the naming package's integration.
var nsRegister func(ctx context.Context, cfg secure.DaemonConfig, name string, uri secure.URI) error

func registerInNameServer(ctx context.Context, cfg secure.DaemonConfig, uri secure.URI) error {
	if nsRegister == nil {
		return fmt.Errorf("name server support is not built in")
	}
	return nsRegister(ctx, cfg, "example.greeting", uri)
}
