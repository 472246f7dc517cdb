// Command server publishes the streaming example's Streamer as
// "example.streamer", the Go port of Pyro4's examples/streaming server:
//
//	server [-slow 500ms]
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

	"github.com/flintrpc/flint/examples/streaming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	slow := flag.Duration("slow", streaming.DefaultSlowDelay, "pause before each item of slow_generator")
	flag.Parse()
	if err := run(&streaming.Streamer{SlowDelay: *slow}); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(s *streaming.Streamer) error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	uri, err := streaming.Register(d, s)
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
