// Package serve holds the server loop the example programs share.
package serve

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

// Object runs an example server: a daemon configured from the FLINT_*
// environment, the object register publishes, registered in the name
// server under nsName unless it is empty, "Ready. Object uri = URI" on
// stdout, and serving until SIGINT or SIGTERM.
func Object(register func(*secure.Daemon) (secure.URI, error), nsName string) error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	uri, err := register(d)
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if nsName != "" {
		if err := naming.RegisterFromEnv(ctx, cfg.Policy, map[string]secure.URI{nsName: uri}); err != nil {
			d.Close()
			return err
		}
	}
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
