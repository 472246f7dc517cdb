package transport

import "errors"

// Sentinel errors; functions wrap them with %w, test with errors.Is.
var (
	// ErrBadLocation reports a location string that is not a valid Pyro4
	// location.
	ErrBadLocation = errors.New("transport: bad location")
	// ErrBadEndpoint reports an Endpoint with an unknown network or an
	// unusable address, or listen options that cannot apply to it.
	ErrBadEndpoint = errors.New("transport: bad endpoint")
	// ErrNotSocket reports that a Unix socket path is taken by something
	// other than a socket (a regular file, directory, symlink...), which
	// Listen refuses to replace.
	ErrNotSocket = errors.New("transport: path exists and is not a socket")
	// ErrInUse reports that a Unix socket path already has a live listener.
	ErrInUse = errors.New("transport: socket in use")
	// ErrNoPeerCred reports a connection that has no Unix peer credentials
	// (not a Unix socket, or an operating system without SO_PEERCRED).
	ErrNoPeerCred = errors.New("transport: no peer credentials")
	// ErrUnsupported reports a feature not available on this operating
	// system (abstract sockets outside Linux, for instance).
	ErrUnsupported = errors.New("transport: not supported on this system")
)
