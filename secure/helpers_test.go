package secure

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// insecure returns a plaintext policy, as used with plain Pyro4 peers.
func insecure() *policy.Policy {
	return &policy.Policy{AllowInsecurePlaintext: true, ExposeTracebacks: true}
}

// startDaemon starts d serving and stops it when the test ends.
func startDaemon(t testing.TB, d *Daemon) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		_ = d.Close()
		select {
		case err := <-done:
			if !errors.Is(err, ErrClosed) {
				require.NoError(t, err)
			}
		case <-time.After(10 * time.Second):
			t.Error("daemon did not stop")
		}
	})
}

func newTestDaemon(t testing.TB, pol *policy.Policy) *Daemon {
	t.Helper()
	d, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: pol})
	require.NoError(t, err)
	return d
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func bindTo(v any, ptr any) error { return value.Bind(v, ptr) }

func callOf(obj, method string) serialCall {
	return serialCall{Object: obj, Method: method, Kwargs: value.NewDict(0)}
}

type serialCall = serial.Call
