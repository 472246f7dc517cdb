package certs

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Info describes one certificate. The fields hold the certificate's values
// as parsed; String escapes anything unprintable before display.
type Info struct {
	Subject            string    // RFC 2253 form, e.g. "CN=flint-client"
	Issuer             string    // RFC 2253 form
	SerialNumber       string    // lowercase hex, no colons
	NotBefore          time.Time // UTC
	NotAfter           time.Time // UTC
	IsCA               bool
	DNSNames           []string
	IPAddresses        []net.IP
	URIs               []string
	EmailAddresses     []string
	KeyUsage           []string // e.g. "digitalSignature", "certSign"
	ExtKeyUsage        []string // e.g. "serverAuth", "clientAuth"
	PublicKey          string   // e.g. "ECDSA P-256", "RSA 2048"
	SignatureAlgorithm string   // e.g. "ECDSA-SHA256"
	Fingerprint        string   // see Fingerprint
}

// Fingerprint returns the SHA-256 digest of the certificate's DER encoding
// as lowercase hex without separators.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Inspect describes every certificate in the PEM file at path, in file
// order. Blocks of other types (keys, parameters) are skipped.
func Inspect(path string) ([]Info, error) {
	data, err := readPEMFile(path)
	if err != nil {
		return nil, err
	}
	infos, err := InspectPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return infos, nil
}

// InspectPEM is Inspect for PEM data already in memory. It fails with
// ErrTooLarge above MaxPEMSize bytes, ErrNoCertificate when data holds no
// CERTIFICATE block, and with the parse error of the first malformed
// certificate.
func InspectPEM(data []byte) ([]Info, error) {
	if len(data) > MaxPEMSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrTooLarge, len(data), MaxPEMSize)
	}
	chain, err := parseCertificates(data)
	if err != nil {
		return nil, err
	}
	infos := make([]Info, len(chain))
	for i, c := range chain {
		infos[i] = Describe(c)
	}
	return infos, nil
}

// Describe returns the Info of a parsed certificate.
func Describe(c *x509.Certificate) Info {
	info := Info{
		Subject:            c.Subject.String(),
		Issuer:             c.Issuer.String(),
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		IsCA:               c.IsCA,
		DNSNames:           c.DNSNames,
		IPAddresses:        c.IPAddresses,
		EmailAddresses:     c.EmailAddresses,
		KeyUsage:           keyUsageNames(c.KeyUsage),
		PublicKey:          publicKeyName(c),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		Fingerprint:        Fingerprint(c),
	}
	if c.SerialNumber != nil {
		info.SerialNumber = c.SerialNumber.Text(16)
	}
	for _, u := range c.URIs {
		info.URIs = append(info.URIs, u.String())
	}
	for _, u := range c.ExtKeyUsage {
		info.ExtKeyUsage = append(info.ExtKeyUsage, extKeyUsageName(u))
	}
	for _, oid := range c.UnknownExtKeyUsage {
		info.ExtKeyUsage = append(info.ExtKeyUsage, oid.String())
	}
	return info
}

// ValidAt reports whether t lies within the validity period.
func (i Info) ValidAt(t time.Time) bool {
	return !t.Before(i.NotBefore) && !t.After(i.NotAfter)
}

// String renders the Info as aligned "Label: value" lines, one per field,
// omitting empty name lists. Values are escaped so that a hostile
// certificate cannot inject control sequences into a terminal.
func (i Info) String() string {
	var b strings.Builder
	line := func(label, value string) {
		fmt.Fprintf(&b, "%-15s %s\n", label+":", value)
	}
	list := func(label string, values []string) {
		if len(values) == 0 {
			return
		}
		esc := make([]string, len(values))
		for k, v := range values {
			esc[k] = printable(v)
		}
		line(label, strings.Join(esc, ", "))
	}
	line("Subject", printable(i.Subject))
	line("Issuer", printable(i.Issuer))
	line("Serial", i.SerialNumber)
	line("Not before", i.NotBefore.UTC().Format(time.RFC3339))
	line("Not after", i.NotAfter.UTC().Format(time.RFC3339))
	line("CA", strconv.FormatBool(i.IsCA))
	line("Public key", i.PublicKey)
	line("Signature", i.SignatureAlgorithm)
	list("Key usage", i.KeyUsage)
	list("Ext key usage", i.ExtKeyUsage)
	list("DNS names", i.DNSNames)
	ips := make([]string, len(i.IPAddresses))
	for k, ip := range i.IPAddresses {
		ips[k] = ip.String()
	}
	list("IP addresses", ips)
	list("URIs", i.URIs)
	list("Emails", i.EmailAddresses)
	line("SHA-256", i.Fingerprint)
	return b.String()
}

// printable returns s unchanged when every rune is a printable, non-control
// character, and a Go-quoted ASCII form otherwise.
func printable(s string) string {
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

func publicKeyName(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return "RSA " + strconv.Itoa(k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	default:
		return c.PublicKeyAlgorithm.String()
	}
}

var keyUsageBits = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "contentCommitment"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "certSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

func keyUsageNames(u x509.KeyUsage) []string {
	var out []string
	for _, k := range keyUsageBits {
		if u&k.bit != 0 {
			out = append(out, k.name)
		}
	}
	return out
}

var extKeyUsageNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "any",
	x509.ExtKeyUsageServerAuth:      "serverAuth",
	x509.ExtKeyUsageClientAuth:      "clientAuth",
	x509.ExtKeyUsageCodeSigning:     "codeSigning",
	x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping:    "timeStamping",
	x509.ExtKeyUsageOCSPSigning:     "OCSPSigning",
}

func extKeyUsageName(u x509.ExtKeyUsage) string {
	if n, ok := extKeyUsageNames[u]; ok {
		return n
	}
	return "extKeyUsage(" + strconv.Itoa(int(u)) + ")"
}
