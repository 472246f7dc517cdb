// Command server publishes the callback example's servers
// (example.callback and example.callback2), the Go port of Pyro4's
// examples/callback server.py and server2.py:
//
//	server [-unit 1s] [-ns]
//
// It prints their URIs and serves until interrupted; with -ns it also
// registers them in the name server (FLINT_NS_HOST, FLINT_NS_PORT), as
// Pyro4's example does. Configuration comes from the environment
// (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, ...); the server's
// calls back to clients use the same policy.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/flintrpc/flint/examples/callback"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	unit := flag.Duration("unit", time.Second, "how long one unit of a worker's work takes")
	useNS := flag.Bool("ns", false, "register both servers in the name server")
	flag.Parse()
	if err := run(*unit, *useNS); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(unit time.Duration, useNS bool) error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	if err := callback.Register(d, unit, os.Stdout); err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if useNS {
		names := map[string]secure.URI{callback.ObjectID: d.URIFor(callback.ObjectID), callback.Object2ID: d.URIFor(callback.Object2ID)}
		if err := naming.RegisterFromEnv(ctx, cfg.Policy, names); err != nil {
			d.Close()
			return err
		}
	}
	fmt.Printf("Object uri = %s\n", d.URIFor(callback.ObjectID))
	fmt.Printf("Object uri = %s\n", d.URIFor(callback.Object2ID))
	fmt.Println("Ready.")
	return d.Serve(ctx)
}
