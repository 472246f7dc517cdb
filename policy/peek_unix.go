//go:build unix

package policy

import "syscall"

// peekSocket looks at a socket without reading from it or waiting.
func peekSocket(sc syscall.Conn) (int, error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return sockUnknown, nil
	}
	st := sockUnknown
	var perr error
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, e := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case e == syscall.EAGAIN || e == syscall.EWOULDBLOCK || e == syscall.EINTR:
			st = sockIdle
		case e != nil:
			perr = e
		case n == 0:
			st = sockClosed
		default:
			st = sockData
		}
		return true
	})
	if err != nil {
		return sockUnknown, err
	}
	return st, perr
}
