// Command server publishes the batchedcalls example's Thingy as
// "example.batched", the Go port of Pyro4's examples/batchedcalls server.
// It prints the object's URI and serves until interrupted. Configuration
// comes from the environment (FLINT_HOST, FLINT_PORT, FLINT_TLS_*,
// FLINT_INSECURE, ...).
package main

import (
	"fmt"
	"os"

	"github.com/flintrpc/flint/examples/batchedcalls"
	"github.com/flintrpc/flint/examples/internal/serve"
	"github.com/flintrpc/flint/secure"
)

func main() {
	err := serve.Object(func(d *secure.Daemon) (secure.URI, error) { return batchedcalls.Register(d, &batchedcalls.Thingy{}) }, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
