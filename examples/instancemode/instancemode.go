// Package instancemode holds the objects of flint's instancemode example,
// the Go port of Pyro4's examples/instancemode: three classes registered
// with a factory in each instance mode.
//
//   - instance.single: one instance serves every call (secure.Single);
//   - instance.session: one instance per client connection, made on its
//     first call and dropped when the connection closes (secure.Session);
//   - instance.percall: a new instance for every call (secure.PerCall).
//
// Each msg call returns the number of the instance that handled it, so a
// client can see how many instances served it.
package instancemode

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// The ids the three objects are registered under.
const (
	SingleID  = "instance.single"
	SessionID = "instance.session"
	PercallID = "instance.percall"
)

// Objects makes the example's instances, numbering them from 1.
type Objects struct {
	// Out receives the server's console messages; nil means os.Stdout.
	Out  io.Writer
	next atomic.Int64
}

func (o *Objects) printf(format string, a ...any) {
	w := o.Out
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, a...)
}

// SingleInstance is shared by all callers.
type SingleInstance struct {
	id int64
	o  *Objects
}

// Msg prints message and returns the instance's number.
func (s *SingleInstance) Msg(message string) int64 {
	s.o.printf("[%d] SingleInstance.msg: %s\n", s.id, message)
	return s.id
}

// SessionInstance is made for each connection.
type SessionInstance struct {
	id   int64
	o    *Objects
	once sync.Once
	corr string
}

// Msg prints message and returns the instance's number with the
// correlation id of the call that created the instance (its first call),
// as a Python tuple. (The result type is any rather than value.Tuple
// because the daemon currently turns a returned value.Tuple into a list.)
func (s *SessionInstance) Msg(ctx context.Context, message string) any {
	s.once.Do(func() {
		if ci, ok := secure.CallInfoFrom(ctx); ok {
			s.corr = ci.CorrelationID.String()
		}
	})
	s.o.printf("[%d] SessionInstance.msg: %s\n", s.id, message)
	return value.Tuple{s.id, s.corr}
}

// Close is called by the daemon when the session's connection ends.
func (s *SessionInstance) Close() error {
	s.o.printf("[%d] SessionInstance released\n", s.id)
	return nil
}

// PercallInstance is made for every call.
type PercallInstance struct {
	id int64
	o  *Objects
}

// Msg prints message and returns the instance's number.
func (p *PercallInstance) Msg(message string) int64 {
	p.o.printf("[%d] PercallInstance.msg: %s\n", p.id, message)
	return p.id
}

// Register publishes the three factories on d.
func Register(d *secure.Daemon, o *Objects) error {
	msg := secure.Expose("Msg")
	if _, err := d.RegisterFactory(func() *SingleInstance {
		return &SingleInstance{id: o.next.Add(1), o: o}
	}, secure.Single, secure.WithID(SingleID), msg); err != nil {
		return err
	}
	if _, err := d.RegisterFactory(func() *SessionInstance {
		return &SessionInstance{id: o.next.Add(1), o: o}
	}, secure.Session, secure.WithID(SessionID), msg); err != nil {
		return err
	}
	_, err := d.RegisterFactory(func() *PercallInstance {
		return &PercallInstance{id: o.next.Add(1), o: o}
	}, secure.PerCall, secure.WithID(PercallID), msg)
	return err
}
