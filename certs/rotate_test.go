package certs_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/certs/certstest"
)

// waitFor dials until check accepts the result, for at most a few reload
// intervals, and fails the test otherwise.
func waitFor(t *testing.T, srv *testServer, cfg *tls.Config, check func(cs tls.ConnectionState, err error, res serverResult) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * certs.ReloadInterval)
	for {
		cs, err, res := srv.dial(t, cfg)
		if check(cs, err, res) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not reached: client err %v, server err %v", err, res.err)
		}
		time.Sleep(certs.ReloadInterval / 5)
	}
}

func TestServerCertRotation(t *testing.T) {
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	server, client := ca.WriteFiles(t, dir)
	srv := startServer(t, serverConfig(t, server))

	cfg := clientConfig(t, client, "localhost")
	cfg.ClientSessionCache = nil // every dial is a full handshake
	cs, err, res := srv.dial(t, cfg)
	require.NoError(t, err)
	require.NoError(t, res.err)
	old := peerFingerprint(cs)
	require.Equal(t, fileFingerprint(t, server.Cert), old)

	// Rotate: issue a new server leaf over the same files.
	ca.WriteLeaf(t, dir, "server", certstest.ServerLeaf())
	rotated := fileFingerprint(t, server.Cert)
	require.NotEqual(t, old, rotated)

	waitFor(t, srv, cfg, func(cs tls.ConnectionState, err error, res serverResult) bool {
		require.NoError(t, err)
		require.NoError(t, res.err)
		return peerFingerprint(cs) == rotated
	})
}

func TestClientCertRotation(t *testing.T) {
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	server, client := ca.WriteFiles(t, dir)
	srv := startServer(t, serverConfig(t, server))
	cfg := clientConfig(t, client, "localhost")
	cfg.ClientSessionCache = nil

	_, err, res := srv.dial(t, cfg)
	require.NoError(t, err)
	require.NoError(t, res.err)
	require.Equal(t, fileFingerprint(t, client.Cert), peerFingerprint(res.state))

	ca.WriteLeaf(t, dir, "client", certstest.Leaf{CommonName: "rotated-client", Client: true})
	var seen string
	waitFor(t, srv, cfg, func(_ tls.ConnectionState, err error, res serverResult) bool {
		require.NoError(t, err)
		require.NoError(t, res.err)
		seen = peerFingerprint(res.state)
		return res.state.PeerCertificates[0].Subject.CommonName == "rotated-client"
	})
	assert.Equal(t, fileFingerprint(t, client.Cert), seen)
}

// TestCABundleRotation adds a second CA to the server's bundle at run time;
// clients of that CA are refused before and accepted after, without
// restarting the listener. Then it removes the first CA, and a client of
// that CA holding a session ticket from before the change is refused.
func TestCABundleRotation(t *testing.T) {
	ca1, ca2 := certstest.NewCA(t), certstest.NewCA(t)
	server, _ := ca1.WriteFiles(t, t.TempDir())
	_, client1 := ca1.WriteFiles(t, t.TempDir())
	_, client2 := ca2.WriteFiles(t, t.TempDir())
	client2.CA = client1.CA // trust the server, issued by ca1
	srv := startServer(t, serverConfig(t, server))

	cfg1 := clientConfig(t, client1, "localhost")
	_, err, res := srv.dial(t, cfg1) // full handshake, leaves a ticket
	require.NoError(t, err)
	require.NoError(t, res.err)

	cfg2 := clientConfig(t, client2, "localhost")
	cfg2.ClientSessionCache = nil
	_, err, res = srv.dial(t, cfg2)
	require.Error(t, err)
	require.Error(t, res.err)

	// Trust both CAs.
	writeAtomic(t, server.CA, append(append([]byte{}, ca1.CertPEM...), ca2.CertPEM...))
	waitFor(t, srv, cfg2, func(_ tls.ConnectionState, err error, res serverResult) bool {
		return err == nil && res.err == nil
	})

	// Trust only ca2.
	writeAtomic(t, server.CA, ca2.CertPEM)
	fresh1 := cfg1.Clone()
	fresh1.ClientSessionCache = nil
	waitFor(t, srv, fresh1, func(_ tls.ConnectionState, err error, res serverResult) bool {
		var unknown x509.UnknownAuthorityError
		return errors.As(res.err, &unknown)
	})
	_, err, res = srv.dial(t, cfg2)
	require.NoError(t, err)
	require.NoError(t, res.err)

	// client1 offers its ticket from before the change; the server must
	// neither resume it nor accept a full handshake.
	cs, err, res := srv.dial(t, cfg1)
	assert.False(t, cs.DidResume)
	require.Error(t, err)
	var unknown x509.UnknownAuthorityError
	require.True(t, errors.As(res.err, &unknown), "server error: %v", res.err)
}

