package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
)

// DefaultUnixMode is the permission of a Unix socket file when
// ListenOptions.UnixMode is zero: only the owner can connect.
const DefaultUnixMode os.FileMode = 0o600

// ListenOptions tunes [Listen]. The zero value is the safe default.
type ListenOptions struct {
	// UnixMode is the permission of a Unix socket file (0 means
	// DefaultUnixMode, 0600). Connecting needs write permission, so 0660
	// with UnixGroup lets a group in. Only permission bits are allowed.
	// It must be zero for TCP and abstract sockets.
	UnixMode os.FileMode
	// UnixGroup, when set, is the group the socket file is given (the
	// process must be allowed to chown to it). It must be nil for TCP and
	// abstract sockets.
	UnixGroup *int
}

// Listen opens a listener on e.
//
// TCP endpoints listen on IPv4 or IPv6 as the address says (port 0 picks
// a free port; Addr tells which). A Unix path is created with
// o.UnixMode (default 0600) before anyone can connect; an existing socket
// file there is replaced only when nothing answers on it, and anything
// else at the path is refused with [ErrNotSocket]. Closing the listener
// removes the file. An "@name" address is a Linux abstract socket, which
// has no file and no permissions (see the package documentation).
//
// ctx bounds the setup (including the probe of an existing socket), not
// the life of the listener.
func Listen(ctx context.Context, e Endpoint, o ListenOptions) (net.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	unixOpts := o.UnixMode != 0 || o.UnixGroup != nil
	switch {
	case e.Network == NetworkTCP:
		if unixOpts {
			return nil, fmt.Errorf("%w: Unix socket options given for TCP endpoint %s", ErrBadEndpoint, e)
		}
		if _, _, err := net.SplitHostPort(e.Address); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadEndpoint, e, err)
		}
		// Daemons end silent connections with their own idle timeout, so
		// accepted connections skip TCP keepalive (and the four setsockopt
		// calls per connection that configuring it costs).
		lc := net.ListenConfig{KeepAlive: -1}
		ln, err := lc.Listen(ctx, "tcp", e.Address)
		if err != nil {
			return nil, fmt.Errorf("transport: listen on %s: %w", e, err)
		}
		return ln, nil
	case e.Network == NetworkUnix && strings.HasPrefix(e.Address, "@"):
		if unixOpts {
			return nil, fmt.Errorf("%w: abstract socket %s has no file to apply a mode or group to", ErrBadEndpoint, e)
		}
		if err := checkUnixAddress(e.Address); err != nil {
			return nil, err
		}
		return listenAbstract(ctx, e.Address)
	case e.Network == NetworkUnix:
		if err := checkUnixAddress(e.Address); err != nil {
			return nil, err
		}
		mode := o.UnixMode
		if mode == 0 {
			mode = DefaultUnixMode
		}
		if mode&^os.ModePerm != 0 {
			return nil, fmt.Errorf("%w: UnixMode %v has bits other than permissions", ErrBadEndpoint, mode)
		}
		return listenUnixPath(ctx, e.Address, mode, o.UnixGroup)
	}
	return nil, fmt.Errorf("%w: unknown network %q", ErrBadEndpoint, e.Network)
}

func checkUnixAddress(a string) error {
	if err := checkUnixName(a); err != nil {
		return fmt.Errorf("%w: %w", ErrBadEndpoint, err)
	}
	return nil
}

// Dial connects to e. ctx bounds the connection attempt (use a deadline:
// there is no default timeout); it does not apply to the returned
// connection. TCP connections get TCP_NODELAY.
func Dial(ctx context.Context, e Endpoint) (net.Conn, error) {
	switch e.Network {
	case NetworkTCP:
		if _, _, err := net.SplitHostPort(e.Address); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadEndpoint, e, err)
		}
	case NetworkUnix:
		if err := checkUnixAddress(e.Address); err != nil {
			return nil, err
		}
		if strings.HasPrefix(e.Address, "@") && !abstractSupported {
			return nil, fmt.Errorf("%w: abstract socket %s", ErrUnsupported, e)
		}
	default:
		return nil, fmt.Errorf("%w: unknown network %q", ErrBadEndpoint, e.Network)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, e.Network, e.Address)
	if err != nil {
		return nil, fmt.Errorf("transport: dial %s: %w", e, err)
	}
	// Go enables TCP_NODELAY on every TCP connection it makes; the
	// transport tests read it back from the socket.
	return c, nil
}

// netConner is implemented by wrappers such as *tls.Conn.
type netConner interface{ NetConn() net.Conn }

var _ netConner = (*tls.Conn)(nil)

// unwrap peels wrappers that expose their underlying connection.
func unwrap(c net.Conn) net.Conn {
	for range 8 {
		w, ok := c.(netConner)
		if !ok {
			break
		}
		inner := w.NetConn()
		if inner == nil || inner == c {
			break
		}
		c = inner
	}
	return c
}

// IsUnix reports whether c (or the connection inside a *tls.Conn or
// another wrapper with a NetConn method) is a Unix-domain socket.
func IsUnix(c net.Conn) bool {
	if c == nil {
		return false
	}
	c = unwrap(c)
	if _, ok := c.(*net.UnixConn); ok {
		return true
	}
	a := c.LocalAddr()
	return a != nil && a.Network() == NetworkUnix
}
