// Package benchmark is the object of Pyro4's examples/benchmark, in Go, so
// that Pyro4's own benchmark client (examples/benchmark/client.py) runs
// unchanged against a flint daemon.
package benchmark

import (
	"fmt"
	"strings"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type Bench

// Bench keeps the original's method names and behaviour.
type Bench struct{}

// Length returns the length of s in characters.
func (Bench) Length(s string) int { return len([]rune(s)) }

// Timestwo doubles a number, or repeats a string twice, as Python's v*2.
func (Bench) Timestwo(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x * 2, nil
	case float64:
		return x * 2, nil
	case string:
		return strings.Repeat(x, 2), nil
	}
	return nil, secure.NewRemoteError("builtins.TypeError", fmt.Sprintf("cannot double a %s", value.PyTypeName(v)))
}

// Bigreply returns a 4500-character string.
func (Bench) Bigreply() string { return strings.Repeat("BIG REPLY", 500) }

// Bigarg returns the length of its argument.
func (Bench) Bigarg(arg string) int { return len([]rune(arg)) }

// Manyargs adds fifteen numbers.
func (Bench) Manyargs(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15 int64) int64 {
	return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15
}

// Noreply takes anything and returns None.
func (Bench) Noreply(any) {}

// Varargs returns how many arguments it got.
func (Bench) Varargs(args ...any) int { return len(args) }

// Keywords returns its keyword arguments.
func (Bench) Keywords(kw secure.Kwargs) map[string]any { return kw }

// Echo returns its arguments as a tuple.
func (Bench) Echo(args ...any) value.Tuple { return value.Tuple(args) }

// Oneway does nothing; it is registered as a oneway method.
func (Bench) Oneway(...any) {}

// Register publishes a Bench under the original's name, example.benchmark.
func Register(d *secure.Daemon) (secure.URI, error) {
	return d.Register(Bench{}, secure.WithID("example.benchmark"),
		secure.Expose("Length", "Timestwo", "Bigreply", "Bigarg", "Manyargs", "Noreply", "Varargs", "Keywords", "Echo", "Oneway"),
		secure.Oneway("oneway"))
}
