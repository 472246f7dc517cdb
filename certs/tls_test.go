package certs_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/certs/certstest"
)

func TestInitMutualTLS13(t *testing.T) {
	b := initPKI(t, "db.internal")
	srv := startServer(t, serverConfig(t, b.Server()))
	names := []string{"localhost", "127.0.0.1", "db.internal"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			cs, err, res := srv.dial(t, clientConfig(t, b.Client(), name))
			require.NoError(t, err)
			require.NoError(t, res.err)
			assert.Equal(t, uint16(tls.VersionTLS13), cs.Version)
			assert.Equal(t, uint16(tls.VersionTLS13), res.state.Version)
			// Client verified the server's leaf, server verified the client's.
			assert.Equal(t, fileFingerprint(t, b.ServerCert), peerFingerprint(cs))
			assert.Equal(t, fileFingerprint(t, b.ClientCert), peerFingerprint(res.state))
			require.NotEmpty(t, res.state.VerifiedChains)
			chain := res.state.VerifiedChains[0]
			assert.Equal(t, fileFingerprint(t, b.CACert), certs.Fingerprint(chain[len(chain)-1]))
			assert.Equal(t, certs.DefaultClientName, res.state.PeerCertificates[0].Subject.CommonName)
		})
	}
}

func TestIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	b := initPKI(t)
	cfg := serverConfig(t, b.Server())
	done := make(chan serverResult, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- serverResult{err: err}
			return
		}
		done <- serve(c, cfg)
	}()
	defer ln.Close()
	_, err = dialAddr(ln.Addr().String(), clientConfig(t, b.Client(), "[::1]"))
	require.NoError(t, err)
	require.NoError(t, (<-done).err)
}

func TestClientCertFromOtherCARefused(t *testing.T) {
	b := initPKI(t)
	other := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))
	// The client trusts the right CA but presents a leaf from another one.
	f := certs.Files{Cert: other.ClientCert, Key: other.ClientKey, CA: b.CACert}
	_, err, res := srv.dial(t, clientConfig(t, f, "localhost"))
	require.Error(t, err)
	require.Error(t, res.err)
	var unknown x509.UnknownAuthorityError
	assert.True(t, errors.As(res.err, &unknown), "server error: %v", res.err)
}

func TestServerCertFromOtherCARefused(t *testing.T) {
	b := initPKI(t)
	other := initPKI(t)
	srv := startServer(t, serverConfig(t, certs.Files{Cert: other.ServerCert, Key: other.ServerKey, CA: b.CACert}))
	_, err, res := srv.dial(t, clientConfig(t, b.Client(), "localhost"))
	require.Error(t, err)
	require.Error(t, res.err)
	var verr *tls.CertificateVerificationError
	require.True(t, errors.As(err, &verr), "client error: %v", err)
	var unknown x509.UnknownAuthorityError
	assert.True(t, errors.As(err, &unknown), "client error: %v", err)
}

func TestExpiredClientCertRefused(t *testing.T) {
	ca := certstest.NewCA(t)
	server, _ := ca.WriteFiles(t, t.TempDir())
	srv := startServer(t, serverConfig(t, server))

	dir := t.TempDir()
	certPEM, keyPEM := ca.IssueExpired(t, certstest.ClientLeaf())
	f := certs.Files{Cert: filepath.Join(dir, "c.pem"), Key: filepath.Join(dir, "k.pem"), CA: server.CA}
	require.NoError(t, os.WriteFile(f.Cert, certPEM, 0o600))
	require.NoError(t, os.WriteFile(f.Key, keyPEM, 0o600))

	_, err, res := srv.dial(t, clientConfig(t, f, "localhost"))
	require.Error(t, err)
	require.Error(t, res.err)
	var invalid x509.CertificateInvalidError
	require.True(t, errors.As(res.err, &invalid), "server error: %v", res.err)
	assert.Equal(t, x509.Expired, invalid.Reason)
}

func TestExpiredServerCertRefused(t *testing.T) {
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	_, client := ca.WriteFiles(t, dir)
	certPEM, keyPEM := ca.IssueExpired(t, certstest.ServerLeaf())
	f := certs.Files{Cert: filepath.Join(dir, "s.pem"), Key: filepath.Join(dir, "sk.pem"), CA: client.CA}
	require.NoError(t, os.WriteFile(f.Cert, certPEM, 0o600))
	require.NoError(t, os.WriteFile(f.Key, keyPEM, 0o600))
	srv := startServer(t, serverConfig(t, f))
	_, err, _ := srv.dial(t, clientConfig(t, client, "localhost"))
	var invalid x509.CertificateInvalidError
	require.True(t, errors.As(err, &invalid), "client error: %v", err)
	assert.Equal(t, x509.Expired, invalid.Reason)
}

func TestServerNameMismatchRefused(t *testing.T) {
	b := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))
	for _, name := range []string{"evil.example", "10.9.8.7"} {
		_, err, res := srv.dial(t, clientConfig(t, b.Client(), name))
		var host x509.HostnameError
		require.True(t, errors.As(err, &host), "client error for %s: %v", name, err)
		assert.Error(t, res.err)
	}
}

func TestClientLeafCannotServe(t *testing.T) {
	// The client leaf lacks serverAuth, so a server using it is refused
	// even though the name would match.
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	_, client := ca.WriteFiles(t, dir)
	f := ca.WriteLeaf(t, dir, "clientonly", certstest.Leaf{CommonName: "x", DNSNames: []string{"localhost"}, Client: true})
	srv := startServer(t, serverConfig(t, f))
	_, err, _ := srv.dial(t, clientConfig(t, client, "localhost"))
	var invalid x509.CertificateInvalidError
	require.True(t, errors.As(err, &invalid), "client error: %v", err)
	assert.Equal(t, x509.IncompatibleUsage, invalid.Reason)
}

