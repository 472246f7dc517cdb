// Command server publishes Pyro4's benchmark object as example.benchmark and
// prints its URI, like Pyro4's examples/benchmark/server.py.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/benchmark"
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
	uri, err := benchmark.Register(d)
	if err != nil {
		return err
	}
	fmt.Printf("Object uri = %s\n", uri)
	fmt.Println("Ready.")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return d.Serve(ctx)
}
