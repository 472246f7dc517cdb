//go:build unix

package transport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// abstractSupported tells whether "@name" means an abstract socket here.
const abstractSupported = runtime.GOOS == "linux" || runtime.GOOS == "android"

// staleProbeTimeout bounds the check of an existing socket file.
const staleProbeTimeout = 2 * time.Second

// listenBacklog is the listen(2) backlog; the kernel caps it at somaxconn.
const listenBacklog = 4096

func listenAbstract(ctx context.Context, name string) (net.Listener, error) {
	if !abstractSupported {
		return nil, fmt.Errorf("%w: abstract socket %q", ErrUnsupported, name)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", name)
	if err != nil {
		return nil, fmt.Errorf("transport: listen on unix:%s: %w", name, err)
	}
	return ln, nil
}

// listenUnixPath creates a Unix socket at path with the given mode.
//
// The order matters: socket, bind, chmod (and chown), then listen. Until
// listen(2), connect(2) to the path fails, so no peer can get in while the
// file still has the umask-derived mode.
func listenUnixPath(ctx context.Context, path string, mode os.FileMode, group *int) (net.Listener, error) {
	if err := clearStale(ctx, path); err != nil {
		return nil, err
	}
	fd, err := newUnixSocket()
	if err != nil {
		return nil, fmt.Errorf("transport: socket: %w", err)
	}
	fail := func(step string, err error, unlink bool) (net.Listener, error) {
		unix.Close(fd)
		if unlink {
			unix.Unlink(path)
		}
		if errors.Is(err, unix.EADDRINUSE) {
			err = fmt.Errorf("%w: %w", ErrInUse, err)
		}
		return nil, fmt.Errorf("transport: %s unix:%s: %w", step, path, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return fail("bind", err, false)
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return fail("stat", err, false)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return fail("stat", ErrNotSocket, false)
	}
	if err := unix.Chmod(path, uint32(mode.Perm())); err != nil {
		return fail("chmod", err, true)
	}
	if group != nil {
		if err := unix.Lchown(path, -1, *group); err != nil {
			return fail("chown", err, true)
		}
	}
	// Record which file is ours, after chmod/chown changed its ctime.
	if err := unix.Lstat(path, &st); err != nil {
		return fail("stat", err, false)
	}
	id := fileIDOf(&st)
	if !id.isSocket {
		return fail("stat", ErrNotSocket, false)
	}
	if err := unix.Listen(fd, listenBacklog); err != nil {
		return fail("listen", err, true)
	}
	f := os.NewFile(uintptr(fd), path)
	ln, err := net.FileListener(f) // dups fd
	f.Close()
	if err != nil {
		unix.Unlink(path)
		return nil, fmt.Errorf("transport: listen on unix:%s: %w", path, err)
	}
	ul, ok := ln.(*net.UnixListener)
	if !ok {
		ln.Close()
		unix.Unlink(path)
		return nil, fmt.Errorf("transport: listen on unix:%s: unexpected listener %T", path, ln)
	}
	return &unixListener{UnixListener: ul, path: path, id: id}, nil
}

// clearStale makes room for a new socket at path: nothing there is fine; a
// socket that refuses connections is removed; anything else is an error.
func clearStale(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("transport: unix:%s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%w: unix:%s is a %v; refusing to replace it", ErrNotSocket, path, fi.Mode().Type())
	}
	pctx, cancel := context.WithTimeout(ctx, staleProbeTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(pctx, "unix", path)
	switch {
	case err == nil:
		c.Close()
		return fmt.Errorf("%w: unix:%s has a live listener", ErrInUse, path)
	case errors.Is(err, syscall.ECONNREFUSED):
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("transport: removing stale socket unix:%s: %w", path, err)
		}
		return nil
	case errors.Is(err, syscall.ENOENT):
		return nil // removed meanwhile
	}
	return fmt.Errorf("%w: cannot tell whether unix:%s is stale: %w", ErrInUse, path, err)
}

// unixListener removes its socket file on Close, but only if the file at
// the path is still the one it created.
type unixListener struct {
	*net.UnixListener
	path string
	id   fileID
	once sync.Once
}

// fileID tells one file from another, even when an inode number is reused
// (the change time differs).
type fileID struct {
	dev, ino            uint64
	ctimeSec, ctimeNsec int64
	isSocket            bool
}

func fileIDOf(st *unix.Stat_t) fileID {
	return fileID{
		dev:       uint64(st.Dev),
		ino:       uint64(st.Ino),
		ctimeSec:  int64(st.Ctim.Sec),
		ctimeNsec: int64(st.Ctim.Nsec),
		isSocket:  st.Mode&unix.S_IFMT == unix.S_IFSOCK,
	}
}

// Close removes the socket file (if it is still ours) and closes the
// listener.
func (l *unixListener) Close() error {
	l.once.Do(func() {
		var st unix.Stat_t
		if unix.Lstat(l.path, &st) == nil && fileIDOf(&st) == l.id {
			unix.Unlink(l.path)
		}
	})
	return l.UnixListener.Close()
}

// SocketPair returns the two ends of a connected Unix stream socket pair.
// Both are *net.UnixConn, so [PeerCred] works on them (and reports this
// process). Closing one end makes reads on the other return io.EOF.
func SocketPair() (a, b net.Conn, err error) {
	fds, err := newSocketPair()
	if err != nil {
		return nil, nil, fmt.Errorf("transport: socketpair: %w", err)
	}
	a, err = fdConn(fds[0], "socketpair-a")
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, err
	}
	b, err = fdConn(fds[1], "socketpair-b")
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

// fdConn turns fd into a *net.UnixConn; fd is consumed.
func fdConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	c, err := net.FileConn(f) // dups fd
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("transport: socketpair: %w", err)
	}
	if _, ok := c.(*net.UnixConn); !ok {
		c.Close()
		return nil, fmt.Errorf("transport: socketpair: unexpected %T", c)
	}
	return c, nil
}
