// Command server publishes the oneway example's Server as
// "example.oneway", the Go port of Pyro4's examples/oneway server:
//
//	server [-tick 1s] [-ns]
//
// It prints the object's URI and serves until interrupted. With -ns it
// also registers the object in the name server (FLINT_NS_HOST,
// FLINT_NS_PORT), as Pyro4's example does. Configuration comes from the
// environment (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, ...).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flintrpc/flint/examples/internal/serve"
	"github.com/flintrpc/flint/examples/oneway"
	"github.com/flintrpc/flint/secure"
)

func main() {
	tick := flag.Duration("tick", oneway.DefaultTick, "how long one unit of work takes")
	useNS := flag.Bool("ns", false, "register example.oneway in the name server")
	flag.Parse()
	nsName := ""
	if *useNS {
		nsName = oneway.ObjectID
	}
	err := serve.Object(func(d *secure.Daemon) (secure.URI, error) { return oneway.Register(d, &oneway.Server{Tick: *tick}) }, nsName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
