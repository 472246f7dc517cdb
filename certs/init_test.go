package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
)

func TestInitFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	b, err := certs.Init(certs.InitOptions{Dir: dir})
	require.NoError(t, err)

	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), st.Mode().Perm())
	for _, p := range []string{b.CAKey, b.ServerKey, b.ClientKey} {
		st, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm(), p)
	}
	for _, p := range []string{b.CACert, b.ServerCert, b.ClientCert} {
		st, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o644), st.Mode().Perm(), p)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 6, "no temporary files left behind")
}

func TestInitContents(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := certs.Init(certs.InitOptions{
		Dir:        t.TempDir(),
		Hosts:      []string{"db.internal", "10.0.0.7", "spiffe://example.org/db", "localhost", "DB.internal"},
		ClientName: "alice",
		Now:        func() time.Time { return now },
	})
	require.NoError(t, err)

	ca := readCert(t, b.CACert)
	assert.True(t, ca.IsCA)
	assert.True(t, ca.MaxPathLenZero)
	assert.Equal(t, certs.CAName, ca.Subject.CommonName)
	assert.Equal(t, now.Add(-certs.Backdate), ca.NotBefore)
	assert.Equal(t, now.Add(certs.CALifetime), ca.NotAfter)
	require.NoError(t, ca.CheckSignatureFrom(ca))

	srv := readCert(t, b.ServerCert)
	require.NoError(t, srv.CheckSignatureFrom(ca))
	assert.False(t, srv.IsCA)
	assert.Equal(t, []string{"localhost", "db.internal"}, srv.DNSNames)
	assert.Len(t, srv.IPAddresses, 3)
	assert.True(t, srv.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)))
	assert.True(t, srv.IPAddresses[1].Equal(net.IPv6loopback))
	assert.True(t, srv.IPAddresses[2].Equal(net.IPv4(10, 0, 0, 7)))
	require.Len(t, srv.URIs, 1)
	assert.Equal(t, "spiffe://example.org/db", srv.URIs[0].String())
	assert.ElementsMatch(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, srv.ExtKeyUsage)
	assert.Equal(t, now.Add(certs.DefaultLeafLifetime), srv.NotAfter)

	cli := readCert(t, b.ClientCert)
	require.NoError(t, cli.CheckSignatureFrom(ca))
	assert.Equal(t, "alice", cli.Subject.CommonName)
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, cli.ExtKeyUsage)
	assert.Empty(t, cli.DNSNames)

	for _, c := range []*x509.Certificate{ca, srv, cli} {
		pub, ok := c.PublicKey.(*ecdsa.PublicKey)
		require.True(t, ok)
		assert.Equal(t, elliptic.P256(), pub.Curve)
		assert.Equal(t, x509.ECDSAWithSHA256, c.SignatureAlgorithm)
		assert.GreaterOrEqual(t, c.SerialNumber.BitLen(), 64, "serial numbers are random 128-bit values")
	}
	assert.NotEqual(t, srv.SerialNumber, cli.SerialNumber)

	// Leaves verify for their purpose against the CA.
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	at := now.Add(time.Hour)
	_, err = srv.Verify(x509.VerifyOptions{Roots: pool, DNSName: "db.internal", CurrentTime: at})
	require.NoError(t, err)
	_, err = cli.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)
	_, err = cli.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.Error(t, err, "the client leaf must not serve")
}

func TestInitRefusesOverwrite(t *testing.T) {
	b := initPKI(t)
	before, err := os.ReadFile(b.CAKey)
	require.NoError(t, err)
	caFP := fileFingerprint(t, b.CACert)

	_, err = certs.Init(certs.InitOptions{Dir: b.Dir})
	require.ErrorIs(t, err, certs.ErrExists)
	after, err := os.ReadFile(b.CAKey)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the CA key must be untouched")
	assert.Equal(t, caFP, fileFingerprint(t, b.CACert))

	b2, err := certs.Init(certs.InitOptions{Dir: b.Dir, Force: true})
	require.NoError(t, err)
	assert.NotEqual(t, caFP, fileFingerprint(t, b2.CACert))
	st, err := os.Stat(b2.CAKey)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	entries, err := os.ReadDir(b.Dir)
	require.NoError(t, err)
	assert.Len(t, entries, 6, "no temporary files left behind")
}

func TestInitOneExistingFileWritesNothing(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, certs.ClientKeyFile), []byte("keep"), 0o600))
	_, err := certs.Init(certs.InitOptions{Dir: dir})
	require.ErrorIs(t, err, certs.ErrExists)
	require.ErrorContains(t, err, certs.ClientKeyFile)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
}

func TestInitInvalidOptions(t *testing.T) {
	for name, opts := range map[string]certs.InitOptions{
		"no dir":      {},
		"bad host":    {Dir: t.TempDir(), Hosts: []string{"bad host"}},
		"bad uri":     {Dir: t.TempDir(), Hosts: []string{"://x"}},
		"bad client":  {Dir: t.TempDir(), ClientName: "a\nb"},
		"empty label": {Dir: t.TempDir(), Hosts: []string{"a..b"}},
	} {
		_, err := certs.Init(opts)
		assert.ErrorIs(t, err, certs.ErrInvalidOptions, name)
	}
}

func TestInitDirIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := certs.Init(certs.InitOptions{Dir: file})
	require.Error(t, err)
	var pe *fs.PathError
	assert.True(t, errors.As(err, &pe), "want a wrapped *fs.PathError, got %v", err)
}
