// Command client shows the instance modes of the instancemode example's
// objects, the Go port of Pyro4's examples/instancemode client:
//
//	client HOST:PORT
//
// HOST:PORT is the location the server prints. Configuration comes from
// the environment (FLINT_TLS_*, FLINT_INSECURE, FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/instancemode"
	"github.com/flintrpc/flint/secure"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: client HOST:PORT")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(location string) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return instancemode.Client(ctx, os.Stdout, cfg, location)
}
