// Command server publishes the autoproxy example's Factory as
// "example.autoproxy", the Go port of Pyro4's examples/autoproxy server.
// It prints the object's URI and serves until interrupted. Configuration
// comes from the environment (FLINT_HOST, FLINT_PORT, FLINT_TLS_*,
// FLINT_INSECURE, ...).
package main

import (
	"fmt"
	"os"

	"github.com/flintrpc/flint/examples/autoproxy"
	"github.com/flintrpc/flint/examples/internal/serve"
	"github.com/flintrpc/flint/secure"
)

func main() {
	err := serve.Object(func(d *secure.Daemon) (secure.URI, error) { return autoproxy.Register(d, os.Stdout) }, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
