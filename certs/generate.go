package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"
)

// leafSpec is the validated description of a leaf certificate.
type leafSpec struct {
	commonName string
	dnsNames   []string
	ips        []net.IP
	uris       []*url.URL
	server     bool
	client     bool
	notBefore  time.Time
	notAfter   time.Time
}

func newKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: generate key: %w", err)
	}
	return k, nil
}

// newSerial returns a random positive serial number of up to 128 bits, as
// recommended by the CA/Browser Forum baseline requirements (>= 64 bits).
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("certs: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// createCA makes a self-signed CA that may sign leaves only (path length 0).
func createCA(notBefore, notAfter time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: CAName, Organization: []string{Organization}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: create CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: create CA: %w", err)
	}
	return cert, key, nil
}

// createLeaf signs a new leaf described by s with the CA and returns the
// PEM-encoded certificate and PKCS#8 key.
func createLeaf(ca *x509.Certificate, caKey crypto.Signer, s leafSpec) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: s.commonName},
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		DNSNames:              s.dnsNames,
		IPAddresses:           s.ips,
		URIs:                  s.uris,
	}
	if s.server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if s.client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: create certificate %q: %w", s.commonName, err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return encodeCert(der), keyPEM, nil
}

// checkCA verifies that cert can act as an issuer and that key is its key.
func checkCA(cert *x509.Certificate, key crypto.Signer) error {
	if !cert.IsCA || !cert.BasicConstraintsValid {
		return fmt.Errorf("%w: %s", ErrNotCA, cert.Subject)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("%w: %s lacks the certSign key usage", ErrNotCA, cert.Subject)
	}
	if !keyMatches(key, cert) {
		return fmt.Errorf("%w: CA %s", ErrKeyMismatch, cert.Subject)
	}
	return nil
}

// validDNSName accepts host names made of letters, digits, '-', '_' and
// dots, optionally starting with a "*." wildcard label.
func validDNSName(name string) bool {
	name = strings.TrimPrefix(name, "*.")
	if name == "" || len(name) > 253 || strings.HasPrefix(name, ".") || strings.Contains(name, "..") {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			ok := r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
			if !ok {
				return false
			}
		}
	}
	return true
}

// parseURI accepts absolute URIs with a scheme, such as
// spiffe://example.org/svc.
func parseURI(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: URI %q: %w", ErrInvalidOptions, s, err)
	}
	if u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
		return nil, fmt.Errorf("%w: URI %q is not absolute", ErrInvalidOptions, s)
	}
	return u, nil
}

// sans sorts host strings into DNS names, IP addresses and URIs, dropping
// duplicates. A host containing "://" is a URI, one that parses as an IP
// address is an IP, anything else must be a valid DNS name.
func sans(hosts []string) (dns []string, ips []net.IP, uris []*url.URL, err error) {
	seen := make(map[string]bool)
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		switch {
		case strings.Contains(h, "://"):
			u, err := parseURI(h)
			if err != nil {
				return nil, nil, nil, err
			}
			if key := "u:" + u.String(); !seen[key] {
				seen[key] = true
				uris = append(uris, u)
			}
		case net.ParseIP(h) != nil:
			ip := net.ParseIP(h)
			if ip4 := ip.To4(); ip4 != nil {
				ip = ip4
			}
			if key := "i:" + ip.String(); !seen[key] {
				seen[key] = true
				ips = append(ips, ip)
			}
		default:
			if !validDNSName(h) {
				return nil, nil, nil, fmt.Errorf("%w: invalid host name %q", ErrInvalidOptions, h)
			}
			if key := "d:" + strings.ToLower(h); !seen[key] {
				seen[key] = true
				dns = append(dns, h)
			}
		}
	}
	return dns, ips, uris, nil
}
