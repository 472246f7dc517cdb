// Command client compares single and batched calls on the batchedcalls
// example's Thingy, the Go port of Pyro4's examples/batchedcalls client:
//
//	client [-loops 20000] [-delay 2s] URI
//
// Configuration comes from the environment (FLINT_TLS_*, FLINT_INSECURE,
// FLINT_SERIALIZER, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/flintrpc/flint/examples/batchedcalls"
	"github.com/flintrpc/flint/secure"
)

func main() {
	loops := flag.Int("loops", 20000, "multiply+add pairs per run")
	delay := flag.Duration("delay", 2*time.Second, "server-side delay queued in the oneway and async batches")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: client [-loops N] [-delay 2s] URI")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *loops, *delay); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(uri string, loops int, delay time.Duration) error {
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return batchedcalls.Client(ctx, os.Stdout, cfg, uri, loops, delay)
}
