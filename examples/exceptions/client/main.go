// Command client calls the failing methods of the exceptions example's
// TestClass, the Go port of Pyro4's examples/exceptions client:
//
//	client URI
//
// Configuration comes from the environment (FLINT_TLS_*, FLINT_INSECURE,
// FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/exceptions"
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
	return exceptions.Client(ctx, os.Stdout, cfg, uri)
}
