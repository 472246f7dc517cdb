// Package streaming is the object of flint's streaming example, the Go
// port of Pyro4's examples/streaming: a Streamer whose methods return a
// list, or stream their items one at a time as a remote iterator.
//
// A method streams when it returns an iter.Seq, an iter.Seq2 or a receive
// channel, or when it returns a slice and is registered with
// secure.Streamed. The caller gets a remote iterator and fetches one item
// per round trip; the daemon keeps at most Limits.MaxStreamsPerConn
// iterators open per connection, each for at most Limits.StreamLifetime,
// and only the connection that opened an iterator can read it.
package streaming

import (
	"context"
	"fmt"
	"io"
	"iter"
	"math/big"
	"os"
	"time"

	"github.com/flintrpc/flint/secure"
)

// ObjectID is the id the server registers the Streamer under.
const ObjectID = "example.streamer"

// DefaultSlowDelay is the pause before each item of slow_generator.
const DefaultSlowDelay = 500 * time.Millisecond

// Streamer returns numbers in several ways.
type Streamer struct {
	// SlowDelay is the pause before each item of SlowGenerator.
	SlowDelay time.Duration
	// Out receives the server's console messages; nil means os.Stdout.
	Out io.Writer
}

func (s *Streamer) printf(format string, a ...any) {
	w := s.Out
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, a...)
}

// List returns 1 to 9 as one list, in a single reply.
func (s *Streamer) List() []int { return []int{1, 2, 3, 4, 5, 6, 7, 8, 9} }

// Iterator returns 1 to 9; it is registered as Streamed, so the slice goes
// out one item at a time.
func (s *Streamer) Iterator() []int { return []int{1, 2, 3, 4, 5, 6, 7, 8, 9} }

// Generator yields 1 to 9.
func (s *Streamer) Generator() iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 1; i < 10; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

// SlowGenerator yields 1 to 9, pausing SlowDelay before each. It stops
// early when the caller's connection closes.
func (s *Streamer) SlowGenerator(ctx context.Context) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 1; i < 10; i++ {
			t := time.NewTimer(s.SlowDelay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			if !yield(i) {
				return
			}
		}
	}
}

// Fibonacci yields the Fibonacci numbers without end (as Python ints, so
// they grow past 64 bits). The caller stops it by closing the iterator.
func (s *Streamer) Fibonacci() iter.Seq[*big.Int] {
	return func(yield func(*big.Int) bool) {
		a, b := big.NewInt(0), big.NewInt(1)
		n := 0
		for {
			n++
			if !yield(new(big.Int).Set(a)) {
				s.printf("fibonacci stream closed by the client after %d numbers\n", n)
				return
			}
			a.Add(a, b)
			a, b = b, a
		}
	}
}

// Register publishes s on d as "example.streamer".
func Register(d *secure.Daemon, s *Streamer) (secure.URI, error) {
	return d.Register(s, secure.WithID(ObjectID),
		secure.Expose("List", "Iterator", "Generator", "SlowGenerator", "Fibonacci"),
		secure.Streamed("iterator"))
}
