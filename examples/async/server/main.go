// Command server publishes the async example's Thingy as "example.async",
// the Go port of Pyro4's examples/async server:
//
//	server [-delay 3s]
//
// It prints the object's URI and serves until interrupted. Configuration
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

	"github.com/flintrpc/flint/examples/async"
	"github.com/flintrpc/flint/secure"
)

func main() {
	delay := flag.Duration("delay", async.DefaultDelay, "how long divide takes")
	flag.Parse()
	if err := run(&async.Thingy{Delay: *delay}); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(t *async.Thingy) error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	uri, err := async.Register(d, t)
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
