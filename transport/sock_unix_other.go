//go:build unix && !linux

package transport

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// newUnixSocket returns a close-on-exec AF_UNIX stream socket. The fork
// lock keeps a concurrent exec from inheriting it before CLOEXEC is set.
func newUnixSocket() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}

// newSocketPair returns a close-on-exec AF_UNIX stream socket pair.
func newSocketPair() ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return fds, err
	}
	unix.CloseOnExec(fds[0])
	unix.CloseOnExec(fds[1])
	return fds, nil
}
