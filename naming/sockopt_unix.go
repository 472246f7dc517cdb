//go:build unix

package naming

import "syscall"

// reuseAddr sets SO_REUSEADDR on the broadcast responder's socket, as
// Pyro4 does, so a restarted name server can bind at once.
func reuseAddr(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// allowBroadcast sets SO_BROADCAST on a discovery socket, which the kernel
// requires before it sends to a broadcast address.
func allowBroadcast(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
