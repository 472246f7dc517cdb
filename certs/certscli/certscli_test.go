package certscli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/certs/certscli"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(args ...string) result {
	var out, errOut bytes.Buffer
	code := certscli.Main(args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func fingerprint(t *testing.T, path string) string {
	t.Helper()
	infos, err := certs.Inspect(path)
	require.NoError(t, err)
	return infos[0].Fingerprint
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	r := run("init", dir, "--host", "db.internal", "--host=10.0.0.7", "--client-name", "alice")
	require.Equal(t, certscli.ExitOK, r.code, r.stderr)
	assert.Empty(t, r.stderr)

	caFP := fingerprint(t, filepath.Join(dir, certs.CACertFile))
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	for _, want := range []string{
		"Created a development PKI in " + dir + "\n",
		"SHA-256 " + caFP + "\n",
		"server certificate for localhost, db.internal, 127.0.0.1, ::1, 10.0.0.7, valid until ",
		"client certificate CN=alice, valid until ",
		certs.EnvCert + "=" + filepath.Join(abs, certs.ServerCertFile) + " " +
			certs.EnvKey + "=" + filepath.Join(abs, certs.ServerKeyFile) + " " +
			certs.EnvCA + "=" + filepath.Join(abs, certs.CACertFile) + "\n",
		certs.EnvCert + "=" + filepath.Join(abs, certs.ClientCertFile) + " ",
	} {
		assert.Contains(t, r.stdout, want)
	}
	ca, err := certs.Inspect(filepath.Join(dir, certs.CACertFile))
	require.NoError(t, err)
	assert.Contains(t, r.stdout, "valid until "+ca[0].NotAfter.Format(time.DateOnly))

	// Again without --force: refused, nothing replaced.
	r = run("init", dir)
	assert.Equal(t, certscli.ExitError, r.code)
	assert.Contains(t, r.stderr, "already exists")
	assert.Contains(t, r.stderr, "--force")
	assert.Empty(t, r.stdout)
	assert.Equal(t, caFP, fingerprint(t, filepath.Join(dir, certs.CACertFile)))

	// Flags may come before DIR too.
	r = run("init", "--force", dir)
	require.Equal(t, certscli.ExitOK, r.code, r.stderr)
	assert.NotEqual(t, caFP, fingerprint(t, filepath.Join(dir, certs.CACertFile)))
}

func TestInitQuotesOddPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my pki")
	r := run("init", dir)
	require.Equal(t, certscli.ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, certs.EnvCA+"='"+filepath.Join(dir, certs.CACertFile)+"'")
}

func TestIssueAndInspect(t *testing.T) {
	dir := t.TempDir()
	require.Equal(t, certscli.ExitOK, run("init", dir).code)
	out := t.TempDir()
	certPath, keyPath := filepath.Join(out, "svc.pem"), filepath.Join(out, "svc-key.pem")
	r := run("issue", "--ca-dir", dir, "--cn", "svc",
		"--dns", "svc.internal,svc", "--ip", "192.0.2.1", "--ip", "::1",
		"--uri", "spiffe://example.org/svc", "--server", "--client", "--days", "7",
		"--out-cert", certPath, "--out-key", keyPath)
	require.Equal(t, certscli.ExitOK, r.code, r.stderr)
	fp := fingerprint(t, certPath)
	for _, want := range []string{
		"Wrote " + certPath + " and " + keyPath + "\n",
		"Subject:        CN=svc\n",
		"DNS names:      svc.internal, svc\n",
		"IP addresses:   192.0.2.1, ::1\n",
		"URIs:           spiffe://example.org/svc\n",
		"Ext key usage:  serverAuth, clientAuth\n",
		"SHA-256:        " + fp + "\n",
	} {
		assert.Contains(t, r.stdout, want)
	}
	st, err := os.Stat(keyPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	infos, err := certs.Inspect(certPath)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(7*24*time.Hour), infos[0].NotAfter, time.Minute)

	// inspect: both files, in order, with status.
	r = run("inspect", certPath, filepath.Join(dir, certs.CACertFile))
	require.Equal(t, certscli.ExitOK, r.code, r.stderr)
	first := strings.Index(r.stdout, certPath+": certificate 1 of 1\n")
	second := strings.Index(r.stdout, filepath.Join(dir, certs.CACertFile)+": certificate 1 of 1\n")
	require.True(t, first == 0 && second > first, r.stdout)
	assert.Contains(t, r.stdout, "SHA-256:        "+fp+"\n")
	assert.Contains(t, r.stdout, "SHA-256:        "+fingerprint(t, filepath.Join(dir, certs.CACertFile))+"\n")
	assert.Contains(t, r.stdout, "Status:         valid (expires in 6 days)\n")
	assert.Contains(t, r.stdout, "URIs:           spiffe://example.org/svc\n")
}

