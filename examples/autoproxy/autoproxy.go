// Package autoproxy is the object of flint's autoproxy example, the Go
// port of Pyro4's examples/autoproxy: a Factory whose createSomething
// registers a new Thingy with the daemon and returns it. Because the
// Thingy is registered, the daemon sends a proxy to it instead of a copy,
// and the caller talks to the object that lives in the server.
package autoproxy

import (
	"fmt"
	"io"
	"os"

	"github.com/flintrpc/flint/secure"
)

// ObjectID is the id the server registers the Factory under.
const ObjectID = "example.autoproxy"

// Thingy is an object made by the Factory; it lives in the server.
type Thingy struct {
	number int
	out    io.Writer
}

// Speak prints message on the server's console.
func (t *Thingy) Speak(message string) {
	fmt.Fprintf(t.out, "Thingy %d says: %s\n", t.number, message)
}

// Factory makes Thingies.
type Factory struct {
	// Daemon is where new Thingies are registered.
	Daemon *secure.Daemon
	// Out receives the server's console messages; nil means os.Stdout.
	Out io.Writer
}

// CreateSomething makes a Thingy, registers it with the daemon and returns
// it; the caller receives a proxy to it.
func (f *Factory) CreateSomething(number int) (any, error) {
	out := f.Out
	if out == nil {
		out = os.Stdout
	}
	t := &Thingy{number: number, out: out}
	if _, err := f.Daemon.Register(t, secure.Expose("Speak")); err != nil {
		return nil, err
	}
	return t, nil
}

// Register publishes a Factory for d on d as "example.autoproxy"; out
// receives the console messages (nil means os.Stdout).
func Register(d *secure.Daemon, out io.Writer) (secure.URI, error) {
	return d.Register(&Factory{Daemon: d, Out: out}, secure.WithID(ObjectID),
		secure.Expose("CreateSomething"), secure.Rename("CreateSomething", "createSomething"))
}
