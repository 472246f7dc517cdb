// Command server publishes the instancemode example's three objects
// (instance.single, instance.session, instance.percall), the Go port of
// Pyro4's examples/instancemode server:
//
//	server [-ns]
//
// It prints their URIs and the daemon's location and serves until
// interrupted; with -ns it also registers them in the name server
// (FLINT_NS_HOST, FLINT_NS_PORT), as Pyro4's example does. Configuration
// comes from the environment (FLINT_HOST, FLINT_PORT, FLINT_TLS_*,
// FLINT_INSECURE, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/instancemode"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	useNS := flag.Bool("ns", false, "register the objects in the name server")
	flag.Parse()
	if err := run(*useNS); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(useNS bool) error {
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
	names := map[string]secure.URI{}
	for _, id := range []string{instancemode.SingleID, instancemode.SessionID, instancemode.PercallID} {
		names[id] = d.URIFor(id)
		fmt.Printf("Object uri = %s\n", d.URIFor(id))
	}
	if useNS {
		if err := naming.RegisterFromEnv(ctx, cfg.Policy, names); err != nil {
			d.Close()
			return err
		}
	}
	fmt.Printf("Ready. Daemon location = %s\n", d.Location())
	return d.Serve(ctx)
}
