// Command server publishes the oneway example's Server as
// "example.oneway", the Go port of Pyro4's examples/oneway server:
//
//	server [-tick 1s]
//
// It prints the object's URI and serves until interrupted. Pyro4's example
// registers the object in a name server; flint's --ns registration arrives
// with the naming package, so for now give the printed URI to the client.
// Configuration comes from the environment (FLINT_HOST, FLINT_PORT,
// FLINT_TLS_*, FLINT_INSECURE, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/oneway"
	"github.com/flintrpc/flint/secure"
)

func main() {
	tick := flag.Duration("tick", oneway.DefaultTick, "how long one unit of work takes")
	flag.Parse()
	if err := run(&oneway.Server{Tick: *tick}); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(s *oneway.Server) error {
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
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
