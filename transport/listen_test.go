//go:build linux

package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// shortDir returns a fresh directory with a short path (sun_path is small).
func shortDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "fl")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// serveEcho accepts one connection on ln and echoes it; the returned
// channel yields the server side's peer credentials error/result and closes
// when done.
type served struct {
	conn net.Conn
	err  error
}

func serveEcho(t *testing.T, ln net.Listener) <-chan served {
	t.Helper()
	ch := make(chan served, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- served{err: err}
			return
		}
		_, err = io.Copy(c, c)
		ch <- served{conn: c, err: err}
		c.Close()
	}()
	return ch
}

// echo sends a random message through c and checks it comes back.
func echo(t *testing.T, c net.Conn) {
	t.Helper()
	msg := make([]byte, 4096)
	_, err := rand.Read(msg)
	require.NoError(t, err)
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	go func() { _, _ = c.Write(msg) }()
	got := make([]byte, len(msg))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(msg, got), "echo mismatch")
}

// roundTrip listens on e, dials it, echoes, and returns the server result.
func roundTrip(t *testing.T, e Endpoint, o ListenOptions) (ln net.Listener, client net.Conn) {
	t.Helper()
	ctx := testCtx(t)
	ln, err := Listen(ctx, e, o)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	done := serveEcho(t, ln)
	dialTo := Endpoint{Network: ln.Addr().Network(), Address: ln.Addr().String()}
	c, err := Dial(ctx, dialTo)
	require.NoError(t, err)
	echo(t, c)
	require.NoError(t, c.Close())
	res := <-done
	require.NoError(t, res.err)
	return ln, c
}

func noDelay(t *testing.T, c net.Conn) bool {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var v int
	var gerr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY)
	}))
	require.NoError(t, gerr)
	return v != 0
}

func TestTCP4(t *testing.T) {
	e, err := ParseListenLocation("127.0.0.1:0")
	require.NoError(t, err)
	ln, c := roundTrip(t, e, ListenOptions{})
	addr := ln.Addr().(*net.TCPAddr)
	assert.True(t, addr.IP.IsLoopback())
	assert.NotZero(t, addr.Port)
	_, isTCP := c.(*net.TCPConn)
	assert.True(t, isTCP)
	assert.False(t, IsUnix(c))
}

func TestTCPNoDelay(t *testing.T) {
	ctx := testCtx(t)
	ln, err := Listen(ctx, Endpoint{NetworkTCP, "127.0.0.1:0"}, ListenOptions{})
	require.NoError(t, err)
	defer ln.Close()
	done := serveEcho(t, ln)
	loc := Endpoint{NetworkTCP, ln.Addr().String()}.Location()
	e, err := ParseLocation(loc)
	require.NoError(t, err)
	c, err := Dial(ctx, e)
	require.NoError(t, err)
	assert.True(t, noDelay(t, c))
	_, err = PeerCred(c)
	assert.ErrorIs(t, err, ErrNoPeerCred)
	c.Close()
	<-done
}

func TestTCP6(t *testing.T) {
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this host: %v", err)
	}
	probe.Close()
	e, err := ParseListenLocation("[::1]:0")
	require.NoError(t, err)
	ln, _ := roundTrip(t, e, ListenOptions{})
	addr := ln.Addr().(*net.TCPAddr)
	assert.Equal(t, net.IPv6loopback, addr.IP)
	loc := Endpoint{NetworkTCP, ln.Addr().String()}.Location()
	assert.Regexp(t, `^\[::1\]:[0-9]+$`, loc)
	_, err = ParseLocation(loc)
	assert.NoError(t, err)
}

func TestUnixPath(t *testing.T) {
	path := filepath.Join(shortDir(t), "s.sock")
	e, err := ParseLocation("./u:" + path)
	require.NoError(t, err)
	old := syscall.Umask(0) // the loosest umask must not matter
	defer syscall.Umask(old)
	ln, c := roundTrip(t, e, ListenOptions{})
	assert.True(t, IsUnix(c))

	fi, err := os.Lstat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSocket, fi.Mode().Type())
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	require.NoError(t, ln.Close())
	_, err = os.Lstat(path)
	assert.ErrorIs(t, err, fs.ErrNotExist, "the socket file is removed on Close")
	assert.Error(t, ln.Close(), "second Close reports the closed listener")
}

func TestUnixPathModeAndGroup(t *testing.T) {
	path := filepath.Join(shortDir(t), "g.sock")
	gid := os.Getgid()
	ln, err := Listen(testCtx(t), Endpoint{NetworkUnix, path}, ListenOptions{UnixMode: 0o660, UnixGroup: &gid})
	require.NoError(t, err)
	defer ln.Close()
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm())
	assert.Equal(t, uint32(gid), fi.Sys().(*syscall.Stat_t).Gid)

	_, err = Listen(testCtx(t), Endpoint{NetworkUnix, filepath.Join(shortDir(t), "x")}, ListenOptions{UnixMode: os.ModeSetuid | 0o600})
	assert.ErrorIs(t, err, ErrBadEndpoint)
}

