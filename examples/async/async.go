// Package async is the object of flint's async example, the Go port of
// Pyro4's examples/async: a Thingy whose divide takes a while, so that a
// client has a reason to call it asynchronously and collect the result
// later (see Client).
//
// The object keeps the original's names: it is registered as
// "example.async" and exposes divide, multiply and add(value, increase).
package async

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flintrpc/flint/secure"
)

// ObjectID is the id the server registers the Thingy under.
const ObjectID = "example.async"

// DefaultDelay is how long divide takes in Pyro4's example.
const DefaultDelay = 3 * time.Second

//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type Thingy

// Thingy does arithmetic; divide is slow on purpose.
type Thingy struct {
	// Delay is how long Divide sleeps before answering.
	Delay time.Duration
	// Out receives the server's console messages; nil means os.Stdout.
	Out io.Writer
}

func (t *Thingy) printf(format string, a ...any) {
	w := t.Out
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, a...)
}

// Divide returns a // b (Python's floor division) after Delay. Dividing by
// zero raises ZeroDivisionError in Python callers.
func (t *Thingy) Divide(ctx context.Context, a, b int64) (int64, error) {
	t.printf("dividing %d by %d after a slight delay\n", a, b)
	select {
	case <-time.After(t.Delay):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if b == 0 {
		return 0, secure.NewRemoteError("builtins.ZeroDivisionError", "integer division or modulo by zero")
	}
	return FloorDiv(a, b), nil
}

// Multiply returns a * b at once.
func (t *Thingy) Multiply(a, b int64) int64 {
	t.printf("multiply %d by %d, no delay\n", a, b)
	return a * b
}

// Add returns value + increase at once.
func (t *Thingy) Add(value, increase int64) int64 {
	t.printf("adding %d to %d, no delay\n", increase, value)
	return value + increase
}

// FloorDiv divides rounding towards negative infinity, like Python's //.
// b must not be zero.
func FloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Register publishes t on d as "example.async".
func Register(d *secure.Daemon, t *Thingy) (secure.URI, error) {
	return d.Register(t, secure.WithID(ObjectID),
		secure.Expose("Divide", "Multiply", "Add"),
		secure.Params("divide", "a", "b"),
		secure.Params("multiply", "a", "b"),
		secure.Params("add", "value", "increase"))
}
