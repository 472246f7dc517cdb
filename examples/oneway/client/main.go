// Command client starts work on the oneway example's Server with oneway
// calls, the Go port of Pyro4's examples/oneway client:
//
//	client [-tick 1s] [URI]
//
// tick must match the server's. URI defaults to PYRONAME:example.oneway,
// found through the name server (FLINT_NS_HOST, FLINT_NS_PORT).
// Configuration comes from the environment (FLINT_TLS_*, FLINT_INSECURE,
// FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/oneway"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	tick := flag.Duration("tick", oneway.DefaultTick, "the server's unit of work")
	flag.Parse()
	uri := "PYRONAME:" + oneway.ObjectID
	switch flag.NArg() {
	case 0:
	case 1:
		uri = flag.Arg(0)
	default:
		fmt.Fprintln(os.Stderr, "usage: client [-tick 1s] [URI]")
		os.Exit(2)
	}
	if err := run(uri, *tick); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri string, tick time.Duration) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ns, err := naming.LocateOptionsFromEnv()
	if err != nil {
		return err
	}
	cfg.Resolver = naming.NewResolver(ns)
	ctx, cancel := context.WithTimeout(context.Background(), 30*tick+30*time.Second)
	defer cancel()
	return oneway.Client(ctx, os.Stdout, cfg, uri, tick)
}
