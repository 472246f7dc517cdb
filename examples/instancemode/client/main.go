// Command client shows the instance modes of the instancemode example's
// objects, the Go port of Pyro4's examples/instancemode client:
//
//	client [HOST:PORT]
//
// HOST:PORT is the location the server prints; without it the objects are
// found through the name server (FLINT_NS_HOST, FLINT_NS_PORT) as
// PYRONAME:instance.single and so on. Configuration comes from the
// environment (FLINT_TLS_*, FLINT_INSECURE, FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/instancemode"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	location := ""
	switch len(os.Args) {
	case 1:
	case 2:
		location = os.Args[1]
	default:
		fmt.Fprintln(os.Stderr, "usage: client [HOST:PORT]")
		os.Exit(2)
	}
	if err := run(location); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(location string) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ns, err := naming.LocateOptionsFromEnv()
	if err != nil {
		return err
	}
	cfg.Resolver = naming.NewResolver(ns)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return instancemode.Client(ctx, os.Stdout, cfg, location)
}