func TestUnixPathRefusesToClobber(t *testing.T) {
	dir := shortDir(t)
	regular := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(regular, []byte("precious"), 0o600))
	_, err := Listen(testCtx(t), Endpoint{NetworkUnix, regular}, ListenOptions{})
	require.ErrorIs(t, err, ErrNotSocket)
	data, err := os.ReadFile(regular)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(data), "the file is untouched")

	sub := filepath.Join(dir, "dir")
	require.NoError(t, os.Mkdir(sub, 0o700))
	_, err = Listen(testCtx(t), Endpoint{NetworkUnix, sub}, ListenOptions{})
	assert.ErrorIs(t, err, ErrNotSocket)

	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(filepath.Join(dir, "nowhere"), link))
	_, err = Listen(testCtx(t), Endpoint{NetworkUnix, link}, ListenOptions{})
	assert.ErrorIs(t, err, ErrNotSocket)
	_, err = os.Lstat(filepath.Join(dir, "nowhere"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "nothing was created through the symlink")
}

func TestUnixPathStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(shortDir(t), "stale.sock")
	// Leave a socket file behind with nothing listening on it.
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	old.SetUnlinkOnClose(false)
	require.NoError(t, old.Close())
	require.NoError(t, os.Chmod(path, 0o751)) // mark the old file
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	require.Equal(t, fs.ModeSocket, fi.Mode().Type())

	ln, _ := roundTrip(t, Endpoint{NetworkUnix, path}, ListenOptions{})
	fi2, err := os.Lstat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSocket, fi2.Mode().Type())
	assert.Equal(t, os.FileMode(0o600), fi2.Mode().Perm(), "a new socket file replaced the stale one")
	require.NoError(t, ln.Close())
}

func TestUnixPathLiveSocketKept(t *testing.T) {
	path := filepath.Join(shortDir(t), "live.sock")
	ctx := testCtx(t)
	first, err := Listen(ctx, Endpoint{NetworkUnix, path}, ListenOptions{})
	require.NoError(t, err)
	defer first.Close()
	acceptDone := make(chan struct{})
	go func() { // accept the probe connection
		defer close(acceptDone)
		if c, err := first.Accept(); err == nil {
			c.Close()
		}
	}()

	_, err = Listen(ctx, Endpoint{NetworkUnix, path}, ListenOptions{})
	require.ErrorIs(t, err, ErrInUse)
	<-acceptDone

	// The first listener still works.
	done := serveEcho(t, first)
	c, err := Dial(ctx, Endpoint{NetworkUnix, path})
	require.NoError(t, err)
	echo(t, c)
	c.Close()
	require.NoError(t, (<-done).err)
}

func TestUnixCloseLeavesForeignFile(t *testing.T) {
	path := filepath.Join(shortDir(t), "swap.sock")
	ln, err := Listen(testCtx(t), Endpoint{NetworkUnix, path}, ListenOptions{})
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.WriteFile(path, []byte("someone else's"), 0o600))
	require.NoError(t, ln.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err, "Close must not remove a file it did not create")
	assert.Equal(t, "someone else's", string(data))
}

func TestUnixCloseLeavesReplacementSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), "again.sock")
	ctx := testCtx(t)
	first, err := Listen(ctx, Endpoint{NetworkUnix, path}, ListenOptions{})
	require.NoError(t, err)
	require.NoError(t, os.Remove(path)) // someone removes it...
	second, err := Listen(ctx, Endpoint{NetworkUnix, path}, ListenOptions{})
	require.NoError(t, err) // ...and a new daemon takes the path
	defer second.Close()
	require.NoError(t, first.Close())

	done := serveEcho(t, second)
	c, err := Dial(ctx, Endpoint{NetworkUnix, path})
	require.NoError(t, err, "closing the first listener must not remove the second one's socket")
	echo(t, c)
	c.Close()
	require.NoError(t, (<-done).err)
}

func TestUnixPathTooLong(t *testing.T) {
	long := "/tmp/" + string(bytes.Repeat([]byte{'x'}, MaxUnixPathLen))
	_, err := Listen(testCtx(t), Endpoint{NetworkUnix, long}, ListenOptions{})
	assert.ErrorIs(t, err, ErrBadEndpoint)
	_, err = Dial(testCtx(t), Endpoint{NetworkUnix, long})
	assert.ErrorIs(t, err, ErrBadEndpoint)
}

