package certstest_test

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/certs/certstest"
)

func parse(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	require.NotNil(t, block)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return c
}

func TestIssue(t *testing.T) {
	ca := certstest.NewCA(t)
	require.True(t, ca.Cert.IsCA)
	certPEM, keyPEM := ca.Issue(t, certstest.Leaf{
		CommonName: "svc", URIs: []string{"spiffe://example.org/svc"}, IPs: []net.IP{net.IPv4(10, 0, 0, 1)}, Server: true,
	})
	c := parse(t, certPEM)
	assert.Equal(t, "svc", c.Subject.CommonName)
	assert.Equal(t, "spiffe://example.org/svc", c.URIs[0].String())
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, c.ExtKeyUsage)
	_, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool})
	require.NoError(t, err)
	block, _ := pem.Decode(keyPEM)
	require.NotNil(t, block)
	assert.Equal(t, "PRIVATE KEY", block.Type)

	// Defaults: both usages and a common name.
	c = parse(t, first(ca.Issue(t, certstest.Leaf{DNSNames: []string{"x"}})))
	assert.Equal(t, "certstest", c.Subject.CommonName)
	assert.Len(t, c.ExtKeyUsage, 2)
}

func TestIssueExpired(t *testing.T) {
	ca := certstest.NewCA(t)
	c := parse(t, first(ca.IssueExpired(t, certstest.ClientLeaf())))
	assert.True(t, c.NotAfter.Before(time.Now()))
	_, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var invalid x509.CertificateInvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, x509.Expired, invalid.Reason)
}

func TestWriteFiles(t *testing.T) {
	ca := certstest.NewCA(t)
	server, client := ca.WriteFiles(t, t.TempDir())
	assert.Equal(t, server.CA, client.CA)
	infos, err := certs.Inspect(server.Cert)
	require.NoError(t, err)
	assert.Equal(t, []string{"localhost"}, infos[0].DNSNames)
	infos, err = certs.Inspect(client.Cert)
	require.NoError(t, err)
	assert.Equal(t, []string{"clientAuth"}, infos[0].ExtKeyUsage)
	infos, err = certs.Inspect(server.CA)
	require.NoError(t, err)
	assert.Equal(t, certs.Fingerprint(ca.Cert), infos[0].Fingerprint)

	// Distinct CAs do not trust each other.
	other := certstest.NewCA(t)
	c := parse(t, first(other.Issue(t, certstest.ClientLeaf())))
	_, err = c.Verify(x509.VerifyOptions{Roots: ca.Pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.Error(t, err)
}

func first(a, _ []byte) []byte { return a }
