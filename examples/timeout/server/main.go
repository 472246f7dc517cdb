// Command server runs the timeout example, the Go port of Pyro4's
// examples/timeout server: a TimeoutServer as "example.timeout" on a
// daemon that serves, and another as "example.timeout.frozendaemon" on a
// second daemon that listens but is never served, so connecting to it
// hangs:
//
//	server [-ns]
//
// It prints both URIs and serves until interrupted; with -ns it also
// registers both in the name server (FLINT_NS_HOST, FLINT_NS_PORT), as
// Pyro4's example does. Configuration comes from the environment
// (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, ...); the frozen
// daemon takes a free port.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/timeout"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	useNS := flag.Bool("ns", false, "register both objects in the name server")
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
	defer d.Close()
	frozenCfg := cfg
	frozenCfg.Port = 0
	frozen, err := secure.NewDaemon(frozenCfg)
	if err != nil {
		return err
	}
	defer frozen.Close()
	uri, err := timeout.Register(d, &timeout.TimeoutServer{}, timeout.ObjectID)
	if err != nil {
		return err
	}
	frozenURI, err := timeout.Register(frozen, &timeout.TimeoutServer{}, timeout.FrozenID)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if useNS {
		names := map[string]secure.URI{timeout.ObjectID: uri, timeout.FrozenID: frozenURI}
		if err := naming.RegisterFromEnv(ctx, cfg.Policy, names); err != nil {
			return err
		}
	}
	fmt.Printf("Object uri = %s\n", uri)
	fmt.Printf("Frozen daemon's object uri = %s\n", frozenURI)
	fmt.Println("Server ready.")
	return d.Serve(ctx) // the frozen daemon is never served
}
