// Command server publishes the greeting example's GreetingMaker, the Go
// counterpart of Pyro4's examples/greeting server:
//
//	server          prints "Ready. Object uri = PYRO:..." and serves
//	server --ns     also registers example.greeting in the name server
//
// Configuration comes from the environment (FLINT_HOST, FLINT_PORT,
// FLINT_TLS_*, FLINT_INSECURE, FLINT_NS_HOST, FLINT_NS_PORT, ...).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flintrpc/flint/examples/greeting"
	"github.com/flintrpc/flint/examples/internal/serve"
	"github.com/flintrpc/flint/secure"
)

func main() {
	useNS := flag.Bool("ns", false, "register example.greeting in the name server")
	flag.Parse()
	nsName := ""
	if *useNS {
		nsName = "example.greeting"
	}
	err := serve.Object(func(d *secure.Daemon) (secure.URI, error) {
		return d.Register(&greeting.GreetingMaker{}, secure.ExposeInterface[greeting.Greeter]())
	}, nsName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
