// Package batchedcalls is the object of flint's batchedcalls example, the
// Go port of Pyro4's examples/batchedcalls: a Thingy with cheap methods,
// called many times one by one and then in batches (see Client).
//
// A batch is one request holding many calls to one object. The daemon runs
// them in order and stops at the first error, whose exception becomes the
// last result.
package batchedcalls

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flintrpc/flint/secure"
)

// ObjectID is the id the server registers the Thingy under.
const ObjectID = "example.batched"

//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type Thingy

// Thingy does arithmetic.
type Thingy struct {
	// Out receives the server's console messages; nil means os.Stdout.
	Out io.Writer
}

// Multiply returns a * b.
func (Thingy) Multiply(a, b int64) int64 { return a * b }

// Add returns a + b.
func (Thingy) Add(a, b int64) int64 { return a + b }

// Divide returns a // b, Python's floor division; b == 0 raises
// ZeroDivisionError.
func (Thingy) Divide(a, b int64) (int64, error) {
	if b == 0 {
		return 0, secure.NewRemoteError("builtins.ZeroDivisionError", "integer division or modulo by zero")
	}
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q, nil
}

// Error always fails, with ZeroDivisionError.
func (Thingy) Error() (int64, error) {
	return 0, secure.NewRemoteError("builtins.ZeroDivisionError", "integer division or modulo by zero")
}

// Delay sleeps for seconds (an int or a float) and returns them as given,
// as the original does.
func (Thingy) Delay(ctx context.Context, seconds any) (any, error) {
	var d time.Duration
	switch s := seconds.(type) {
	case int64:
		d = time.Duration(s) * time.Second
	case float64:
		d = time.Duration(s * float64(time.Second))
	default:
		return nil, secure.NewRemoteError("builtins.TypeError", "delay needs a number of seconds")
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return seconds, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Printmessage prints message on the server's console and returns 0.
func (t Thingy) Printmessage(message string) int {
	w := t.Out
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintln(w, message)
	return 0
}

// Register publishes t on d as "example.batched".
func Register(d *secure.Daemon, t *Thingy) (secure.URI, error) {
	return d.Register(t, secure.WithID(ObjectID),
		secure.Expose("Multiply", "Add", "Divide", "Error", "Delay", "Printmessage"))
}
