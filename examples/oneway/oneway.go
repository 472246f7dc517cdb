// Package oneway is the object of flint's oneway example, the Go port of
// Pyro4's examples/oneway: a Server whose oneway_start and oneway_work
// methods are oneway, so callers do not wait for them, while the daemon
// keeps answering the caller's other calls (ready, result, nothing).
//
// The daemon runs each oneway call in its own goroutine (Pyro4's
// ONEWAY_THREADED, always on), within the policy's MaxOnewayPerConn and
// MaxOnewayTotal bounds.
package oneway

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/flintrpc/flint/secure"
)

// ObjectID is the id the server registers the Server under.
const ObjectID = "example.oneway"

// DefaultTick is one unit of work; Pyro4's example sleeps a second.
const DefaultTick = time.Second

//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type Server

// Server does slow work when asked with a oneway call.
type Server struct {
	// Tick is how long one unit of work takes.
	Tick time.Duration
	// Out receives the server's console messages; nil means os.Stdout.
	Out  io.Writer
	busy atomic.Bool
}

func (s *Server) printf(format string, a ...any) {
	w := s.Out
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, a...)
}

// sleep waits one tick, or returns false when the daemon shuts down.
func (s *Server) sleep(ctx context.Context) bool {
	t := time.NewTimer(s.Tick)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// OnewayStart works for duration ticks; the caller does not wait for it.
func (s *Server) OnewayStart(ctx context.Context, duration int) {
	s.printf("start request received. Starting work...\n")
	s.busy.Store(true)
	defer s.busy.Store(false)
	for i := range duration {
		if !s.sleep(ctx) {
			return
		}
		s.printf("%d\n", duration-i)
	}
	s.printf("work is done!\n")
}

// Ready reports whether no work is going on.
func (s *Server) Ready() bool {
	ready := !s.busy.Load()
	s.printf("ready status requested (%v)\n", ready)
	return ready
}

// Result returns the result of the work.
func (s *Server) Result() string { return "The result :)" }

// Nothing does nothing, quickly.
func (s *Server) Nothing() { s.printf("nothing got called, doing nothing\n") }

// OnewayWork works for ten ticks; the caller does not wait for it.
func (s *Server) OnewayWork(ctx context.Context) {
	for i := range 10 {
		s.printf("work work.. %d\n", i+1)
		if !s.sleep(ctx) {
			return
		}
	}
	s.printf("work's done!\n")
}

// Register publishes s on d as "example.oneway".
func Register(d *secure.Daemon, s *Server) (secure.URI, error) {
	return d.Register(s, secure.WithID(ObjectID),
		secure.Expose("OnewayStart", "Ready", "Result", "Nothing", "OnewayWork"),
		secure.Oneway("oneway_start", "oneway_work"),
		secure.Params("oneway_start", "duration"))
}
