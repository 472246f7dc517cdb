//go:build !linux

package transport

import (
	"fmt"
	"net"
	"runtime"

	"github.com/flintrpc/flint/auth"
)

// PeerCred returns the credentials of the process at the other end of a
// Unix-socket connection. It is implemented only on Linux (SO_PEERCRED);
// here it always returns [ErrNoPeerCred].
func PeerCred(c net.Conn) (*auth.UnixCred, error) {
	return nil, fmt.Errorf("%w: not implemented on %s", ErrNoPeerCred, runtime.GOOS)
}
