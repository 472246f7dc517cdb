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
	"flag"
	"fmt"
	"os"

	"github.com/flintrpc/flint/examples/async"
	"github.com/flintrpc/flint/examples/internal/serve"
	"github.com/flintrpc/flint/secure"
)

func main() {
	delay := flag.Duration("delay", async.DefaultDelay, "how long divide takes")
	flag.Parse()
	err := serve.Object(func(d *secure.Daemon) (secure.URI, error) { return async.Register(d, &async.Thingy{Delay: *delay}) }, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
