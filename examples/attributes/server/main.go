// Command server publishes the attributes example's Thingy as
// "example.attributes" (one per client connection), the Go port of
// Pyro4's examples/attributes server. It prints the object's URI and
// serves until interrupted. Configuration comes from the environment
// (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/attributes"
	"github.com/flintrpc/flint/secure"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	uri, err := attributes.Register(d)
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
