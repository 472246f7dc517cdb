package naming

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/certs/certstest"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
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

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func plaintext() *policy.Policy { return &policy.Policy{AllowInsecurePlaintext: true} }

// secMode is one way of securing connections, for both sides.
type secMode struct {
	name   string
	server *policy.Policy // for flint daemons (the name server, Go servers)
	client *policy.Policy // for flint proxies
	files  struct{ server, client certs.Files }
	// pyEnv configures Python Pyro4 (client and server roles) the same way.
	pyEnv []string
}

// modes returns plaintext and 2-way TLS. Policies are fresh per call.
func modes(t testing.TB) []secMode {
	t.Helper()
	plain := secMode{name: "plaintext", server: plaintext(), client: plaintext()}
	ca := certstest.NewCA(t)
	srv, cli := ca.WriteFiles(t, t.TempDir())
	tls := secMode{name: "tls", server: &policy.Policy{TLS: srv}, client: &policy.Policy{TLS: cli}}
	tls.files.server, tls.files.client = srv, cli
	tls.pyEnv = []string{"PYRO_SSL=1", "PYRO_SSL_REQUIRECLIENTCERT=1",
		"PYRO_SSL_SERVERCERT=" + srv.Cert, "PYRO_SSL_SERVERKEY=" + srv.Key,
		"PYRO_SSL_CLIENTCERT=" + cli.Cert, "PYRO_SSL_CLIENTKEY=" + cli.Key, "PYRO_SSL_CACERTS=" + srv.CA}
	return []secMode{plain, tls}
}

// startServer runs a name server on 127.0.0.1 until the test ends.
func startServer(t testing.TB, cfg ServerConfig) *Server {
	t.Helper()
	if cfg.Daemon.Host == "" && cfg.Daemon.Unix == "" {
		cfg.Daemon.Host = "127.0.0.1"
	}
	srv, err := NewServer(ctxT(t), cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("name server did not stop")
		}
	})
	return srv
}

// dialNS returns a client for srv under pol.
func dialNS(t testing.TB, srv *Server, pol *policy.Policy) *Client {
	t.Helper()
	p, err := Locate(ctxT(t), LocateOptions{Host: "127.0.0.1", Port: srv.URI().Port, Policy: pol})
	require.NoError(t, err)
	c := NewClient(p)
	t.Cleanup(func() { c.Close() })
	return c
}

// closedPort returns a loopback TCP port nothing listens on (for the
// moment).
func closedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func pyEnv(extra ...string) []string {
	env := append(os.Environ(), "PYRO_BROADCAST_ADDRS=127.0.0.1", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
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

func decodeJSON(t testing.TB, s string, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(s), v), "output: %s", s)
}

// proc is a child process whose stdout is scanned for a line.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex
	stderr bytes.Buffer
	out    bytes.Buffer
	done   chan struct{}
}

// startProc starts cmd and waits (up to 20 s) for a stdout line matching
// re; it returns the process and the first submatch. The process is
// stopped (stdin closed, then SIGKILL) when the test ends.
func startProc(t testing.TB, cmd *exec.Cmd, re *regexp.Regexp) (*proc, string) {
	t.Helper()
	p := &proc{cmd: cmd, done: make(chan struct{})}
	var err error
	p.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	require.NoError(t, cmd.Start())
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			if m := re.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[len(m)-1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case s := <-found:
		return p, s
	case <-p.done:
		t.Fatalf("%v exited early:\nstdout: %s\nstderr: %s", cmd.Args, p.output(), p.errors())
	case <-time.After(20 * time.Second):
		p.kill()
		t.Fatalf("%v did not print %v:\nstdout: %s\nstderr: %s", cmd.Args, re, p.output(), p.errors())
	}
	return nil, ""
}

func (p *proc) output() string { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }
func (p *proc) errors() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stderr.String() }

// kill sends SIGKILL and waits for the process to be reaped.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop closes stdin, asks politely with SIGTERM, then kills.
func (p *proc) stop(t testing.TB) {
	p.stdin.Close()
	select {
	case <-p.done:
		return
	case <-time.After(2 * time.Second):
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.kill()
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// startPyNS runs Python's own name server (pyro4-ns) on 127.0.0.1 and
// returns its port.
func startPyNS(t testing.TB, env []string) int {
	t.Helper()
	cmd := exec.Command("/usr/bin/pyro4-ns", "-n", "127.0.0.1", "-p", "0", "-x")
	cmd.Env = pyEnv(env...)
	_, port := startProc(t, cmd, regexp.MustCompile(`NS running on 127\.0\.0\.1:(\d+)`))
	return atoi(t, port)
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	var n int
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', "not a number: %q", s)
		n = n*10 + int(c-'0')
	}
	return n
}

// greeter is a Go object to publish and resolve.
type greeter struct{ who string }

func (g *greeter) GetFortune(name string) string {
	return "Hello, " + name + ". Here is your fortune message from " + g.who + "."
}

// startGreeter publishes a greeter in a Go daemon under pol; stop (also
// called when the test ends) shuts the daemon down.
func startGreeter(t testing.TB, pol *policy.Policy, who string) (uri secure.URI, stop func()) {
	t.Helper()
	d, err := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: pol})
	require.NoError(t, err)
	uri, err = d.Register(&greeter{who: who}, secure.Expose("GetFortune"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Serve(ctx); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			_ = d.Close()
			<-done
		})
	}
	t.Cleanup(stop)
	return uri, stop
}

func fortune(ctx context.Context, uri string, cfg secure.ProxyConfig) (string, error) {
	p, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return "", err
	}
	defer p.Close()
	return secure.Call[string](ctx, p, "get_fortune", "Go")
}

func hasLine(out, line string) bool {
	for _, l := range strings.Split(out, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
