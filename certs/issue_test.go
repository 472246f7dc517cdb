package certs_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
)

func TestIssueURIsRoundTripThroughInspect(t *testing.T) {
	b := initPKI(t)
	dir := t.TempDir()
	opts := certs.IssueOptions{
		CADir:      b.Dir,
		OutCert:    filepath.Join(dir, "svc.pem"),
		OutKey:     filepath.Join(dir, "svc-key.pem"),
		CommonName: "svc",
		DNSNames:   []string{"svc.internal", "*.svc.internal"},
		IPs:        []net.IP{net.ParseIP("192.0.2.10"), net.ParseIP("2001:db8::1")},
		URIs:       []string{"spiffe://example.org/svc", "urn:flint:svc"},
		Server:     true,
		Client:     true,
		Lifetime:   48 * time.Hour,
	}
	start := time.Now()
	require.NoError(t, certs.Issue(opts))

	infos, err := certs.Inspect(opts.OutCert)
	require.NoError(t, err)
	require.Len(t, infos, 1)
	info := infos[0]

	der := firstCertBlock(mustRead(t, opts.OutCert))
	sum := sha256.Sum256(der)
	assert.Equal(t, hex.EncodeToString(sum[:]), info.Fingerprint)
	assert.Equal(t, "CN=svc", info.Subject)
	assert.Equal(t, "CN="+certs.CAName+",O="+certs.Organization, info.Issuer)
	assert.Equal(t, opts.DNSNames, info.DNSNames)
	assert.Equal(t, opts.URIs, info.URIs)
	require.Len(t, info.IPAddresses, 2)
	assert.True(t, info.IPAddresses[0].Equal(opts.IPs[0]))
	assert.True(t, info.IPAddresses[1].Equal(opts.IPs[1]))
	assert.Equal(t, []string{"serverAuth", "clientAuth"}, info.ExtKeyUsage)
	assert.Equal(t, []string{"digitalSignature"}, info.KeyUsage)
	assert.False(t, info.IsCA)
	assert.Equal(t, "ECDSA P-256", info.PublicKey)
	assert.Equal(t, "ECDSA-SHA256", info.SignatureAlgorithm)
	assert.Equal(t, readCert(t, opts.OutCert).SerialNumber.Text(16), info.SerialNumber)
	assert.WithinDuration(t, start.Add(-certs.Backdate), info.NotBefore, 5*time.Second)
	assert.WithinDuration(t, start.Add(48*time.Hour), info.NotAfter, 5*time.Second)
	assert.True(t, info.ValidAt(time.Now()))
	assert.False(t, info.ValidAt(time.Now().Add(49*time.Hour)))

	s := info.String()
	for _, want := range []string{
		"Subject:        CN=svc\n",
		"URIs:           spiffe://example.org/svc, urn:flint:svc\n",
		"DNS names:      svc.internal, *.svc.internal\n",
		"IP addresses:   192.0.2.10, 2001:db8::1\n",
		"Ext key usage:  serverAuth, clientAuth\n",
		"SHA-256:        " + info.Fingerprint + "\n",
		"Not after:      " + info.NotAfter.Format(time.RFC3339) + "\n",
	} {
		assert.Contains(t, s, want)
	}

	st, err := os.Stat(opts.OutKey)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())

	// The new pair is usable as a TLS identity against the CA.
	_, err = certs.ServerConfig(certs.Files{Cert: opts.OutCert, Key: opts.OutKey, CA: b.CACert})
	require.NoError(t, err)
}

func TestIssueReplacesAtomically(t *testing.T) {
	b := initPKI(t)
	opts := certs.IssueOptions{CADir: b.Dir, OutCert: b.ServerCert, OutKey: b.ServerKey, CommonName: "n", DNSNames: []string{"n"}, Server: true}
	old := fileFingerprint(t, b.ServerCert)
	require.NoError(t, certs.Issue(opts))
	assert.NotEqual(t, old, fileFingerprint(t, b.ServerCert))
	entries, err := os.ReadDir(b.Dir)
	require.NoError(t, err)
	assert.Len(t, entries, 6)
}

func TestIssueClampsToCA(t *testing.T) {
	b := initPKI(t)
	dir := t.TempDir()
	opts := certs.IssueOptions{
		CADir: b.Dir, OutCert: filepath.Join(dir, "c.pem"), OutKey: filepath.Join(dir, "k.pem"),
		CommonName: "long", Client: true, Lifetime: 100 * 365 * 24 * time.Hour,
	}
	require.NoError(t, certs.Issue(opts))
	assert.Equal(t, readCert(t, b.CACert).NotAfter, readCert(t, opts.OutCert).NotAfter)
}

func TestIssueExplicitNotBefore(t *testing.T) {
	b := initPKI(t)
	dir := t.TempDir()
	nb := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	opts := certs.IssueOptions{
		CADir: b.Dir, OutCert: filepath.Join(dir, "c.pem"), OutKey: filepath.Join(dir, "k.pem"),
		CommonName: "old", Client: true, NotBefore: nb, Lifetime: time.Hour,
	}
	require.NoError(t, certs.Issue(opts))
	c := readCert(t, opts.OutCert)
	assert.True(t, c.NotBefore.Equal(nb))
	assert.True(t, c.NotAfter.Equal(nb.Add(time.Hour)))
}

