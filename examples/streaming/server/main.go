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
	"flag"
	"fmt"
	"os"

	"github.com/flintrpc/flint/examples/internal/serve"
	"github.com/flintrpc/flint/examples/streaming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	slow := flag.Duration("slow", streaming.DefaultSlowDelay, "pause before each item of slow_generator")
	flag.Parse()
	err := serve.Object(func(d *secure.Daemon) (secure.URI, error) {
		return streaming.Register(d, &streaming.Streamer{SlowDelay: *slow})
	}, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
