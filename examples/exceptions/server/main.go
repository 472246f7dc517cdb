// Command server publishes the exceptions example's TestClass as
// "example.exceptions", the Go port of Pyro4's examples/exceptions server.
// It prints the object's URI and serves until interrupted. Set
// FLINT_EXPOSE_TRACEBACKS=1 to send error details and Go stacks to
// clients (development only).
//
// Pyro4's example registers the object in a name server; flint's --ns
// registration arrives with the naming package, so for now give the
// printed URI to the client. Configuration comes from the environment
// (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/exceptions"
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
	uri, err := exceptions.Register(d)
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
