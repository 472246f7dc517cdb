//go:build !unix

package policy

import "syscall"

// peekSocket cannot peek here; Probe falls back to a short read.
func peekSocket(syscall.Conn) (int, error) { return sockUnknown, nil }
