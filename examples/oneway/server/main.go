// Command server publishes the oneway example's Server as
// "example.oneway", the Go port of Pyro4's examples/oneway server:
//
//	server [-tick 1s] [-ns]
//
// It prints the object's URI and serves until interrupted. With -ns it
// also registers the object in the name server (FLINT_NS_HOST,
// FLINT_NS_PORT), as Pyro4's example does. Configuration comes from the
// environment (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/oneway"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	tick := flag.Duration("tick", oneway.DefaultTick, "how long one unit of work takes")
	useNS := flag.Bool("ns", false, "register example.oneway in the name server")
	flag.Parse()
	if err := run(&oneway.Server{Tick: *tick}, *useNS); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(s *oneway.Server, useNS bool) error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	uri, err := oneway.Register(d, s)
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if useNS {
		if err := naming.RegisterFromEnv(ctx, cfg.Policy, map[string]secure.URI{oneway.ObjectID: uri}); err != nil {
			d.Close()
			return err
		}
	}
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
