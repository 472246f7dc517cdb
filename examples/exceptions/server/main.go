// Command server publishes the exceptions example's TestClass as
// "example.exceptions", the Go port of Pyro4's examples/exceptions server.
//
//	server [-ns]
//
// It prints the object's URI and serves until interrupted; with -ns it
// also registers it in the name server (FLINT_NS_HOST, FLINT_NS_PORT), as
// Pyro4's example does. Set FLINT_EXPOSE_TRACEBACKS=1 to send error
// details and Go stacks to clients (development only). Configuration
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

	"github.com/flintrpc/flint/examples/exceptions"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	useNS := flag.Bool("ns", false, "register example.exceptions in the name server")
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
	uri, err := exceptions.Register(d)
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if useNS {
		if err := naming.RegisterFromEnv(ctx, cfg.Policy, map[string]secure.URI{exceptions.ObjectID: uri}); err != nil {
			d.Close()
			return err
		}
	}
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
