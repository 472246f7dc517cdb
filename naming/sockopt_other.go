//go:build !unix

package naming

import "syscall"

func reuseAddr(_, _ string, _ syscall.RawConn) error { return nil }

func allowBroadcast(_, _ string, _ syscall.RawConn) error { return nil }
