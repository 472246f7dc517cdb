// Command client has the callback example's servers call it back, the Go
// port of Pyro4's examples/callback client.py and client2.py:
//
//	client [URI URI2]
//
// URI and URI2 are the URIs of example.callback and example.callback2 as
// the server prints them; they default to PYRONAME:example.callback and
// PYRONAME:example.callback2, found through the name server
// (FLINT_NS_HOST, FLINT_NS_PORT). The client runs a daemon of its own for the
// callbacks, on a free port of FLINT_HOST (default localhost), with the
// same policy as its proxies. Configuration comes from the environment
// (FLINT_TLS_*, FLINT_INSECURE, FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/callback"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	uri, uri2 := "PYRONAME:"+callback.ObjectID, "PYRONAME:"+callback.Object2ID
	switch len(os.Args) {
	case 1:
	case 3:
		uri, uri2 = os.Args[1], os.Args[2]
	default:
		fmt.Fprintln(os.Stderr, "usage: client [URI URI2]")
		os.Exit(2)
	}
	if err := run(uri, uri2); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri, uri2 string) error {
	pcfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ns, err := naming.LocateOptionsFromEnv()
	if err != nil {
		return err
	}
	pcfg.Resolver = naming.NewResolver(ns)
	dcfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	dcfg.Port = 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return callback.Client(ctx, os.Stdout, pcfg, dcfg, uri, uri2)
}
