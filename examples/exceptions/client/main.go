// Command client calls the failing methods of the exceptions example's
// TestClass, the Go port of Pyro4's examples/exceptions client:
//
//	client [URI]
//
// URI defaults to PYRONAME:example.exceptions, found through the name
// server (FLINT_NS_HOST, FLINT_NS_PORT). Configuration comes from the
// environment (FLINT_TLS_*, FLINT_INSECURE, FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/exceptions"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	uri := "PYRONAME:" + exceptions.ObjectID
	switch len(os.Args) {
	case 1:
	case 2:
		uri = os.Args[1]
	default:
		fmt.Fprintln(os.Stderr, "usage: client [URI]")
		os.Exit(2)
	}
	if err := run(uri); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri string) error {
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
	return exceptions.Client(ctx, os.Stdout, cfg, uri)
}
