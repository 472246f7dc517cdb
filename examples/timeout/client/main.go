// Command client shows call and connect timeouts against the timeout
// example's server, the Go port of Pyro4's examples/timeout client:
//
//	client [-unit 1s] [URI FROZEN_URI]
//
// URI and FROZEN_URI are the two URIs the server prints; they default to
// PYRONAME:example.timeout and PYRONAME:example.timeout.frozendaemon,
// found through the name server (FLINT_NS_HOST, FLINT_NS_PORT). Every
// delay and timeout is a multiple of unit. Configuration comes from the
// environment (FLINT_TLS_*, FLINT_INSECURE, FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/timeout"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	unit := flag.Duration("unit", time.Second, "time unit of the delays and timeouts")
	flag.Parse()
	uri, frozen := "PYRONAME:"+timeout.ObjectID, "PYRONAME:"+timeout.FrozenID
	switch flag.NArg() {
	case 0:
	case 2:
		uri, frozen = flag.Arg(0), flag.Arg(1)
	default:
		fmt.Fprintln(os.Stderr, "usage: client [-unit 1s] [URI FROZEN_URI]")
		os.Exit(2)
	}
	if err := run(uri, frozen, *unit); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri, frozen string, unit time.Duration) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ns, err := naming.LocateOptionsFromEnv()
	if err != nil {
		return err
	}
	cfg.Resolver = naming.NewResolver(ns)
	ctx, cancel := context.WithTimeout(context.Background(), 20*unit+30*time.Second)
	defer cancel()
	return timeout.Client(ctx, os.Stdout, cfg, uri, frozen, unit)
}
