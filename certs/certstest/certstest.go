// Package certstest provides throwaway certificate authorities for tests
// across flint. Everything lives in t.TempDir() and goes through the real
// certs package, so tests exercise the same files, defaults and TLS
// configurations as production.
//
//	ca := certstest.NewCA(t)
//	ln, _ := tls.Listen("tcp", "127.0.0.1:0", ca.ServerTLS(t))
//	conn, _ := tls.Dial("tcp", ln.Addr().String(), ca.ClientTLS(t, "127.0.0.1"))
//
// Any failure ends the test through t.Fatal, so helpers return plain values.
package certstest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flintrpc/flint/certs"
)

// CA is a development CA made by certs.Init in a temporary directory.
type CA struct {
	// Dir holds ca.pem and ca-key.pem, usable as certs.IssueOptions.CADir.
	Dir string
	// Cert is the CA certificate and CertPEM its PEM encoding.
	Cert    *x509.Certificate
	CertPEM []byte
	// Pool contains Cert only.
	Pool *x509.CertPool
}

// NewCA creates a fresh CA for the test.
func NewCA(t testing.TB) *CA {
	t.Helper()
	b, err := certs.Init(certs.InitOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	pemBytes, err := os.ReadFile(b.CACert)
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("certstest: no PEM block in CA certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Dir: b.Dir, Cert: cert, CertPEM: pemBytes, Pool: pool}
}

// Leaf describes a certificate to issue; it mirrors certs.IssueOptions
// without the file names. If neither Server nor Client is set, both are. An
// empty CommonName becomes "certstest".
type Leaf struct {
	CommonName string
	DNSNames   []string
	IPs        []net.IP
	URIs       []string
	Server     bool
	Client     bool
	NotBefore  time.Time     // zero: now (minus certs.Backdate)
	Lifetime   time.Duration // zero: certs.DefaultLeafLifetime
}

// ServerLeaf is the leaf used by WriteFiles and ServerTLS: common name
// "flint-server", valid for localhost, 127.0.0.1 and ::1, with both usages.
func ServerLeaf() Leaf {
	return Leaf{
		CommonName: certs.DefaultServerName,
		DNSNames:   []string{"localhost"},
		IPs:        []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		Server:     true,
		Client:     true,
	}
}

// ClientLeaf is the leaf used by WriteFiles and ClientTLS: common name
// "flint-client", client usage only.
func ClientLeaf() Leaf {
	return Leaf{CommonName: certs.DefaultClientName, Client: true}
}

// Issue signs a new leaf and returns its PEM certificate and PEM key.
func (ca *CA) Issue(t testing.TB, l Leaf) (certPEM, keyPEM []byte) {
	t.Helper()
	f := ca.WriteLeaf(t, t.TempDir(), "leaf", l)
	return readFile(t, f.Cert), readFile(t, f.Key)
}

// IssueExpired is Issue for a certificate whose validity ended a day ago
// (it ran from 48 hours ago to 24 hours ago), whatever l says about time.
func (ca *CA) IssueExpired(t testing.TB, l Leaf) (certPEM, keyPEM []byte) {
	t.Helper()
	l.NotBefore = time.Now().Add(-48 * time.Hour)
	l.Lifetime = 24 * time.Hour
	return ca.Issue(t, l)
}

// WriteLeaf issues l into dir as NAME.pem and NAME-key.pem, copies the CA
// certificate to dir/ca.pem, and returns the three paths. Calling it again
// with the same name replaces the files atomically, which is how tests
// rotate a certificate under a running Reloader.
func (ca *CA) WriteLeaf(t testing.TB, dir, name string, l Leaf) certs.Files {
	t.Helper()
	if l.CommonName == "" {
		l.CommonName = "certstest"
	}
	if !l.Server && !l.Client {
		l.Server, l.Client = true, true
	}
	f := certs.Files{
		Cert: filepath.Join(dir, name+".pem"),
		Key:  filepath.Join(dir, name+"-key.pem"),
		CA:   filepath.Join(dir, certs.CACertFile),
	}
	err := certs.Issue(certs.IssueOptions{
		CADir:      ca.Dir,
		OutCert:    f.Cert,
		OutKey:     f.Key,
		CommonName: l.CommonName,
		DNSNames:   l.DNSNames,
		IPs:        l.IPs,
		URIs:       l.URIs,
		Server:     l.Server,
		Client:     l.Client,
		Lifetime:   l.Lifetime,
		NotBefore:  l.NotBefore,
	})
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	if err := os.WriteFile(f.CA, ca.CertPEM, 0o644); err != nil {
		t.Fatalf("certstest: %v", err)
	}
	return f
}

// WriteFiles writes a fresh server leaf (ServerLeaf) and client leaf
// (ClientLeaf) into dir, next to a copy of the CA certificate, and returns
// the files for each side.
func (ca *CA) WriteFiles(t testing.TB, dir string) (server, client certs.Files) {
	t.Helper()
	return ca.WriteLeaf(t, dir, "server", ServerLeaf()), ca.WriteLeaf(t, dir, "client", ClientLeaf())
}

// ServerTLS returns certs.ServerConfig for a fresh ServerLeaf.
func (ca *CA) ServerTLS(t testing.TB) *tls.Config {
	t.Helper()
	cfg, err := certs.ServerConfig(ca.WriteLeaf(t, t.TempDir(), "server", ServerLeaf()))
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	return cfg
}

// ClientTLS returns certs.ClientConfig for a fresh ClientLeaf, verifying
// the server as serverName.
func (ca *CA) ClientTLS(t testing.TB, serverName string) *tls.Config {
	t.Helper()
	cfg, err := certs.ClientConfig(ca.WriteLeaf(t, t.TempDir(), "client", ClientLeaf()), serverName)
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	return cfg
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	return b
}
