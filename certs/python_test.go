package certs_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const python = "/usr/bin/python3"

// pyTLS is run by /usr/bin/python3. In "client" mode it connects to a Go
// server, sends "ping" and prints what it learnt; in "server" mode it
// accepts one connection on an ephemeral loopback port (printed first),
// requires a client certificate, and answers "pong". Either way it prints
// the TLS version and the SHA-256 of the peer's certificate.
const pyTLS = `
import hashlib, socket, ssl, sys

mode, ca, cert, key = sys.argv[1:5]

def report(s):
    print("version", s.version())
    print("peer", hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest())
    sys.stdout.flush()

if mode == "client":
    host, port, name = sys.argv[5], int(sys.argv[6]), sys.argv[7]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    with socket.create_connection((host, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as s:
            report(s)
            s.sendall(b"ping")
            print("reply", s.recv(16).decode())
else:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        ls.settimeout(10)
        print("port", ls.getsockname()[1])
        sys.stdout.flush()
        conn, _ = ls.accept()
        conn.settimeout(10)
        try:
            with ctx.wrap_socket(conn, server_side=True) as s:
                report(s)
                s.sendall(b"pong")
                s.recv(1)
        except (ssl.SSLError, OSError) as e:
            print("error", type(e).__name__, e)
`

// requirePython skips when /usr/bin/python3 (with its ssl module) is
// missing, unless CI is set, in which case the test fails.
func requirePython(t *testing.T) {
	t.Helper()
	err := exec.Command(python, "-c", "import ssl").Run()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s with the ssl module is required in CI: %v", python, err)
	}
	t.Skipf("%s with the ssl module not available: %v", python, err)
}

func writeScript(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "pytls.py")
	require.NoError(t, os.WriteFile(path, []byte(pyTLS), 0o600))
	return path
}

// parseLines turns "key value" lines into a map.
func parseLines(out string) map[string]string {
	m := make(map[string]string)
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			m[k] = v
		}
	}
	return m
}

// TestPythonClientGoServer: Python's ssl module loads the PEMs written by
// Init and completes a mutual TLS handshake with a Go ServerConfig
// listener; each side checks the other's certificate.
func TestPythonClientGoServer(t *testing.T) {
	requirePython(t)
	b := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))
	host, port, _ := strings.Cut(srv.ln.Addr().String(), ":")
	script := writeScript(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, script, "client", b.CACert, b.ClientCert, b.ClientKey, host, port, "localhost").CombinedOutput()
	require.NoError(t, err, "python: %s", out)

	res := <-srv.results
	require.NoError(t, res.err)
	assert.Equal(t, fileFingerprint(t, b.ClientCert), peerFingerprint(res.state), "Go saw Python's client certificate")
	assert.Equal(t, uint16(tls.VersionTLS13), res.state.Version)

	got := parseLines(string(out))
	assert.Equal(t, "TLSv1.3", got["version"])
	assert.Equal(t, fileFingerprint(t, b.ServerCert), got["peer"], "Python saw Go's server certificate")
	assert.Equal(t, "!", got["reply"])
}

// TestPythonClientOtherCARefused: a Python client with a certificate from
// another CA is refused by the Go server.
func TestPythonClientOtherCARefused(t *testing.T) {
	requirePython(t)
	b := initPKI(t)
	other := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))
	host, port, _ := strings.Cut(srv.ln.Addr().String(), ":")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, writeScript(t), "client", b.CACert, other.ClientCert, other.ClientKey, host, port, "localhost").CombinedOutput()
	require.Error(t, err, "python: %s", out)
	res := <-srv.results
	require.Error(t, res.err)
}

// TestGoClientPythonServer is the other direction: a Go ClientConfig
// against a Python ssl server that requires client certificates.
func TestGoClientPythonServer(t *testing.T) {
	requirePython(t)
	b := initPKI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, writeScript(t), "server", b.CACert, b.ServerCert, b.ServerKey)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	defer cmd.Wait()

	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "python printed no port")
	port, ok := strings.CutPrefix(lines.Text(), "port ")
	require.True(t, ok, "unexpected line %q", lines.Text())

	cs, err := dialPython("127.0.0.1:"+port, clientConfig(t, b.Client(), "127.0.0.1"))
	require.NoError(t, err)
	assert.Equal(t, uint16(tls.VersionTLS13), cs.Version)
	assert.Equal(t, fileFingerprint(t, b.ServerCert), peerFingerprint(cs))

	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	got := parseLines(strings.Join(rest, "\n"))
	assert.Equal(t, fileFingerprint(t, b.ClientCert), got["peer"], "Python saw Go's client certificate")
	assert.Empty(t, got["error"])
}

func dialPython(addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		return c.ConnectionState(), err
	}
	if string(buf) != "pong" {
		return c.ConnectionState(), &unexpectedReply{string(buf)}
	}
	_, err = c.Write([]byte{'.'})
	return c.ConnectionState(), err
}

type unexpectedReply struct{ got string }

func (e *unexpectedReply) Error() string { return "unexpected reply " + e.got }
