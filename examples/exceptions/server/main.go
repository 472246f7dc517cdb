// Command server publishes the exceptions example's TestClass as
// "example.exceptions", the Go port of Pyro4's examples/exceptions server.
//
//	server [-ns]
//
// It prints the object's URI and serves until interrupted; with -ns it
// also registers it in the name server (FLINT_NS_HOST, FLINT_NS_PORT), as
// Pyro4's example does. Set FLINT_EXPOSE_TRACEBACKS=1 to send error
// details and Go stacks to clients (development only). Configuration
// comes from the environment (FLINT_HOST, FLINT_PORT, FLINT_TLS_*,
// FLINT_INSECURE, ...).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flintrpc/flint/examples/exceptions"
	"github.com/flintrpc/flint/examples/internal/serve"
	"github.com/flintrpc/flint/secure"
)

func main() {
	useNS := flag.Bool("ns", false, "register example.exceptions in the name server")
	flag.Parse()
	nsName := ""
	if *useNS {
		nsName = exceptions.ObjectID
	}
	err := serve.Object(func(d *secure.Daemon) (secure.URI, error) { return exceptions.Register(d) }, nsName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
