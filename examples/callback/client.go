package callback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/flintrpc/flint/secure"
)

// NumWorkers is how many workers the client starts.
const NumWorkers = 5

// CallbackHandler receives the workers' done calls.
type CallbackHandler struct {
	w    io.Writer
	mu   sync.Mutex
	left int
	all  chan struct{}
}

// Done is called back by a worker when its work is done.
func (h *CallbackHandler) Done(number int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(h.w, "callback: worker %d reports work is done!\n", number)
	h.left--
	if h.left == 0 {
		close(h.all)
	}
}

// CrashingHandler receives callback2's calls and fails both.
type CrashingHandler struct {
	w     io.Writer
	calls chan string
}

// Call1 fails; only the server sees the error.
func (h *CrashingHandler) Call1() (int, error) {
	fmt.Fprintln(h.w, "\n\ncallback 1 received from server!")
	fmt.Fprintln(h.w, "going to crash - you won't see the exception here, only on the server")
	h.calls <- "call1"
	return 0, secure.NewRemoteError("builtins.ZeroDivisionError", "integer division or modulo by zero")
}

// Call2 fails and also reports the error here (what Pyro4's
// @Pyro4.callback decorator does by logging it).
func (h *CrashingHandler) Call2() (int, error) {
	fmt.Fprintln(h.w, "\n\ncallback 2 received from server!")
	fmt.Fprintln(h.w, "going to crash - but you will see the exception here too")
	err := secure.NewRemoteError("builtins.ZeroDivisionError", "integer division or modulo by zero")
	fmt.Fprintln(h.w, "callback call2 failed:", err)
	h.calls <- "call2"
	return 0, err
}

// Client runs a daemon of its own (configured by dcfg) for its callback
// handlers, starts NumWorkers workers on the CallbackServer at uri with a
// proxy to its handler, and waits for all of them to call back; then it
// has the CallbackServer2 at uri2 call two handler methods that fail. It
// prints to w, like the two clients of Pyro4's callback example. Each
// worker gets 1 to 5 of the server's units of work.
func Client(ctx context.Context, w io.Writer, pcfg secure.ProxyConfig, dcfg secure.DaemonConfig, uri, uri2 string) error {
	daemon, err := secure.NewDaemon(dcfg)
	if err != nil {
		return err
	}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- daemon.Serve(serveCtx) }()
	defer func() {
		// Let calls in flight (a callback still sending its reply) finish.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = daemon.Shutdown(sctx)
		stop()
		<-served
	}()

	// proxyTo registers a handler and returns a proxy to it, which is what
	// we pass to the server.
	proxyTo := func(handler any, opts ...secure.Option) (*secure.Proxy, error) {
		u, err := daemon.Register(handler, opts...)
		if err != nil {
			return nil, err
		}
		return secure.NewProxy(u, pcfg)
	}

	handler := &CallbackHandler{w: w, left: NumWorkers, all: make(chan struct{})}
	cb, err := proxyTo(handler, secure.Expose("Done"))
	if err != nil {
		return err
	}
	defer cb.Close()
	server, err := secure.NewProxy(uri, pcfg)
	if err != nil {
		return err
	}
	defer server.Close()
	fmt.Fprintln(w, "creating a bunch of workers")
	for range NumWorkers {
		worker, err := secure.Call[*secure.Proxy](ctx, server, "addworker", cb) // our callback handler
		if err != nil {
			return err
		}
		_, err = worker.Call(ctx, "work", 1+rand.IntN(5)) // oneway: returns at once
		worker.Close()
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "waiting for all work complete...")
	select {
	case <-handler.all:
		fmt.Fprintln(w, "done!")
	case <-ctx.Done():
		return fmt.Errorf("waiting for the workers: %w", ctx.Err())
	}

	fmt.Fprintln(w, "\nasking callback2 to call us back twice")
	crashing := &CrashingHandler{w: w, calls: make(chan string, 2)}
	cb2, err := proxyTo(crashing, secure.Expose("Call1", "Call2"))
	if err != nil {
		return err
	}
	defer cb2.Close()
	server2, err := secure.NewProxy(uri2, pcfg)
	if err != nil {
		return err
	}
	defer server2.Close()
	if _, err := server2.Call(ctx, "doCallback", cb2); err != nil { // oneway
		return err
	}
	fmt.Fprintln(w, "waiting for callbacks to arrive...")
	for range 2 {
		select {
		case <-crashing.calls:
		case <-ctx.Done():
			return errors.New("the callbacks did not arrive")
		}
	}
	fmt.Fprintln(w, "both callbacks arrived")
	return nil
}
