// Command server publishes the callback example's servers
// (example.callback and example.callback2), the Go port of Pyro4's
// examples/callback server.py and server2.py:
//
//	server [-unit 1s]
//
// It prints their URIs and serves until interrupted. Pyro4's example
// registers them in a name server; flint's --ns registration arrives with
// the naming package, so for now give the printed URIs to the client.
// Configuration comes from the environment (FLINT_HOST, FLINT_PORT,
// FLINT_TLS_*, FLINT_INSECURE, ...); the server's calls back to clients use
// the same policy.
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
	"github.com/flintrpc/flint/secure"
)

func main() {
	unit := flag.Duration("unit", time.Second, "how long one unit of a worker's work takes")
	flag.Parse()
	if err := run(*unit); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(unit time.Duration) error {
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
	fmt.Printf("Object uri = %s\n", d.URIFor(callback.ObjectID))
	fmt.Printf("Object uri = %s\n", d.URIFor(callback.Object2ID))
	fmt.Println("Ready.")
	return d.Serve(ctx)
}
