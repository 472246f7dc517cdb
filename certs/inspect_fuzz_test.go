package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs"
)

// hostilePEM returns a self-signed certificate whose names carry terminal
// control sequences and newlines.
func hostilePEM(t testing.TB) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	u, err := url.Parse("spiffe://example.org/a%1B%5B2J")
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "evil\x1b[2J\nSHA-256: 00", Organization: []string{"o\u202eg"}},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Unix(1<<31, 0),
		URIs:         []*url.URL{u},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestInfoStringEscapesHostileNames(t *testing.T) {
	infos, err := certs.InspectPEM(hostilePEM(t))
	require.NoError(t, err)
	require.Len(t, infos, 1)
	assert.Contains(t, infos[0].Subject, "\x1b", "Info keeps raw values")
	s := infos[0].String()
	checkRendering(t, s)
	assert.Contains(t, s, `\x1b[2J\n`)
	assert.Contains(t, s, `\u202e`)
	assert.Equal(t, 1, strings.Count("\n"+s, "\nSHA-256:"), "no forged lines")
}

// checkRendering asserts that s is a list of "Label: value" lines with no
// control or bidi characters.
func checkRendering(t testing.TB, s string) {
	t.Helper()
	require.True(t, strings.HasSuffix(s, "\n"))
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		label, _, ok := strings.Cut(line, ":")
		require.True(t, ok, "line %q", line)
		require.NotEmpty(t, label)
		for _, r := range line {
			require.True(t, unicode.IsPrint(r) && r != unicode.ReplacementChar, "unprintable %U in %q", r, line)
		}
	}
}

// FuzzInspectPEM feeds arbitrary bytes to InspectPEM. It must not panic; on
// success every Info must describe a CERTIFICATE block of the input and
// render as clean "Label: value" lines.
func FuzzInspectPEM(f *testing.F) {
	b, err := certs.Init(certs.InitOptions{Dir: f.TempDir(), Hosts: []string{"spiffe://example.org/x", "10.1.2.3"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{b.CACert, b.ServerCert, b.ClientCert, b.ServerKey} {
		f.Add(mustRead(f, p))
	}
	chain := append(mustRead(f, b.ServerCert), mustRead(f, b.CACert)...)
	f.Add(chain)
	f.Add(chain[:len(chain)/2])
	f.Add(hostilePEM(f))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		infos, err := certs.InspectPEM(data)
		if err != nil {
			require.Nil(t, infos)
			return
		}
		require.NotEmpty(t, infos)
		// Independently collect the fingerprints of the certificate blocks.
		var want []string
		for rest := data; ; {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			if blk.Type == "CERTIFICATE" {
				sum := sha256.Sum256(blk.Bytes)
				want = append(want, hex.EncodeToString(sum[:]))
			}
		}
		got := make([]string, len(infos))
		for i, info := range infos {
			got[i] = info.Fingerprint
			checkRendering(t, info.String())
		}
		require.Equal(t, want, got)
	})
}
