// Package exceptions is the object of flint's exceptions example, the Go
// port of Pyro4's examples/exceptions: a TestClass whose methods fail in
// different ways, to show what a caller gets.
//
// A method's error reaches a Python caller as an exception: a
// *secure.RemoteError keeps its Python class (builtins.ValueError, ...), a
// plain Go error becomes builtins.Exception, and a panic is recovered and
// becomes builtins.RuntimeError. Details and the Go stack travel only when
// the policy sets ExposeTracebacks (FLINT_EXPOSE_TRACEBACKS=1), as
// Pyro4's remote tracebacks do.
package exceptions

import (
	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// ObjectID is the id the server registers the TestClass under.
const ObjectID = "example.exceptions"

// TestClass fails on request.
type TestClass struct{}

// Div returns arg1 / arg2; dividing by zero raises ZeroDivisionError.
func (TestClass) Div(arg1, arg2 float64) (float64, error) {
	if arg2 == 0 {
		return 0, secure.NewRemoteError("builtins.ZeroDivisionError", "division by zero")
	}
	return arg1 / arg2, nil
}

// Error raises ValueError.
func (TestClass) Error() error {
	return secure.NewRemoteError("builtins.ValueError", "a valueerror! Great!")
}

// Error2 returns a ValueError as its result instead of raising it.
func (TestClass) Error2() *value.Dict {
	e := &value.Exception{Class: "builtins.ValueError", Args: []any{"a valueerror! Great!"}}
	return e.Value()
}

// Othererr raises RuntimeError.
func (TestClass) Othererr() error {
	return secure.NewRemoteError("builtins.RuntimeError", "a runtime error!")
}

// Complexerror crashes a few calls deep.
func (TestClass) Complexerror() int {
	var x Foo
	return x.crash()
}

// Unserializable raises an exception of a class Python callers cannot
// rebuild: Pyro4 clients get a SerializeError instead.
func (TestClass) Unserializable() error {
	return secure.NewRemoteError("excep.UnserializableError", "this error can't be serialized")
}

// Foo crashes.
type Foo struct{}

func (f Foo) crash() int { return f.crash2("going down...") }

func (Foo) crash2(arg string) int {
	// Crashes on purpose: the index is past the end.
	i := len(arg) * 2
	return int(arg[i])
}

// Register publishes a TestClass on d as "example.exceptions".
func Register(d *secure.Daemon) (secure.URI, error) {
	return d.Register(&TestClass{}, secure.WithID(ObjectID),
		secure.Expose("Div", "Error", "Error2", "Othererr", "Complexerror", "Unserializable"))
}
