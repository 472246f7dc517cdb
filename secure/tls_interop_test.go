package secure

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/certs/certstest"
	"github.com/flintrpc/flint/policy"
)

func pySSLClientEnv(f certs.Files) []string {
	env := []string{"PYRO_SSL=1", "PYRO_SSL_CACERTS=" + f.CA}
	if f.Cert != "" {
		env = append(env, "PYRO_SSL_CLIENTCERT="+f.Cert, "PYRO_SSL_CLIENTKEY="+f.Key)
	}
	return env
}

// TestPythonTLSClientToGoDaemon: Pyro4's 2-way SSL client calls a flint
// daemon; clients without a certificate, with one from another CA, with an
// expired one, or with the wrong HMAC key are refused, and the daemon keeps
// serving good clients during and after.
func TestPythonTLSClientToGoDaemon(t *testing.T) {
	needPython(t)
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	srv, cli := ca.WriteFiles(t, dir)
	other := certstest.NewCA(t)
	_, otherCli := other.WriteFiles(t, t.TempDir())
	otherCli.CA = cli.CA // trusts our daemon, but its certificate is from another CA
	certPEM, keyPEM := ca.IssueExpired(t, certstest.ClientLeaf())
	expired := certs.Files{Cert: filepath.Join(dir, "expired.pem"), Key: filepath.Join(dir, "expired-key.pem"), CA: cli.CA}
	require.NoError(t, os.WriteFile(expired.Cert, certPEM, 0o600))
	require.NoError(t, os.WriteFile(expired.Key, keyPEM, 0o600))

	for _, mode := range []string{"tls", "tls+pyro4hmac"} {
		t.Run(mode, func(t *testing.T) {
			pol := &policy.Policy{TLS: srv}
			key := ""
			if mode == "tls+pyro4hmac" {
				key = "interop-secret"
				pol.HMACKey, pol.HMACMode = auth.NewKey([]byte(key)), policy.HMACPyro4
			}
			d := newTestDaemon(t, pol)
			uri, err := d.Register(&greetingMaker{}, ExposeInterface[greeter]())
			require.NoError(t, err)
			startDaemon(t, d)
			good := func() {
				args := []string{"testdata/pytls.py", uri.String()}
				if key != "" {
					args = append(args, key)
				}
				out := runPython(t, pySSLClientEnv(cli), args...)
				assert.True(t, strings.HasPrefix(out, "OK Hello, TLS."), out)
			}
			good()
			refused := map[string][]string{
				"no certificate":     pySSLClientEnv(certs.Files{CA: cli.CA}),
				"another CA":         pySSLClientEnv(otherCli),
				"expired":            pySSLClientEnv(expired),
				"plaintext (no SSL)": nil,
			}
			for what, env := range refused {
				args := []string{"testdata/pytls.py", uri.String()}
				if key != "" {
					args = append(args, key)
				}
				out := runPython(t, env, args...)
				assert.True(t, strings.HasPrefix(out, "ERR "), "%s: %s", what, out)
				good()
			}
			if key != "" {
				out := runPython(t, pySSLClientEnv(cli), "testdata/pytls.py", uri.String(), "wrong-key")
				assert.True(t, strings.HasPrefix(out, "ERR "), "wrong hmac key: %s", out)
				out = runPython(t, pySSLClientEnv(cli), "testdata/pytls.py", uri.String())
				assert.True(t, strings.HasPrefix(out, "ERR "), "no hmac key: %s", out)
				good()
			}
		})
	}
}

// TestGoClientToPythonTLSDaemon: a flint proxy calls a Pyro4 daemon running
// 2-way SSL, with and without Pyro4's HMAC.
func TestGoClientToPythonTLSDaemon(t *testing.T) {
	needPython(t)
	ca := certstest.NewCA(t)
	srv, cli := ca.WriteFiles(t, t.TempDir())
	for _, key := range []string{"", "py-hmac-key"} {
		name := "tls"
		if key != "" {
			name = "tls+pyro4hmac"
		}
		t.Run(name, func(t *testing.T) {
			env := []string{"PYRO_SSL=1", "PYRO_SSL_REQUIRECLIENTCERT=1", "PYRO_SSL_SERVERCERT=" + srv.Cert,
				"PYRO_SSL_SERVERKEY=" + srv.Key, "PYRO_SSL_CACERTS=" + srv.CA, "PY_HMAC_KEY=" + key}
			py := startPyServer(t, env)
			pol := &policy.Policy{TLS: cli}
			if key != "" {
				pol.HMACKey, pol.HMACMode = auth.NewKey([]byte(key)), policy.HMACPyro4
			}
			p, err := NewProxy(py.URI, ProxyConfig{Policy: pol})
			require.NoError(t, err)
			defer p.Close()
			s, err := Call[string](ctxT(t), p, "get_fortune", "Go")
			require.NoError(t, err)
			assert.Contains(t, s, "Hello, Go.")
			// A proxy without a client certificate is refused by Pyro4.
			bad, err := NewProxy(py.URI, ProxyConfig{Policy: &policy.Policy{ClientTLS: &tls.Config{RootCAs: ca.ClientTLS(t, "127.0.0.1").RootCAs, ServerName: "127.0.0.1"}}})
			require.NoError(t, err)
			defer bad.Close()
			_, err = bad.Call(ctxT(t), "get_fortune", "x")
			require.Error(t, err)
			// and the Python daemon still serves the good proxy
			_, err = Call[string](context.Background(), p, "get_fortune", "again")
			require.NoError(t, err)
		})
	}
}
