//go:build !unix

package transport

import (
	"context"
	"fmt"
	"net"
	"os"
)

const abstractSupported = false

func listenAbstract(context.Context, string) (net.Listener, error) {
	return nil, fmt.Errorf("%w: abstract sockets", ErrUnsupported)
}

func listenUnixPath(context.Context, string, os.FileMode, *int) (net.Listener, error) {
	return nil, fmt.Errorf("%w: Unix socket listeners", ErrUnsupported)
}

// SocketPair returns the two ends of a connected Unix stream socket pair.
// On this system it is not available and returns [ErrUnsupported].
func SocketPair() (a, b net.Conn, err error) {
	return nil, nil, fmt.Errorf("%w: socketpair", ErrUnsupported)
}
