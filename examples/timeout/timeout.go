// Package timeout is the object of flint's timeout example, the Go port of
// Pyro4's examples/timeout: a TimeoutServer whose delay(amount) sleeps,
// used by a client to show call timeouts, and a second daemon that is
// never served, to show a connect timeout.
package timeout

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/flintrpc/flint/secure"
)

// The ids of the served object and of the one on the frozen daemon.
const (
	ObjectID = "example.timeout"
	FrozenID = "example.timeout.frozendaemon"
)

// TimeoutServer sleeps on request.
type TimeoutServer struct {
	// Out receives the server's console messages; nil means os.Stdout.
	Out io.Writer
}

func (s *TimeoutServer) printf(format string, a ...any) {
	w := s.Out
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, a...)
}

// Delay sleeps amount seconds and says so. It stops early if the
// connection closes.
func (s *TimeoutServer) Delay(ctx context.Context, amount float64) (string, error) {
	secs := strconv.FormatFloat(amount, 'g', -1, 64)
	s.printf("sleeping %s\n", secs)
	t := time.NewTimer(time.Duration(amount * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		s.printf("caller gone, stopped sleeping\n")
		return "", ctx.Err()
	}
	s.printf("done.\n")
	return "slept " + secs + " seconds", nil
}

// Register publishes s on d under id (ObjectID, or FrozenID on the daemon
// that is never served).
func Register(d *secure.Daemon, s *TimeoutServer, id string) (secure.URI, error) {
	return d.Register(s, secure.WithID(id), secure.Expose("Delay"))
}
