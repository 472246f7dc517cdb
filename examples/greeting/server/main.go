// Command server publishes the greeting example's GreetingMaker, the Go
// counterpart of Pyro4's examples/greeting server:
//
//	server          prints "Ready. Object uri = PYRO:..." and serves
//	server --ns     also registers example.greeting in the name server
//
// Configuration comes from the environment (FLINT_HOST, FLINT_PORT,
// FLINT_TLS_*, FLINT_INSECURE, FLINT_NS_HOST, FLINT_NS_PORT, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/greeting"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	useNS := flag.Bool("ns", false, "register example.greeting in the name server")
	flag.Parse()
	if err := run(*useNS); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(useNS bool) error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	uri, err := d.Register(&greeting.GreetingMaker{}, secure.ExposeInterface[greeting.Greeter]())
	if err != nil {
		return err
	}
	if useNS {
		if err := naming.RegisterFromEnv(ctx, cfg.Policy, map[string]secure.URI{"example.greeting": uri}); err != nil {
			return err
		}
	}
	fmt.Printf("Ready. Object uri = %s\n", uri)
	return d.Serve(ctx)
}