func randomName(t *testing.T) string {
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func TestAbstract(t *testing.T) {
	name := "@flint-test-" + randomName(t)
	e, err := ParseLocation("./u:" + name)
	require.NoError(t, err)
	ln, c := roundTrip(t, e, ListenOptions{})
	assert.True(t, IsUnix(c))
	assert.Equal(t, name, ln.Addr().String())
	_, err = os.Lstat(name)
	assert.ErrorIs(t, err, fs.ErrNotExist, "no file is created")

	// A second listener on the same name fails.
	_, err = Listen(testCtx(t), e, ListenOptions{})
	assert.Error(t, err)

	// Permissions cannot apply to an abstract socket.
	_, err = Listen(testCtx(t), Endpoint{NetworkUnix, "@flint-test-" + randomName(t)}, ListenOptions{UnixMode: 0o600})
	assert.ErrorIs(t, err, ErrBadEndpoint)
}

func TestPeerCredUnix(t *testing.T) {
	path := filepath.Join(shortDir(t), "cred.sock")
	ctx := testCtx(t)
	ln, err := Listen(ctx, Endpoint{NetworkUnix, path}, ListenOptions{})
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := Dial(ctx, Endpoint{NetworkUnix, path})
	require.NoError(t, err)
	defer c.Close()
	sc, ok := <-accepted
	require.True(t, ok)
	defer sc.Close()
	for _, conn := range []net.Conn{c, sc} {
		cred, err := PeerCred(conn)
		require.NoError(t, err)
		assert.Equal(t, uint32(os.Getuid()), cred.UID)
		assert.Equal(t, uint32(os.Getgid()), cred.GID)
		assert.Equal(t, int32(os.Getpid()), cred.PID)
	}
}

func TestSocketPair(t *testing.T) {
	a, b, err := SocketPair()
	require.NoError(t, err)
	defer a.Close()
	defer b.Close()
	_, ok := a.(*net.UnixConn)
	assert.True(t, ok)
	_, ok = b.(*net.UnixConn)
	assert.True(t, ok)
	assert.True(t, IsUnix(a))

	for _, pair := range [][2]net.Conn{{a, b}, {b, a}} {
		msg := []byte("hello over the pair")
		go func() { _, _ = pair[0].Write(msg) }()
		got := make([]byte, len(msg))
		require.NoError(t, pair[1].SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err := io.ReadFull(pair[1], got)
		require.NoError(t, err)
		assert.Equal(t, msg, got)
	}

	cred, err := PeerCred(b)
	require.NoError(t, err)
	assert.Equal(t, uint32(os.Getuid()), cred.UID)
	assert.Equal(t, uint32(os.Getgid()), cred.GID)
	assert.Equal(t, int32(os.Getpid()), cred.PID)

	// PeerCred sees through TLS.
	tc := tls.Client(a, &tls.Config{ServerName: "x"})
	assert.True(t, IsUnix(tc))
	cred2, err := PeerCred(tc)
	require.NoError(t, err)
	assert.Equal(t, cred, cred2)

	require.NoError(t, a.Close())
	require.NoError(t, b.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = b.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF)
}

func TestPeerCredNotUnix(t *testing.T) {
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	_, err := PeerCred(p1)
	assert.ErrorIs(t, err, ErrNoPeerCred)
	_, err = PeerCred(nil)
	assert.ErrorIs(t, err, ErrNoPeerCred)
	assert.False(t, IsUnix(p1))
	assert.False(t, IsUnix(nil))
	_, err = PeerCred(tls.Client(p1, &tls.Config{ServerName: "x"}))
	assert.ErrorIs(t, err, ErrNoPeerCred)
}

func TestDialHonoursContext(t *testing.T) {
	ln, err := Listen(testCtx(t), Endpoint{NetworkTCP, "127.0.0.1:0"}, ListenOptions{})
	require.NoError(t, err)
	defer ln.Close()
	e := Endpoint{NetworkTCP, ln.Addr().String()}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Dial(ctx, e)
	assert.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = Dial(ctx, e)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	_, err = Listen(ctx, Endpoint{NetworkTCP, "127.0.0.1:0"}, ListenOptions{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestDialErrors(t *testing.T) {
	ctx := testCtx(t)
	_, err := Dial(ctx, Endpoint{"udp", "127.0.0.1:1"})
	assert.ErrorIs(t, err, ErrBadEndpoint)
	_, err = Dial(ctx, Endpoint{NetworkTCP, "no-port"})
	assert.ErrorIs(t, err, ErrBadEndpoint)
	_, err = Dial(ctx, Endpoint{NetworkUnix, ""})
	assert.ErrorIs(t, err, ErrBadEndpoint)

	// Nothing listens on a fresh socket path.
	_, err = Dial(ctx, Endpoint{NetworkUnix, filepath.Join(shortDir(t), "none")})
	assert.True(t, errors.Is(err, syscall.ENOENT), "%v", err)

	_, err = Listen(ctx, Endpoint{"sctp", "x"}, ListenOptions{})
	assert.ErrorIs(t, err, ErrBadEndpoint)
	gid := 0
	_, err = Listen(ctx, Endpoint{NetworkTCP, "127.0.0.1:0"}, ListenOptions{UnixGroup: &gid})
	assert.ErrorIs(t, err, ErrBadEndpoint)
}
