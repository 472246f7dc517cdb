package secure

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waiter's methods report when their context ends.
type waiter struct {
	started chan string
	ended   chan string
	release chan struct{}
}

// Wait blocks until its context ends.
func (w *waiter) Wait(ctx context.Context) error {
	w.started <- "wait"
	<-ctx.Done()
	w.ended <- "wait"
	return ctx.Err()
}

// Work is oneway: it runs until released or its context ends.
func (w *waiter) Work(ctx context.Context) error {
	w.started <- "work"
	select {
	case <-w.release:
		w.ended <- "released"
	case <-ctx.Done():
		w.ended <- "cancelled"
	}
	return nil
}

// TestClientDisconnectCancelsTwoWayCalls: when a client goes away, the
// context of its running two-way call ends, and its oneway call runs on.
func TestClientDisconnectCancelsTwoWayCalls(t *testing.T) {
	w := &waiter{started: make(chan string, 2), ended: make(chan string, 2), release: make(chan struct{})}
	d, _ := callsDaemon(t, nil)
	uri, err := d.Register(w, Expose("Wait", "Work"), Oneway("work"))
	require.NoError(t, err)
	startDaemon(t, d)
	ctx := ctxT(t)

	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	require.NoError(t, p.Oneway(ctx, "work"))
	require.Equal(t, "work", recvWithin(t, w.started))
	go func() { _, _ = p.Call(ctx, "wait") }()
	require.Equal(t, "wait", recvWithin(t, w.started))

	p.Close()
	require.Equal(t, "wait", recvWithin(t, w.ended), "the two-way call's context ends with its client")
	select {
	case got := <-w.ended:
		t.Fatalf("the oneway call ended (%s) when its client left", got)
	case <-time.After(100 * time.Millisecond):
	}
	close(w.release)
	require.Equal(t, "released", recvWithin(t, w.ended))
}

func recvWithin(t *testing.T, ch chan string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing within 10s")
		return ""
	}
}
