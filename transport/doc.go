// Package transport listens and dials on every kind of endpoint flint
// supports: TCP over IPv4 and IPv6, Unix-domain sockets on a path, and Linux
// abstract Unix sockets. It also parses and writes Pyro4 URI locations
// ([ParseLocation], [Endpoint.Location]) and reads the kernel-reported
// credentials of Unix-socket peers ([PeerCred]).
//
// Everything returns standard library types ([net.Listener], [net.Conn]),
// so callers can wrap them (TLS, multiplexers) and tests can use net.Pipe.
//
// # Invariants
//
//   - A Unix socket file is never reachable with looser permissions than
//     requested: the socket is bound, chmod'ed (default 0600) and only then
//     made to listen, so no connection can be made before the mode is set,
//     whatever the process umask.
//   - [Listen] never replaces anything but a stale socket: an existing
//     regular file, directory or symlink at the path is refused, and an
//     existing socket is removed only when connecting to it is refused.
//   - Closing a path listener removes the socket file only if it is still
//     the file the listener created.
//   - [ParseLocation] accepts only well-formed locations (bracketed numeric
//     IPv6 anchored at the end, port 1..65535, no control characters) and
//     [Endpoint.Location] writes back exactly what it accepted.
//   - Dialed TCP connections have TCP_NODELAY set.
//
// # Security notes
//
// Peer credentials ([PeerCred]) are what the kernel recorded when the peer
// connected; they identify the peer process's user and group reliably, but
// the PID may since have been reused. A socket file's permissions protect it
// only if untrusted users cannot write to its directory (they could
// otherwise replace the file). An abstract socket has no permissions at all:
// any process in the same network namespace can connect, so use it only
// with peer-credential rules or TLS. Pyro4 itself has no abstract sockets: a
// Python peer reads "./u:@name" as a file named "@name".
package transport
