// Command client shows asynchronous calls on the async example's Thingy,
// the Go port of Pyro4's examples/async client:
//
//	client [-delay 3s] URI
//
// delay must match the server's. Configuration comes from the environment
// (FLINT_TLS_*, FLINT_INSECURE, FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/async"
	"github.com/flintrpc/flint/secure"
)

func main() {
	delay := flag.Duration("delay", async.DefaultDelay, "the server's divide delay")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: client [-delay 3s] URI")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *delay); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri string, delay time.Duration) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*delay+30*time.Second)
	defer cancel()
	return async.Client(ctx, os.Stdout, cfg, uri, delay)
}
