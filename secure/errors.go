package secure

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flintrpc/flint/value"
)

// Kind is one of Pyro4's error classes. Kinds form Pyro4's hierarchy, so
// errors.Is(err, ErrCommunication) holds for an error of kind ErrTimeout.
type Kind struct {
	class  string // Python class, e.g. "Pyro4.errors.TimeoutError"
	parent *Kind
}

// Error returns the Python class name.
func (k *Kind) Error() string { return k.class }

// Class returns the Python class this kind corresponds to.
func (k *Kind) Class() string { return k.class }

// Is reports whether k is target or one of its descendants.
func (k *Kind) Is(target error) bool {
	t, ok := target.(*Kind)
	if !ok {
		return false
	}
	for p := k; p != nil; p = p.parent {
		if p == t {
			return true
		}
	}
	return false
}

// Pyro4's error classes. Test with errors.Is.
var (
	ErrPyro             = &Kind{class: "Pyro4.errors.PyroError"}
	ErrCommunication    = &Kind{class: "Pyro4.errors.CommunicationError", parent: ErrPyro}
	ErrConnectionClosed = &Kind{class: "Pyro4.errors.ConnectionClosedError", parent: ErrCommunication}
	ErrTimeout          = &Kind{class: "Pyro4.errors.TimeoutError", parent: ErrCommunication}
	ErrProtocol         = &Kind{class: "Pyro4.errors.ProtocolError", parent: ErrCommunication}
	ErrMessageTooLarge  = &Kind{class: "Pyro4.errors.MessageTooLargeError", parent: ErrProtocol}
	ErrSerialize        = &Kind{class: "Pyro4.errors.SerializeError", parent: ErrProtocol}
	ErrNaming           = &Kind{class: "Pyro4.errors.NamingError", parent: ErrPyro}
	ErrDaemon           = &Kind{class: "Pyro4.errors.DaemonError", parent: ErrPyro}
	ErrSecurity         = &Kind{class: "Pyro4.errors.SecurityError", parent: ErrPyro}
)

var kinds = []*Kind{ErrPyro, ErrCommunication, ErrConnectionClosed, ErrTimeout, ErrProtocol,
	ErrMessageTooLarge, ErrSerialize, ErrNaming, ErrDaemon, ErrSecurity}

// kindOf returns the Kind for a Python class name, or nil.
func kindOf(class string) *Kind {
	for _, k := range kinds {
		if k.class == class {
			return k
		}
	}
	return nil
}

// Error is a flint error of one of Pyro4's kinds, with an optional cause.
type Error struct {
	Kind  *Kind
	Msg   string
	Cause error
}

func (e *Error) Error() string {
	name := e.Kind.class[strings.LastIndexByte(e.Kind.class, '.')+1:]
	if e.Cause != nil {
		return name + ": " + e.Msg + ": " + e.Cause.Error()
	}
	return name + ": " + e.Msg
}

// Unwrap returns the kind and the cause, so errors.Is works on both.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func newError(k *Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...), Cause: cause}
}

// RemoteError is an exception raised by the remote side of a call: a
// Python exception from a Pyro4 daemon, or a Go error from a flint daemon.
// errors.Is(err, ErrNaming) and friends hold when the class is one of
// Pyro4's error classes.
//
// A Go method can also return a *RemoteError to choose the Python class a
// Python caller sees, for example builtins.ValueError; see [NewRemoteError].
type RemoteError struct {
	Class      string      // Python class, e.g. "builtins.ValueError"
	Args       []any       // exception args
	Attributes *value.Dict // extra attributes (no traceback)
	Traceback  []string    // remote traceback lines, nil if the peer sent none
}

// NewRemoteError returns an error that reaches Python callers as an
// exception of the given class (a builtins.* or Pyro4.errors.* class, so
// that Python can rebuild it) with msg as its only argument.
func NewRemoteError(class, msg string) *RemoteError {
	return &RemoteError{Class: class, Args: []any{msg}}
}

// Message returns the exception's message: its single str argument, or the
// args joined like Python's str(exc).
func (e *RemoteError) Message() string {
	switch len(e.Args) {
	case 0:
		return ""
	case 1:
		if s, ok := e.Args[0].(string); ok {
			return s
		}
	}
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = fmt.Sprint(a)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (e *RemoteError) Error() string {
	if m := e.Message(); m != "" {
		return "remote " + e.Class + ": " + m
	}
	return "remote " + e.Class
}

// Is maps Pyro4's error classes onto the kind sentinels.
func (e *RemoteError) Is(target error) bool {
	if k := kindOf(e.Class); k != nil {
		return k.Is(target)
	}
	return false
}

// RemoteTraceback returns the remote traceback as one string.
func (e *RemoteError) RemoteTraceback() string { return strings.Join(e.Traceback, "") }

func remoteErrorFrom(x *value.Exception) *RemoteError {
	return &RemoteError{Class: x.Class, Args: x.Args, Attributes: x.Attributes, Traceback: x.Traceback}
}

// Errors of the Go API itself.
var (
	// ErrClosed is returned by calls on a closed Daemon or Proxy.
	ErrClosed = errors.New("flint: closed")
	// ErrNotRegistrable means Register was given an object flint cannot publish.
	ErrNotRegistrable = errors.New("flint: object cannot be registered")
)