func TestInspectExpired(t *testing.T) {
	dir := t.TempDir()
	require.Equal(t, certscli.ExitOK, run("init", dir).code)
	out := filepath.Join(t.TempDir(), "old.pem")
	err := certs.Issue(certs.IssueOptions{
		CADir: dir, OutCert: out, OutKey: out + ".key", CommonName: "old", Client: true,
		NotBefore: time.Now().Add(-10 * 24 * time.Hour), Lifetime: 24 * time.Hour,
	})
	require.NoError(t, err)
	r := run("inspect", out)
	require.Equal(t, certscli.ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Status:         EXPIRED (9 days ago)\n")
}

func TestErrorsAndUsage(t *testing.T) {
	dir := t.TempDir()
	require.Equal(t, certscli.ExitOK, run("init", dir).code)
	out := t.TempDir()
	issue := func(extra ...string) result {
		args := []string{"issue", "--ca-dir", dir, "--out-cert", filepath.Join(out, "c.pem"), "--out-key", filepath.Join(out, "k.pem")}
		return run(append(args, extra...)...)
	}
	for name, tc := range map[string]struct {
		r      result
		code   int
		stderr string
	}{
		"no command":       {run(), certscli.ExitUsage, "Usage: flint certs"},
		"unknown command":  {run("frob"), certscli.ExitUsage, `unknown command "frob"`},
		"init no dir":      {run("init"), certscli.ExitUsage, "exactly one DIR"},
		"init two dirs":    {run("init", "a", "b"), certscli.ExitUsage, "exactly one DIR"},
		"init bad flag":    {run("init", dir, "--nope"), certscli.ExitUsage, "flag provided but not defined"},
		"init bad host":    {run("init", t.TempDir(), "--host", "bad host"), certscli.ExitUsage, "invalid host name"},
		"issue no cn":      {issue("--client"), certscli.ExitUsage, "missing --cn"},
		"issue missing":    {run("issue", "--client"), certscli.ExitUsage, "missing --ca-dir, --cn, --out-cert, --out-key"},
		"issue no usage":   {issue("--cn", "x"), certscli.ExitUsage, "--server, --client or both"},
		"issue bad ip":     {issue("--cn", "x", "--client", "--ip", "1.2.3"), certscli.ExitUsage, `invalid IP address "1.2.3"`},
		"issue bad days":   {issue("--cn", "x", "--client", "--days", "0"), certscli.ExitUsage, "--days must be positive"},
		"issue bad dns":    {issue("--cn", "x", "--server", "--dns", "a_b c"), certscli.ExitUsage, "invalid DNS name"},
		"issue no sans":    {issue("--cn", "x", "--server"), certscli.ExitUsage, "needs at least one"},
		"issue extra arg":  {issue("--cn", "x", "--client", "stray"), certscli.ExitUsage, "unexpected arguments"},
		"issue no CA":      {run("issue", "--ca-dir", t.TempDir(), "--cn", "x", "--client", "--out-cert", "c", "--out-key", "k"), certscli.ExitError, "no such file"},
		"inspect nothing":  {run("inspect"), certscli.ExitUsage, "at least one FILE"},
		"inspect missing":  {run("inspect", filepath.Join(dir, "nope.pem")), certscli.ExitError, "no such file"},
		"inspect key file": {run("inspect", filepath.Join(dir, certs.CAKeyFile)), certscli.ExitError, "no certificate found"},
	} {
		assert.Equal(t, tc.code, tc.r.code, "%s: stderr %q", name, tc.r.stderr)
		assert.Contains(t, tc.r.stderr, tc.stderr, name)
	}
}

func TestHelp(t *testing.T) {
	r := run("help")
	assert.Equal(t, certscli.ExitOK, r.code)
	assert.Contains(t, r.stdout, "inspect FILE...")
	for _, cmd := range []string{"init", "issue", "inspect"} {
		r := run(cmd, "-h")
		assert.Equal(t, certscli.ExitOK, r.code, cmd)
		assert.Contains(t, r.stdout, "Usage: flint certs "+cmd, cmd)
		assert.Empty(t, r.stderr, cmd)
	}
	r = run("issue", "--help")
	assert.Contains(t, r.stdout, "-out-key")
	assert.Contains(t, r.stdout, "spiffe://")
}
