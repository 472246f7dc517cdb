package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

// newCert makes a real self-signed certificate and parses it back.
func newCert(t *testing.T, cn string, dns []string, uris []*url.URL) *x509.Certificate {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     dns,
		URIs:         uris,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c
}

func TestIdentityFromCert(t *testing.T) {
	c := newCert(t, "flint-client", []string{"a.example", "b.example"}, []*url.URL{
		mustURL(t, "https://not-spiffe.example/x"),
		mustURL(t, "spiffe://org/svc/one"),
		mustURL(t, "spiffe://org/svc/two"),
	})
	id := IdentityFromCert(c)
	sum := sha256.Sum256(c.Raw)
	assert.Equal(t, "flint-client", id.CommonName)
	assert.Equal(t, []string{"a.example", "b.example"}, id.DNSNames)
	assert.Equal(t, []string{"https://not-spiffe.example/x", "spiffe://org/svc/one", "spiffe://org/svc/two"}, id.URIs)
	assert.Equal(t, "spiffe://org/svc/one", id.SPIFFEID, "the first spiffe URI wins")
	assert.Equal(t, hex.EncodeToString(sum[:]), id.Fingerprint)
	assert.Len(t, id.Fingerprint, 64)
	assert.Nil(t, id.Unix)
	assert.False(t, id.HMAC)
	assert.False(t, id.IsAnonymous())

	// The identity does not alias the certificate's slices.
	c.DNSNames[0] = "evil.example"
	assert.Equal(t, "a.example", id.DNSNames[0])

	s := id.String()
	assert.Contains(t, s, "cn=flint-client")
	assert.Contains(t, s, "spiffe://org/svc/one")
	assert.Contains(t, s, "fp="+id.Fingerprint[:12])
	assert.NotContains(t, s, id.Fingerprint, "the log form shortens the fingerprint")
}

func TestIdentityFromCertNoSANs(t *testing.T) {
	id := IdentityFromCert(newCert(t, "", nil, nil))
	assert.Empty(t, id.CommonName)
	assert.Nil(t, id.DNSNames)
	assert.Empty(t, id.SPIFFEID)
	assert.NotEmpty(t, id.Fingerprint)
	assert.False(t, id.IsAnonymous(), "a certificate fingerprint is an identity")
}

func TestIdentityFromUnencodedCert(t *testing.T) {
	id := IdentityFromCert(&x509.Certificate{Subject: pkix.Name{CommonName: "tmpl"}})
	assert.Equal(t, "tmpl", id.CommonName)
	assert.Empty(t, id.Fingerprint, "no DER, no fingerprint")
}

func TestIdentityAnonymous(t *testing.T) {
	assert.True(t, Identity{}.IsAnonymous())
	assert.True(t, IdentityFromCert(nil).IsAnonymous())
	assert.Equal(t, "anonymous", Identity{}.String())
	for name, id := range map[string]Identity{
		"cn":   {CommonName: "x"},
		"dns":  {DNSNames: []string{"x"}},
		"uri":  {URIs: []string{"x:y"}},
		"spif": {SPIFFEID: "spiffe://x/y"},
		"fp":   {Fingerprint: "ab"},
		"unix": {Unix: &UnixCred{}},
		"hmac": {HMAC: true},
	} {
		assert.False(t, id.IsAnonymous(), name)
	}
}

func TestIdentityStringUnixAndHMAC(t *testing.T) {
	id := Identity{Unix: &UnixCred{UID: 1000, GID: 1001, PID: 42}}
	assert.Equal(t, "uid=1000 gid=1001 pid=42", id.String())
	assert.Equal(t, "hmac", Identity{HMAC: true}.String())
	assert.Equal(t, "dns=a.example", Identity{DNSNames: []string{"a.example"}}.String())
}

func TestIdentityStringQuotesHostileText(t *testing.T) {
	id := Identity{CommonName: "x uid=0\nlevel=ERROR"}
	s := id.String()
	assert.NotContains(t, s, "\n")
	assert.True(t, strings.HasPrefix(s, `cn="x uid=0\nlevel=ERROR"`), s)
}
