// Package examples_test runs every call-semantics example end to end: the
// Go server in-process with the Go client, the real Python Pyro4 client
// against the Go server, and the Go client against our own Python server
// with the same object.
package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

const python = "/usr/bin/python3"

func TestMain(m *testing.M) {
	// Proxies received inside results (autoproxy, callbacks) use the
	// policy from the environment, as the example programs do.
	os.Setenv("FLINT_INSECURE", "1")
	goleak.VerifyTestMain(m)
}

// insecure is the plaintext policy plain Pyro4 peers need.
func insecure() *policy.Policy {
	return &policy.Policy{AllowInsecurePlaintext: true, ExposeTracebacks: true}
}

func proxyConfig() secure.ProxyConfig { return secure.ProxyConfig{Policy: insecure()} }

// lockedBuffer is an io.Writer safe for the concurrent prints of a server.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls until the buffer contains s.
func (l *lockedBuffer) waitFor(t *testing.T, s string, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(l.String(), s) }, within, 10*time.Millisecond,
		"server output never contained %q:\n%s", s, l.String())
}

// startDaemon makes a plaintext daemon on loopback, lets register publish
// the example's objects, serves it and stops it when the test ends.
func startDaemon(t *testing.T, pol *policy.Policy) *secure.Daemon {
	t.Helper()
	if pol == nil {
		pol = insecure()
	}
	d, err := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: pol})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		_ = d.Close()
		select {
		case err := <-done:
			if !errors.Is(err, secure.ErrClosed) {
				require.NoError(t, err)
			}
		case <-time.After(10 * time.Second):
			t.Error("daemon did not stop")
		}
	})
	return d
}

// needPython skips when the real Python Pyro4 is missing, except in CI.
func needPython(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import Pyro4, serpent, msgpack").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Python Pyro4 is required in CI: %v", err)
		}
		t.Skipf("Python Pyro4 not installed: %v", err)
	}
}

func pyEnv(extra ...string) []string {
	env := append(os.Environ(), "PYRO_BROADCAST_ADDRS=127.0.0.1", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	return append(env, extra...)
}

// runPython runs one of our Python scripts and returns its stdout; a
// non-zero exit fails the test.
func runPython(t *testing.T, env []string, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{script}, args...)...)
	cmd.Env = pyEnv(env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	require.NoError(t, err, "python %s %v failed:\nstdout: %s\nstderr: %s", script, args, out.String(), errb.String())
	return out.String()
}

// pyServer is one of our Python servers, running.
type pyServer struct {
	uris map[string]string // object id -> URI
	out  *lockedBuffer     // everything it printed
}

// startPyServer starts a Python server script. It prints "URI <id> <uri>"
// per object and then "READY"; it stops when its stdin closes.
func startPyServer(t *testing.T, env []string, script string, args ...string) *pyServer {
	t.Helper()
	cmd := exec.Command(python, append([]string{script}, args...)...)
	cmd.Env = pyEnv(env...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	srv := &pyServer{uris: map[string]string{}, out: &lockedBuffer{}}
	ready := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			_, _ = srv.out.Write([]byte(line + "\n"))
			if signalled {
				continue
			}
			if rest, ok := strings.CutPrefix(line, "URI "); ok {
				if id, uri, ok := strings.Cut(rest, " "); ok {
					srv.uris[id] = uri
				}
			}
			if line == "READY" {
				signalled = true
				close(ready)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { <-readerDone; _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	select {
	case <-ready:
		return srv
	case <-readerDone:
		t.Fatalf("python server %s exited early: %s", script, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("python server %s did not start: %s", script, stderr.String())
	}
	return nil
}

// ctxT is a context bounded for one example run.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// requireLines checks that out contains each of the lines (as substrings),
// in order.
func requireLines(t *testing.T, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q (in order) in:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}

// fixBools turns Go's true/false into Python's True/False so that the Go
// and Python clients' output can be checked against the same lines.
func fixBools(s string) string {
	s = strings.ReplaceAll(s, "= true", "= True")
	s = strings.ReplaceAll(s, "= false", "= False")
	s = strings.ReplaceAll(s, "? true", "? True")
	return strings.ReplaceAll(s, "? false", "? False")
}