func TestServerRequiresClientCert(t *testing.T) {
	b := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))
	pool := x509.NewCertPool()
	pool.AddCert(readCert(t, b.CACert))
	_, err, res := srv.dial(t, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	require.Error(t, err)
	require.Error(t, res.err)
}

func TestTLS12AllowedTLS11Refused(t *testing.T) {
	b := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))

	c12 := clientConfig(t, b.Client(), "localhost")
	c12.MaxVersion = tls.VersionTLS12
	cs, err, res := srv.dial(t, c12)
	require.NoError(t, err, "server: %v", res.err)
	require.NoError(t, res.err)
	assert.Equal(t, uint16(tls.VersionTLS12), cs.Version)
	assert.Contains(t, tls.CipherSuiteName(cs.CipherSuite), "ECDHE_ECDSA")
	assert.Contains(t, tls.CipherSuiteName(cs.CipherSuite), "_GCM_")

	c11 := clientConfig(t, b.Client(), "localhost")
	c11.MinVersion, c11.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	_, err, res = srv.dial(t, c11)
	require.Error(t, err)
	require.Error(t, res.err)
}

func TestSessionResumption(t *testing.T) {
	b := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))
	cfg := clientConfig(t, b.Client(), "localhost")
	cs, err, res := srv.dial(t, cfg)
	require.NoError(t, err)
	require.NoError(t, res.err)
	require.False(t, cs.DidResume)

	cs, err, res = srv.dial(t, cfg)
	require.NoError(t, err)
	require.NoError(t, res.err)
	assert.True(t, cs.DidResume)
	assert.True(t, res.state.DidResume)
	// The client identity survives resumption.
	assert.Equal(t, fileFingerprint(t, b.ClientCert), peerFingerprint(res.state))
}

func TestClientConfigNeedsServerName(t *testing.T) {
	b := initPKI(t)
	_, err := certs.ClientConfig(b.Client(), "")
	require.ErrorIs(t, err, certs.ErrInvalidOptions)
}

func TestClientConfigRejectsRetargetedClone(t *testing.T) {
	b := initPKI(t, "other.internal")
	srv := startServer(t, serverConfig(t, b.Server()))
	cfg := clientConfig(t, b.Client(), "localhost").Clone()
	cfg.ServerName = "other.internal"
	_, err, _ := srv.dial(t, cfg)
	require.ErrorContains(t, err, "bound to server name")
}

func TestKeyMismatch(t *testing.T) {
	b := initPKI(t)
	f := certs.Files{Cert: b.ServerCert, Key: b.ClientKey, CA: b.CACert}
	_, err := certs.ServerConfig(f)
	require.ErrorIs(t, err, certs.ErrKeyMismatch)
	_, err = certs.ClientConfig(f, "localhost")
	require.ErrorIs(t, err, certs.ErrKeyMismatch)
}

func TestMissingFiles(t *testing.T) {
	b := initPKI(t)
	f := b.Server()
	f.CA = filepath.Join(t.TempDir(), "nope.pem")
	_, err := certs.ServerConfig(f)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = certs.ServerConfig(certs.Files{Cert: b.ServerCert})
	require.ErrorIs(t, err, certs.ErrInvalidOptions)

	// A key file with no key, a CA file with no certificate.
	f = b.Server()
	f.Key = b.ServerCert
	_, err = certs.ServerConfig(f)
	require.ErrorIs(t, err, certs.ErrNoPrivateKey)
	f = b.Server()
	f.CA = b.ServerKey
	_, err = certs.ServerConfig(f)
	require.ErrorIs(t, err, certs.ErrNoCertificate)
}

func TestFilesFromEnv(t *testing.T) {
	t.Setenv(certs.EnvCert, "/c")
	t.Setenv(certs.EnvKey, "/k")
	t.Setenv(certs.EnvCA, "")
	_, ok := certs.FilesFromEnv()
	assert.False(t, ok)
	t.Setenv(certs.EnvCA, "/a")
	f, ok := certs.FilesFromEnv()
	assert.True(t, ok)
	assert.Equal(t, certs.Files{Cert: "/c", Key: "/k", CA: "/a"}, f)
}

// TestCertstestConfigs checks that the helper configs talk to each other.
func TestCertstestConfigs(t *testing.T) {
	ca := certstest.NewCA(t)
	srv := startServer(t, ca.ServerTLS(t))
	cs, err, res := srv.dial(t, ca.ClientTLS(t, "127.0.0.1"))
	require.NoError(t, err)
	require.NoError(t, res.err)
	assert.Equal(t, uint16(tls.VersionTLS13), cs.Version)
	require.NotEmpty(t, res.state.VerifiedChains)
	assert.True(t, res.state.VerifiedChains[0][len(res.state.VerifiedChains[0])-1].Equal(ca.Cert))

	// A client of another throwaway CA is refused.
	_, err, res = srv.dial(t, certstest.NewCA(t).ClientTLS(t, "127.0.0.1"))
	require.Error(t, err)
	require.Error(t, res.err)
}

func TestReloaderServesAcrossGoroutines(t *testing.T) {
	// Many concurrent handshakes against one config, for the race detector.
	b := initPKI(t)
	srv := startServer(t, serverConfig(t, b.Server()))
	cfg := clientConfig(t, b.Client(), "localhost")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := dialAddr(srv.ln.Addr().String(), cfg)
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
		select {
		case res := <-srv.results:
			require.NoError(t, res.err)
		case <-time.After(10 * time.Second):
			t.Fatal("server did not report")
		}
	}
}
