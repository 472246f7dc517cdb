package secure

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const python = "/usr/bin/python3"

// needPython skips the test when the real Python Pyro4 is missing, except
// in CI, where its absence is a failure (CI installs it).
func needPython(t testing.TB) {
	t.Helper()
	if err := exec.Command(python, "-c", "import Pyro4, serpent, msgpack").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Python Pyro4 is required in CI: %v", err)
		}
		t.Skipf("Python Pyro4 not installed: %v", err)
	}
}

func pyEnv(extra ...string) []string {
	env := append(os.Environ(), "PYRO_BROADCAST_ADDRS=127.0.0.1", "PYTHONDONTWRITEBYTECODE=1")
	return append(env, extra...)
}

// runPython runs a script and returns its stdout.
func runPython(t testing.TB, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = pyEnv(env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	require.NoError(t, err, "python %v failed:\nstdout: %s\nstderr: %s", args, out.String(), errb.String())
	return out.String()
}

// pyServer is a running Python Pyro4 daemon.
type pyServer struct {
	URI string
}

// startPyServer starts testdata/pyserver.py; it stops when the test ends.
func startPyServer(t testing.TB, env []string, args ...string) *pyServer {
	t.Helper()
	cmd := exec.Command(python, append([]string{"testdata/pyserver.py"}, args...)...)
	cmd.Env = pyEnv(env...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), "URI "); ok {
				lines <- s
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-lines:
		return &pyServer{URI: u}
	case <-time.After(20 * time.Second):
		t.Fatalf("python server did not start: %s", stderr.String())
	}
	return nil
}

func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), "output: %s", s)
	return m
}
