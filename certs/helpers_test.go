package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flintrpc/flint/certs"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testServer accepts TLS connections on loopback with a fixed config. For
// each connection it completes the handshake, writes one byte and closes,
// reporting the outcome on results.
type testServer struct {
	ln      net.Listener
	results chan serverResult
	wg      sync.WaitGroup
}

type serverResult struct {
	state tls.ConnectionState
	err   error
}

func startServer(t testing.TB, cfg *tls.Config) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &testServer{ln: ln, results: make(chan serverResult, 1024)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.results <- serve(c, cfg)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func serve(c net.Conn, cfg *tls.Config) serverResult {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Server(c, cfg)
	if err := tc.HandshakeContext(context.Background()); err != nil {
		return serverResult{err: err}
	}
	if _, err := tc.Write([]byte{'!'}); err != nil {
		return serverResult{err: err}
	}
	_ = tc.Close()
	return serverResult{state: tc.ConnectionState()}
}

// dial connects, handshakes and reads the server's byte, which in TLS 1.3 is
// where a client learns that the server rejected its certificate. It
// returns the client's view and the server's outcome.
func (s *testServer) dial(t testing.TB, cfg *tls.Config) (tls.ConnectionState, error, serverResult) {
	t.Helper()
	state, err := dialAddr(s.ln.Addr().String(), cfg)
	select {
	case res := <-s.results:
		return state, err, res
	case <-time.After(10 * time.Second):
		t.Fatal("server did not report")
		return state, err, serverResult{}
	}
}

func dialAddr(addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return tc.ConnectionState(), err
	}
	// ReadFull: a TLS 1.2 conn may return the byte together with io.EOF.
	_, err = io.ReadFull(tc, make([]byte, 1))
	return tc.ConnectionState(), err
}

// fileFingerprint returns the fingerprint of the first certificate in path,
// computed independently of certs.Inspect.
func fileFingerprint(t testing.TB, path string) string {
	t.Helper()
	return certs.Fingerprint(readCert(t, path))
}

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block := firstCertBlock(data)
	require.NotNil(t, block, "no certificate in %s", path)
	c, err := x509.ParseCertificate(block)
	require.NoError(t, err)
	return c
}

func peerFingerprint(state tls.ConnectionState) string {
	if len(state.PeerCertificates) == 0 {
		return ""
	}
	return certs.Fingerprint(state.PeerCertificates[0])
}

func initPKI(t testing.TB, hosts ...string) *certs.Bundle {
	t.Helper()
	b, err := certs.Init(certs.InitOptions{Dir: t.TempDir(), Hosts: hosts})
	require.NoError(t, err)
	return b
}

func serverConfig(t testing.TB, f certs.Files) *tls.Config {
	t.Helper()
	cfg, err := certs.ServerConfig(f)
	require.NoError(t, err)
	return cfg
}

func clientConfig(t testing.TB, f certs.Files, name string) *tls.Config {
	t.Helper()
	cfg, err := certs.ClientConfig(f, name)
	require.NoError(t, err)
	return cfg
}

// firstCertBlock returns the DER bytes of the first CERTIFICATE block.
func firstCertBlock(data []byte) []byte {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil
		}
		if b.Type == "CERTIFICATE" {
			return b.Bytes
		}
	}
}
