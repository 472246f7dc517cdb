// Package namingtest runs real flint name servers inside tests: on
// loopback, with in-memory storage, stopped when the test ends. Nothing is
// mocked; tests talk to the same server, over the same gate, as programs
// do.
//
//	srv := namingtest.Start(t, namingtest.Plaintext())
//	ns := namingtest.Client(t, srv, namingtest.Plaintext())
//	err := ns.Register(ctx, "example.x", uri, naming.RegisterOptions{})
package namingtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// Plaintext returns a fresh policy that admits plaintext connections, as
// used with plain Pyro4 peers on loopback.
func Plaintext() *policy.Policy { return &policy.Policy{AllowInsecurePlaintext: true} }

// Start runs a name server on 127.0.0.1 (any free port) under pol with
// in-memory storage and no rules, until the test ends.
func Start(t testing.TB, pol *policy.Policy) *naming.Server {
	t.Helper()
	return StartConfig(t, naming.ServerConfig{Daemon: secure.DaemonConfig{Policy: pol}})
}

// StartConfig is Start with a full configuration; an empty host means
// 127.0.0.1.
func StartConfig(t testing.TB, cfg naming.ServerConfig) *naming.Server {
	t.Helper()
	if cfg.Daemon.Host == "" && cfg.Daemon.Unix == "" && cfg.Daemon.Listener == nil {
		cfg.Daemon.Host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := naming.NewServer(ctx, cfg)
	if err != nil {
		t.Fatalf("namingtest: %v", err)
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, secure.ErrClosed) {
				t.Errorf("namingtest: name server: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("namingtest: name server did not stop")
		}
	})
	return srv
}

// Options returns LocateOptions that reach srv directly under pol.
func Options(srv *naming.Server, pol *policy.Policy) naming.LocateOptions {
	u := srv.URI()
	return naming.LocateOptions{Host: u.Host, Port: u.Port, Unix: u.Sockname, Policy: pol}
}

// Client returns a connected client for srv under pol, closed when the
// test ends.
func Client(t testing.TB, srv *naming.Server, pol *policy.Policy) *naming.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := naming.Locate(ctx, Options(srv, pol))
	if err != nil {
		t.Fatalf("namingtest: %v", err)
	}
	c := naming.NewClient(p)
	t.Cleanup(func() { c.Close() })
	return c
}

// Resolver returns a resolver that uses srv under pol.
func Resolver(srv *naming.Server, pol *policy.Policy) *naming.Resolver {
	return naming.NewResolver(Options(srv, pol))
}
