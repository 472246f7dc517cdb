package transport

import (
	"fmt"
	"net"

	"github.com/flintrpc/flint/auth"
	"golang.org/x/sys/unix"
)

// PeerCred returns the credentials (SO_PEERCRED) of the process at the
// other end of a Unix-socket connection, as the kernel recorded them when
// the connection was made. A *tls.Conn (or any wrapper with a NetConn
// method) is unwrapped first. Other connections give [ErrNoPeerCred].
func PeerCred(c net.Conn) (*auth.UnixCred, error) {
	if c == nil {
		return nil, ErrNoPeerCred
	}
	uc, ok := unwrap(c).(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Unix socket", ErrNoPeerCred, unwrap(c))
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPeerCred, err)
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPeerCred, err)
	}
	if credErr != nil {
		return nil, fmt.Errorf("%w: SO_PEERCRED: %w", ErrNoPeerCred, credErr)
	}
	return &auth.UnixCred{UID: cred.Uid, GID: cred.Gid, PID: cred.Pid}, nil
}
