// Command client has the callback example's servers call it back, the Go
// port of Pyro4's examples/callback client.py and client2.py:
//
//	client URI URI2
//
// URI and URI2 are the URIs of example.callback and example.callback2 as
// the server prints them. The client runs a daemon of its own for the
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
	"github.com/flintrpc/flint/secure"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: client URI URI2")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri, uri2 string) error {
	pcfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	dcfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	dcfg.Port = 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return callback.Client(ctx, os.Stdout, pcfg, dcfg, uri, uri2)
}
