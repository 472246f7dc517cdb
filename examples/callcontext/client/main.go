// Command client sends calls with a correlation id and custom annotations
// to the callcontext example's EchoServer, the Go port of Pyro4's
// examples/callcontext client:
//
//	client URI
//
// Use the server's HMAC settings (FLINT_HMAC_KEY=secr3t_k3y
// FLINT_HMAC_MODE=pyro4 for the example). Configuration comes from the
// environment (FLINT_TLS_*, FLINT_INSECURE, FLINT_HMAC_*,
// FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/callcontext"
	"github.com/flintrpc/flint/secure"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: client URI")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri string) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return callcontext.Client(ctx, os.Stdout, cfg, uri)
}
