package transport

import "golang.org/x/sys/unix"

// newUnixSocket returns a close-on-exec AF_UNIX stream socket.
func newUnixSocket() (int, error) {
	return unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
}

// newSocketPair returns a close-on-exec AF_UNIX stream socket pair.
func newSocketPair() ([2]int, error) {
	return unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
}
