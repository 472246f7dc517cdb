// Command server publishes the callcontext example's EchoServer as
// "example.context", the Go port of Pyro4's examples/callcontext server.
// It prints the object's URI and serves until interrupted.
//
// Pyro4's example sets the HMAC key "secr3t_k3y"; run this one with
// FLINT_HMAC_KEY=secr3t_k3y FLINT_HMAC_MODE=pyro4 to talk to Pyro4
// clients that set it. Configuration comes from the environment
// (FLINT_HOST, FLINT_PORT, FLINT_TLS_*, FLINT_INSECURE, FLINT_HMAC_*, ...).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flintrpc/flint/examples/callcontext"
	"github.com/flintrpc/flint/secure"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return err
	}
	d, err := secure.NewDaemon(cfg)
	if err != nil {
		return err
	}
	uri, err := callcontext.Register(d, &callcontext.EchoServer{})
	if err != nil {
		d.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Println("Server is ready. You can use the following URI to connect:")
	fmt.Println(uri)
	return d.Serve(ctx)
}