func TestIssueInvalidOptions(t *testing.T) {
	b := initPKI(t)
	dir := t.TempDir()
	good := certs.IssueOptions{
		CADir: b.Dir, OutCert: filepath.Join(dir, "c.pem"), OutKey: filepath.Join(dir, "k.pem"),
		CommonName: "x", DNSNames: []string{"x"}, Server: true,
	}
	require.NoError(t, certs.Issue(good))
	for name, mutate := range map[string]func(*certs.IssueOptions){
		"no CA dir":         func(o *certs.IssueOptions) { o.CADir = "" },
		"no out cert":       func(o *certs.IssueOptions) { o.OutCert = "" },
		"same out files":    func(o *certs.IssueOptions) { o.OutKey = o.OutCert },
		"no common name":    func(o *certs.IssueOptions) { o.CommonName = " " },
		"control in CN":     func(o *certs.IssueOptions) { o.CommonName = "a\x1b" },
		"no usage":          func(o *certs.IssueOptions) { o.Server = false },
		"server no SANs":    func(o *certs.IssueOptions) { o.DNSNames = nil },
		"bad DNS":           func(o *certs.IssueOptions) { o.DNSNames = []string{"a b"} },
		"bad IP":            func(o *certs.IssueOptions) { o.IPs = []net.IP{{1, 2, 3}} },
		"relative URI":      func(o *certs.IssueOptions) { o.URIs = []string{"/svc"} },
		"unparsable URI":    func(o *certs.IssueOptions) { o.URIs = []string{"spiffe://a b/%zz"} },
		"negative lifetime": func(o *certs.IssueOptions) { o.Lifetime = -time.Hour },
		"ends before start": func(o *certs.IssueOptions) { o.NotBefore = time.Now().Add(10 * 365 * 24 * time.Hour) },
	} {
		o := good
		mutate(&o)
		assert.ErrorIs(t, certs.Issue(o), certs.ErrInvalidOptions, name)
	}
}

func TestIssueBadCA(t *testing.T) {
	b := initPKI(t)
	other := initPKI(t)
	dir := t.TempDir()
	opts := certs.IssueOptions{
		OutCert: filepath.Join(dir, "c.pem"), OutKey: filepath.Join(dir, "k.pem"),
		CommonName: "x", Client: true,
	}

	opts.CADir = t.TempDir() // empty
	require.ErrorIs(t, certs.Issue(opts), fs.ErrNotExist)

	// CA certificate with another CA's key.
	mixed := t.TempDir()
	copyFile(t, b.CACert, filepath.Join(mixed, certs.CACertFile))
	copyFile(t, other.CAKey, filepath.Join(mixed, certs.CAKeyFile))
	opts.CADir = mixed
	require.ErrorIs(t, certs.Issue(opts), certs.ErrKeyMismatch)

	// A leaf (with its own key) posing as a CA.
	leafCA := t.TempDir()
	copyFile(t, b.ServerCert, filepath.Join(leafCA, certs.CACertFile))
	copyFile(t, b.ServerKey, filepath.Join(leafCA, certs.CAKeyFile))
	opts.CADir = leafCA
	require.ErrorIs(t, certs.Issue(opts), certs.ErrNotCA)

	_, err := os.Stat(opts.OutCert)
	require.ErrorIs(t, err, fs.ErrNotExist, "nothing written on failure")
}

func TestInspectErrors(t *testing.T) {
	_, err := certs.Inspect(filepath.Join(t.TempDir(), "missing.pem"))
	require.ErrorIs(t, err, fs.ErrNotExist)

	_, err = certs.InspectPEM([]byte("hello"))
	require.ErrorIs(t, err, certs.ErrNoCertificate)

	b := initPKI(t)
	_, err = certs.Inspect(b.ServerKey)
	require.ErrorIs(t, err, certs.ErrNoCertificate)

	_, err = certs.InspectPEM(make([]byte, certs.MaxPEMSize+1))
	require.ErrorIs(t, err, certs.ErrTooLarge)

	big := filepath.Join(t.TempDir(), "big.pem")
	require.NoError(t, os.WriteFile(big, make([]byte, certs.MaxPEMSize+1), 0o600))
	_, err = certs.Inspect(big)
	require.ErrorIs(t, err, certs.ErrTooLarge)

	bad := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	_, err = certs.InspectPEM([]byte(bad))
	require.Error(t, err)
}

func TestInspectChainAndMixedBlocks(t *testing.T) {
	b := initPKI(t)
	var data []byte
	data = append(data, mustRead(t, b.ServerKey)...) // skipped
	data = append(data, mustRead(t, b.ServerCert)...)
	data = append(data, mustRead(t, b.CACert)...)
	infos, err := certs.InspectPEM(data)
	require.NoError(t, err)
	require.Len(t, infos, 2)
	assert.Equal(t, fileFingerprint(t, b.ServerCert), infos[0].Fingerprint)
	assert.Equal(t, fileFingerprint(t, b.CACert), infos[1].Fingerprint)
	assert.True(t, infos[1].IsCA)
	assert.Equal(t, []string{"digitalSignature", "certSign", "cRLSign"}, infos[1].KeyUsage)
	assert.Contains(t, infos[1].String(), "CA:             true\n")
	assert.NotContains(t, infos[1].String(), "DNS names:", "empty lists are omitted")
}

func TestFingerprintFormat(t *testing.T) {
	b := initPKI(t)
	fp := certs.Fingerprint(readCert(t, b.CACert))
	assert.Len(t, fp, 64)
	assert.Equal(t, strings.ToLower(fp), fp)
	assert.NotContains(t, fp, ":")
	_, err := hex.DecodeString(fp)
	require.NoError(t, err)
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	require.NoError(t, os.WriteFile(to, mustRead(t, from), 0o600))
}
