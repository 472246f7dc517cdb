package certs

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"sync"
)

// ServerConfig loads f into a new Reloader and returns its server
// configuration; see (*Reloader).ServerConfig.
func ServerConfig(f Files) (*tls.Config, error) {
	r, err := NewReloader(f)
	if err != nil {
		return nil, err
	}
	return r.ServerConfig(), nil
}

// ClientConfig loads f into a new Reloader and returns its client
// configuration for serverName; see (*Reloader).ClientConfig.
func ClientConfig(f Files, serverName string) (*tls.Config, error) {
	r, err := NewReloader(f)
	if err != nil {
		return nil, err
	}
	return r.ClientConfig(serverName)
}

// ServerConfig returns a mutual-TLS server configuration: TLS 1.2 minimum
// (1.3 whenever the client offers it), forward-secret AEAD suites only for
// 1.2, modern key exchanges (X25519MLKEM768, X25519, P-256, P-384), session
// tickets enabled for resumption, and ClientAuth set to
// RequireAndVerifyClientCert against the Reloader's CA pool.
//
// Every handshake goes through GetConfigForClient, which checks the files
// (at most once per ReloadInterval) and hands crypto/tls a snapshot of this
// configuration carrying the current certificate and CA pool. So rotated
// files take effect for new connections without a restart. A session ticket
// issued before a CA change is only resumed if its client chain still
// verifies against the current pool: crypto/tls re-checks the stored chain
// against ClientCAs on resumption (TestCABundleRotation guards this).
//
// Set any extra fields on the returned config before its first use. A Clone
// of it keeps handing out snapshots of the original, so changes made to a
// clone are not seen by handshakes; call ServerConfig again instead.
func (r *Reloader) ServerConfig() *tls.Config {
	m := r.current()
	base := &tls.Config{
		MinVersion:       minTLSVersion,
		CipherSuites:     tls12CipherSuites,
		CurvePreferences: curvePreferences,
		ClientAuth:       tls.RequireAndVerifyClientCert,
		ClientCAs:        m.pool,
		GetCertificate:   r.GetCertificate,
	}
	v := &serverView{r: r, base: base}
	base.GetConfigForClient = v.configForClient
	return base
}

// serverView caches, per generation of material, the per-handshake snapshot
// of one base configuration.
type serverView struct {
	r    *Reloader
	base *tls.Config

	mu      sync.Mutex
	gen     uint64
	derived *tls.Config
}

func (v *serverView) configForClient(*tls.ClientHelloInfo) (*tls.Config, error) {
	m := v.r.current()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.derived != nil && v.gen == m.gen {
		return v.derived, nil
	}
	c := v.base.Clone()
	c.GetConfigForClient = nil
	c.GetCertificate = nil
	c.Certificates = []tls.Certificate{*m.cert}
	c.ClientCAs = m.pool
	c.ClientAuth = tls.RequireAndVerifyClientCert
	v.derived, v.gen = c, m.gen
	return c, nil
}

// ClientConfig returns a mutual-TLS client configuration bound to
// serverName (a DNS name or an IP literal, required): it presents the
// Reloader's current certificate, offers TLS 1.3 (accepting 1.2 with the
// same suites and key exchanges as ServerConfig) and caches sessions for
// resumption.
//
// The server's chain is verified against the Reloader's current CA pool and
// its leaf must be valid for serverName with the serverAuth usage. To let
// the CA bundle change at run time, crypto/tls's built-in verification,
// whose roots are fixed in the config, is replaced: InsecureSkipVerify is
// set, and both VerifyPeerCertificate (full handshakes) and VerifyConnection
// (every handshake, resumed ones included) perform the full check
// themselves. Replacing either callback on the returned config keeps the
// other one checking; replacing both disables verification. The config must
// not be re-targeted by changing ServerName on a clone: a mismatch with a
// DNS ServerName is rejected, but make a new config per server name instead.
func (r *Reloader) ClientConfig(serverName string) (*tls.Config, error) {
	name := strings.TrimSuffix(serverName, ".")
	if inner, ok := strings.CutPrefix(name, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok && net.ParseIP(inner) != nil {
			name = inner // "[::1]" names the IP ::1
		}
	}
	if name == "" || strings.ContainsFunc(name, isControl) {
		return nil, fmt.Errorf("%w: server name %q", ErrInvalidOptions, serverName)
	}
	m := r.current()
	return &tls.Config{
		MinVersion:       minTLSVersion,
		CipherSuites:     tls12CipherSuites,
		CurvePreferences: curvePreferences,
		ServerName:       name,
		RootCAs:          m.pool, // unused while InsecureSkipVerify is set
		// Verification is not skipped: the callbacks below do it against
		// the reloadable CA pool (the pattern of crypto/tls's
		// ExampleConfig_verifyConnection).
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			certs := make([]*x509.Certificate, 0, len(raw))
			for _, der := range raw {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return fmt.Errorf("certs: server certificate: %w", err)
				}
				certs = append(certs, c)
			}
			return r.verifyChain(certs, x509.ExtKeyUsageServerAuth, name)
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			if cs.ServerName != "" && !strings.EqualFold(strings.TrimSuffix(cs.ServerName, "."), name) {
				return fmt.Errorf("certs: config bound to server name %q used for %q", name, cs.ServerName)
			}
			return r.verifyChain(cs.PeerCertificates, x509.ExtKeyUsageServerAuth, name)
		},
		GetClientCertificate: r.GetClientCertificate,
		ClientSessionCache:   tls.NewLRUClientSessionCache(clientSessionCacheSize),
	}, nil
}
