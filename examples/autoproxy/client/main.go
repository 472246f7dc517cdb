// Command client gets proxies to new objects from the autoproxy example's
// Factory, the Go port of Pyro4's examples/autoproxy client:
//
//	client URI
//
// Configuration comes from the environment (FLINT_TLS_*, FLINT_INSECURE,
// FLINT_SERIALIZER, ...); the proxies received from the factory take their
// policy from the same environment.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/autoproxy"
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
	return autoproxy.Client(ctx, os.Stdout, cfg, uri)
}
