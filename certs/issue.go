package certs

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// IssueOptions configures Issue.
type IssueOptions struct {
	// CADir holds the issuing CA as ca.pem and ca-key.pem (the layout Init
	// writes).
	CADir string
	// OutCert and OutKey are where the new certificate and key are written.
	// Existing files are replaced atomically, which is how a certificate is
	// rotated under a running Reloader.
	OutCert, OutKey string
	// CommonName is the subject common name. Required.
	CommonName string
	// DNSNames, IPs and URIs are the subject alternative names. URIs must be
	// absolute, e.g. spiffe://example.org/svc. A server certificate needs at
	// least one of them.
	DNSNames []string
	IPs      []net.IP
	URIs     []string
	// Server and Client select the serverAuth and clientAuth extended key
	// usages. At least one must be set.
	Server, Client bool
	// Lifetime is the validity period; DefaultLeafLifetime when zero. The end
	// of validity is clamped to the CA's, since a leaf cannot outlive its
	// issuer usefully.
	Lifetime time.Duration
	// NotBefore is the start of validity. When zero, validity runs from now
	// minus Backdate to now plus Lifetime. Otherwise it ends at NotBefore
	// plus Lifetime; a past NotBefore with a short Lifetime yields an already
	// expired certificate, which tests use on purpose.
	NotBefore time.Time
}

// Issue signs a new ECDSA P-256 leaf with the CA in opts.CADir and writes it
// to opts.OutCert (mode 0644) and its private key to opts.OutKey (mode 0600).
// The key is written first, so a Reloader watching both files may briefly
// see a new key with the old certificate; it reports ErrKeyMismatch for that
// attempt, keeps serving the old pair and retries on its next check.
func Issue(opts IssueOptions) error {
	spec, err := opts.spec(time.Now())
	if err != nil {
		return err
	}
	chain, caKey, err := loadPair(filepath.Join(opts.CADir, CACertFile), filepath.Join(opts.CADir, CAKeyFile))
	if err != nil {
		return err
	}
	ca := chain[0]
	if err := checkCA(ca, caKey); err != nil {
		return err
	}
	if spec.notAfter.After(ca.NotAfter) {
		spec.notAfter = ca.NotAfter
	}
	if !spec.notAfter.After(spec.notBefore) {
		return fmt.Errorf("%w: validity would end before it starts (CA %s expires %s)",
			ErrInvalidOptions, ca.Subject, ca.NotAfter.UTC().Format(time.RFC3339))
	}
	certPEM, keyPEM, err := createLeaf(ca, caKey, spec)
	if err != nil {
		return err
	}
	if err := writeReplace(opts.OutKey, keyPEM, keyFileMode); err != nil {
		return err
	}
	return writeReplace(opts.OutCert, certPEM, certFileMode)
}

// spec validates the options and turns them into a leafSpec.
func (o IssueOptions) spec(now time.Time) (leafSpec, error) {
	bad := func(format string, args ...any) (leafSpec, error) {
		return leafSpec{}, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
	}
	switch {
	case o.CADir == "":
		return bad("CADir is empty")
	case o.OutCert == "" || o.OutKey == "":
		return bad("OutCert and OutKey are required")
	case filepath.Clean(o.OutCert) == filepath.Clean(o.OutKey):
		return bad("OutCert and OutKey are the same file %s", o.OutCert)
	case strings.TrimSpace(o.CommonName) == "" || strings.ContainsFunc(o.CommonName, isControl):
		return bad("CommonName %q", o.CommonName)
	case !o.Server && !o.Client:
		return bad("neither Server nor Client usage selected")
	case o.Lifetime < 0:
		return bad("negative Lifetime %s", o.Lifetime)
	}
	s := leafSpec{commonName: o.CommonName, server: o.Server, client: o.Client}
	for _, d := range o.DNSNames {
		if !validDNSName(d) {
			return bad("invalid DNS name %q", d)
		}
		s.dnsNames = append(s.dnsNames, d)
	}
	for _, ip := range o.IPs {
		if len(ip) != net.IPv4len && len(ip) != net.IPv6len {
			return bad("invalid IP address %v", ip)
		}
		if ip4 := ip.To4(); ip4 != nil {
			ip = ip4
		}
		s.ips = append(s.ips, ip)
	}
	for _, raw := range o.URIs {
		u, err := parseURI(raw)
		if err != nil {
			return leafSpec{}, err
		}
		s.uris = append(s.uris, u)
	}
	if o.Server && len(s.dnsNames)+len(s.ips)+len(s.uris) == 0 {
		return bad("a server certificate needs at least one DNS name, IP address or URI")
	}
	lifetime := o.Lifetime
	if lifetime == 0 {
		lifetime = DefaultLeafLifetime
	}
	if o.NotBefore.IsZero() {
		s.notBefore, s.notAfter = now.Add(-Backdate), now.Add(lifetime)
	} else {
		s.notBefore, s.notAfter = o.NotBefore, o.NotBefore.Add(lifetime)
	}
	return s, nil
}
