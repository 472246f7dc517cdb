package auth

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strconv"
	"strings"
)

// Identity is what a peer proved about itself on one connection. The zero
// value is the anonymous peer: nothing was proved.
//
// The certificate fields come from the verified TLS leaf certificate
// ([IdentityFromCert]); Unix is filled in by the transport for Unix-socket
// peers (SO_PEERCRED); HMAC is set by the strong HMAC handshake.
type Identity struct {
	CommonName  string   // subject common name of the leaf certificate
	DNSNames    []string // DNS subject alternative names
	URIs        []string // URI subject alternative names, as strings
	SPIFFEID    string   // the first spiffe:// URI SAN, if any
	Fingerprint string   // lower-case hex SHA-256 of the leaf certificate's DER
	Unix        *UnixCred
	HMAC        bool // the peer proved knowledge of the shared HMAC key (strong mode)
}

// UnixCred holds the credentials of a Unix-socket peer as the kernel
// reported them when the connection was made.
type UnixCred struct {
	UID, GID uint32
	PID      int32
}

// IdentityFromCert describes a verified leaf certificate. It does not verify
// anything itself: pass only a certificate that crypto/tls (or the caller)
// has already verified. A nil certificate gives the anonymous Identity.
func IdentityFromCert(c *x509.Certificate) Identity {
	if c == nil {
		return Identity{}
	}
	id := Identity{CommonName: c.Subject.CommonName}
	if len(c.Raw) > 0 { // a certificate that was never encoded has no fingerprint
		sum := sha256.Sum256(c.Raw)
		id.Fingerprint = hex.EncodeToString(sum[:])
	}
	if len(c.DNSNames) > 0 {
		id.DNSNames = append([]string(nil), c.DNSNames...)
	}
	for _, u := range c.URIs {
		if u == nil {
			continue
		}
		s := u.String()
		id.URIs = append(id.URIs, s)
		if id.SPIFFEID == "" && strings.EqualFold(u.Scheme, "spiffe") {
			id.SPIFFEID = s
		}
	}
	return id
}

// IsAnonymous reports whether the peer proved nothing at all.
func (i Identity) IsAnonymous() bool {
	return i.CommonName == "" && len(i.DNSNames) == 0 && len(i.URIs) == 0 &&
		i.SPIFFEID == "" && i.Fingerprint == "" && i.Unix == nil && !i.HMAC
}

// String gives a compact description for logs, such as
// "cn=flint-client spiffe://org/svc fp=ab12cd34ef56" or
// "uid=1000 gid=1000 pid=42". Peer-supplied text is quoted when it holds
// spaces or control characters, so a certificate cannot forge log fields.
func (i Identity) String() string {
	if i.IsAnonymous() {
		return "anonymous"
	}
	var parts []string
	if i.CommonName != "" {
		parts = append(parts, "cn="+logSafe(i.CommonName))
	}
	if i.SPIFFEID != "" {
		parts = append(parts, logSafe(i.SPIFFEID))
	} else if len(i.DNSNames) > 0 {
		parts = append(parts, "dns="+logSafe(i.DNSNames[0]))
	}
	if i.Fingerprint != "" {
		fp := i.Fingerprint
		if len(fp) > 12 {
			fp = fp[:12]
		}
		parts = append(parts, "fp="+logSafe(fp))
	}
	if u := i.Unix; u != nil {
		parts = append(parts,
			"uid="+strconv.FormatUint(uint64(u.UID), 10),
			"gid="+strconv.FormatUint(uint64(u.GID), 10),
			"pid="+strconv.FormatInt(int64(u.PID), 10))
	}
	if i.HMAC {
		parts = append(parts, "hmac")
	}
	return strings.Join(parts, " ")
}

// logSafe returns s unchanged when it is plain printable text without
// spaces, and a Go-quoted string otherwise.
func logSafe(s string) string {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '"' || r >= 0x80 {
			return strconv.Quote(s)
		}
	}
	return s
}
