// Command client starts work on the oneway example's Server with oneway
// calls, the Go port of Pyro4's examples/oneway client:
//
//	client [-tick 1s] URI
//
// tick must match the server's. Configuration comes from the environment
// (FLINT_TLS_*, FLINT_INSECURE, FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/oneway"
	"github.com/flintrpc/flint/secure"
)

func main() {
	tick := flag.Duration("tick", oneway.DefaultTick, "the server's unit of work")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: client [-tick 1s] URI")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *tick); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri string, tick time.Duration) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*tick+30*time.Second)
	defer cancel()
	return oneway.Client(ctx, os.Stdout, cfg, uri, tick)
}