// TestClientCABundleRotation changes the client's CA bundle so that it no
// longer trusts the server; even a resumed session is then refused by the
// client, because resumption re-verifies against the current bundle.
func TestClientCABundleRotation(t *testing.T) {
	ca1, ca2 := certstest.NewCA(t), certstest.NewCA(t)
	server, _ := ca1.WriteFiles(t, t.TempDir())
	_, client := ca1.WriteFiles(t, t.TempDir())
	srv := startServer(t, serverConfig(t, server))

	r, err := certs.NewReloader(client)
	require.NoError(t, err)
	cfg, err := r.ClientConfig("localhost")
	require.NoError(t, err)
	_, err, res := srv.dial(t, cfg)
	require.NoError(t, err)
	require.NoError(t, res.err)

	writeAtomic(t, client.CA, ca2.CertPEM)
	require.NoError(t, r.Reload())
	cs, err, _ := srv.dial(t, cfg)
	assert.True(t, cs.DidResume, "the server should have accepted the ticket")
	var unknown x509.UnknownAuthorityError
	require.True(t, errors.As(err, &unknown), "client error: %v", err)
}

func TestRotationHalfWayKeepsServing(t *testing.T) {
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	server, client := ca.WriteFiles(t, dir)
	r, err := certs.NewReloader(server)
	require.NoError(t, err)
	srv := startServer(t, r.ServerConfig())
	old := certs.Fingerprint(r.Certificate().Leaf)

	// Only the key is replaced, as if a rotation stopped half-way.
	other := ca.WriteLeaf(t, t.TempDir(), "x", certstest.ServerLeaf())
	keyPEM, err := os.ReadFile(other.Key)
	require.NoError(t, err)
	writeAtomic(t, server.Key, keyPEM)

	require.ErrorIs(t, r.Reload(), certs.ErrKeyMismatch)
	require.ErrorIs(t, r.Err(), certs.ErrKeyMismatch)
	assert.Equal(t, old, certs.Fingerprint(r.Certificate().Leaf))

	cfg := clientConfig(t, client, "localhost")
	cfg.ClientSessionCache = nil // a resumed session would not show the certificate
	cs, err, res := srv.dial(t, cfg)
	require.NoError(t, err)
	require.NoError(t, res.err)
	assert.Equal(t, old, peerFingerprint(cs))

	// Completing the rotation heals it.
	certPEM, err := os.ReadFile(other.Cert)
	require.NoError(t, err)
	writeAtomic(t, server.Cert, certPEM)
	require.NoError(t, r.Reload())
	require.NoError(t, r.Err())
	cs, err, res = srv.dial(t, cfg)
	require.NoError(t, err)
	require.NoError(t, res.err)
	assert.Equal(t, fileFingerprint(t, other.Cert), peerFingerprint(cs))
}

func writeAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	require.NoError(t, os.WriteFile(tmp, data, 0o600))
	require.NoError(t, os.Rename(tmp, path))
}
