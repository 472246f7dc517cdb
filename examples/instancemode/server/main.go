// Command server publishes the instancemode example's three objects
// (instance.single, instance.session, instance.percall), the Go port of
// Pyro4's examples/instancemode server. It prints their URIs and serves
// until interrupted.
//
// Pyro4's example registers the objects in a name server; flint's --ns
// registration arrives with the naming package, so for now give the
// client the daemon's location (host:port). Configuration comes from the
// environment (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/instancemode"
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
	if err := instancemode.Register(d, &instancemode.Objects{}); err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	for _, id := range []string{instancemode.SingleID, instancemode.SessionID, instancemode.PercallID} {
		fmt.Printf("Object uri = %s\n", d.URIFor(id))
	}
	fmt.Printf("Ready. Daemon location = %s\n", d.Location())
	return d.Serve(ctx)
}
