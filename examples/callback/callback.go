// Package callback holds the objects of flint's callback example, the Go
// port of Pyro4's examples/callback: servers that call back into their
// clients.
//
//   - example.callback: a CallbackServer whose addworker(callback) makes a
//     Worker, registers it and returns it (as a proxy); the Worker's oneway
//     work(amount) works for a while, unregisters itself and calls
//     callback.done(number).
//   - example.callback2: a CallbackServer2 whose oneway
//     doCallback(callback) calls callback.call1() and callback.call2(),
//     both of which fail in the client, and prints the errors.
//
// The callback arrives as a *secure.Proxy argument: the client runs a
// daemon of its own, registers its handler and passes a proxy to it. The
// server's calls on that proxy use the server daemon's policy.
package callback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/flintrpc/flint/secure"
)

// The ids the two servers are registered under.
const (
	ObjectID  = "example.callback"
	Object2ID = "example.callback2"
)

func printer(w io.Writer) func(format string, a ...any) {
	if w == nil {
		w = os.Stdout
	}
	return func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
}

// CallbackServer makes Workers.
type CallbackServer struct {
	daemon *secure.Daemon
	unit   time.Duration
	printf func(format string, a ...any)
	number atomic.Int64
}

// Addworker makes a Worker that reports to callback, registers it and
// returns it; the caller gets a proxy to it.
func (s *CallbackServer) Addworker(callback *secure.Proxy) (any, error) {
	n := s.number.Add(1)
	s.printf("server: adding worker %d\n", n)
	w := &Worker{number: n, callback: callback, s: s}
	s.printf("Worker %d created\n", n)
	if _, err := s.daemon.Register(w, secure.Expose("Work"), secure.Oneway("work")); err != nil {
		callback.Close()
		return nil, err
	}
	return w, nil
}

// Worker works, then tells its callback.
type Worker struct {
	number   int64
	callback *secure.Proxy
	s        *CallbackServer
}

// Work (oneway) works for amount units, unregisters the worker and calls
// the callback's done(number).
func (w *Worker) Work(ctx context.Context, amount float64) error {
	defer w.callback.Close()
	w.s.printf("Worker %d busy...\n", w.number)
	t := time.NewTimer(time.Duration(amount * float64(w.s.unit)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.s.printf("Worker %d done. Informing callback client.\n", w.number)
	_ = w.s.daemon.UnregisterObject(w)
	_, err := w.callback.Call(ctx, "done", w.number)
	return err
}

// CallbackServer2 calls back twice and reports the errors it gets.
type CallbackServer2 struct {
	printf func(format string, a ...any)
}

// DoCallback (oneway) calls callback.call1() and callback.call2() and
// prints what went wrong, with the remote traceback if the client sent
// one.
func (s *CallbackServer2) DoCallback(ctx context.Context, callback *secure.Proxy) {
	defer callback.Close()
	for _, m := range []string{"call1", "call2"} {
		s.printf("\n\nserver: doing callback %s to client\n", m)
		if _, err := callback.Call(ctx, m); err != nil {
			s.printf("got an exception from the callback: %v\n", err)
			var re *secure.RemoteError
			if errors.As(err, &re) {
				s.printf("%s", re.RemoteTraceback())
			}
		}
	}
	s.printf("server: callbacks done.\n")
}

// Register publishes both servers on d. unit is how long one unit of a
// worker's work takes (a second in Pyro4's example); out receives the
// console messages (nil means os.Stdout).
func Register(d *secure.Daemon, unit time.Duration, out io.Writer) error {
	p := printer(out)
	if _, err := d.Register(&CallbackServer{daemon: d, unit: unit, printf: p}, secure.WithID(ObjectID),
		secure.Expose("Addworker")); err != nil {
		return err
	}
	_, err := d.Register(&CallbackServer2{printf: p}, secure.WithID(Object2ID),
		secure.Expose("DoCallback"), secure.Rename("DoCallback", "doCallback"), secure.Oneway("doCallback"))
	return err
}
