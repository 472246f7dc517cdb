package transport

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// connectAsNobody tries to connect to the Unix socket at path from a child
// process running as user and group "nobody" (65534), and returns its
// output ("ok" or the error name).
func connectAsNobody(t *testing.T, path string) string {
	t.Helper()
	script := `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    print("ok")
except OSError as e:
    print(type(e).__name__)
`
	cmd := exec.Command("/usr/bin/python3", "-c", script, path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.TrimSpace(string(out))
}

// TestUnixModeKeepsOthersOut checks the socket mode against a real process
// of another user. It needs root (to start that process) and a Python.
func TestUnixModeKeepsOthersOut(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a peer as another user")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("needs /usr/bin/python3 as the foreign peer")
	}
	dir := shortDir(t)
	require.NoError(t, os.Chmod(dir, 0o755)) // the directory is not the barrier
	ctx := testCtx(t)

	private := filepath.Join(dir, "private.sock")
	ln, err := Listen(ctx, Endpoint{NetworkUnix, private}, ListenOptions{})
	require.NoError(t, err)
	defer ln.Close()
	assert.Equal(t, "PermissionError", connectAsNobody(t, private))

	// Control: with an open mode the same peer gets in, so the check above
	// is about the socket mode and nothing else.
	open := filepath.Join(dir, "open.sock")
	ln2, err := Listen(ctx, Endpoint{NetworkUnix, open}, ListenOptions{UnixMode: 0o666})
	require.NoError(t, err)
	defer ln2.Close()
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		if c, err := ln2.Accept(); err == nil {
			c.Close()
		}
	}()
	assert.Equal(t, "ok", connectAsNobody(t, open))
	<-accepted
}
