package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Files names the PEM files of one TLS identity: the certificate chain (leaf
// first), its private key, and the CA bundle that peers are verified against.
type Files struct {
	Cert, Key, CA string
}

// FilesFromEnv reads FLINT_TLS_CERT, FLINT_TLS_KEY and FLINT_TLS_CA. ok is
// true only when all three are set and non-empty.
func FilesFromEnv() (f Files, ok bool) {
	f = Files{Cert: os.Getenv(EnvCert), Key: os.Getenv(EnvKey), CA: os.Getenv(EnvCA)}
	return f, f.Cert != "" && f.Key != "" && f.CA != ""
}

// Reloader holds a certificate, its key and a CA pool loaded from Files and
// re-reads them when the files change. Handshake callbacks call it; at most
// once per ReloadInterval they stat the three files and, if any changed
// (modification time, size or identity, so an atomic rename counts),
// reload all three.
//
// A failed reload (a missing file, a key that does not match the
// certificate, typically a rotation caught half-way) keeps the previous
// material in use and is retried on the next check; Err reports it. A
// Reloader is safe for concurrent use.
type Reloader struct {
	files    Files
	interval time.Duration
	now      func() time.Time

	cur       atomic.Pointer[material]
	lastCheck atomic.Int64 // UnixNano of the last stat, for throttling

	mu     sync.Mutex // serialises checks and reloads; guards stamps and err
	stamps [3]os.FileInfo
	err    error
}

// material is one immutable generation of loaded files.
type material struct {
	gen  uint64
	cert *tls.Certificate // Leaf is set
	pool *x509.CertPool
}

// NewReloader loads f and returns a Reloader serving it. The initial load
// must succeed.
func NewReloader(f Files) (*Reloader, error) {
	if f.Cert == "" || f.Key == "" || f.CA == "" {
		return nil, fmt.Errorf("%w: Files needs Cert, Key and CA", ErrInvalidOptions)
	}
	r := &Reloader{files: f, interval: ReloadInterval, now: time.Now}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Files returns the paths the Reloader watches.
func (r *Reloader) Files() Files { return r.files }

// Reload re-reads the files now, whether or not they changed. On error the
// previous material stays in use, and the error is also kept for Err.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamps, err := r.stat()
	if err == nil {
		err = r.loadLocked(stamps)
	}
	r.err = err
	r.lastCheck.Store(r.now().UnixNano())
	return err
}

// Err returns the error of the most recent check or reload, or nil if it
// succeeded (or found nothing to do).
func (r *Reloader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Certificate returns the certificate currently served, after checking the
// files for changes (subject to the ReloadInterval throttle). Its Leaf field
// is set. The returned value must not be modified.
func (r *Reloader) Certificate() *tls.Certificate { return r.current().cert }

// CAPool returns the CA pool currently used to verify peers, after checking
// the files for changes. The returned pool must not be modified.
func (r *Reloader) CAPool() *x509.CertPool { return r.current().pool }

// GetCertificate is a tls.Config.GetCertificate callback serving the current
// certificate.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.current().cert, nil
}

// GetClientCertificate is a tls.Config.GetClientCertificate callback
// presenting the current certificate whatever CAs the server asks for; the
// server decides whether it accepts it.
func (r *Reloader) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return r.current().cert, nil
}

// current returns the material in use, first reloading it if the files
// changed and the last check is at least r.interval old.
func (r *Reloader) current() *material {
	now := r.now()
	if now.UnixNano()-r.lastCheck.Load() < int64(r.interval) {
		return r.cur.Load()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.UnixNano()-r.lastCheck.Load() < int64(r.interval) {
		return r.cur.Load() // another caller checked meanwhile
	}
	r.lastCheck.Store(now.UnixNano())
	stamps, err := r.stat()
	switch {
	case err != nil:
		r.err = err
	case changed(r.stamps, stamps):
		r.err = r.loadLocked(stamps)
	default:
		r.err = nil
	}
	return r.cur.Load()
}

// stat returns the file info of cert, key and CA, in that order.
func (r *Reloader) stat() ([3]os.FileInfo, error) {
	var out [3]os.FileInfo
	for i, p := range [3]string{r.files.Cert, r.files.Key, r.files.CA} {
		fi, err := os.Stat(p)
		if err != nil {
			return out, fmt.Errorf("certs: %w", err)
		}
		out[i] = fi
	}
	return out, nil
}

func changed(old, cur [3]os.FileInfo) bool {
	for i := range old {
		o, c := old[i], cur[i]
		if o == nil || !os.SameFile(o, c) || !o.ModTime().Equal(c.ModTime()) || o.Size() != c.Size() {
			return true
		}
	}
	return false
}

// loadLocked reads all three files and, if they are consistent, publishes
// them as a new generation. stamps were taken before reading, so a change
// racing with the read is seen again on the next check. r.mu must be held.
func (r *Reloader) loadLocked(stamps [3]os.FileInfo) error {
	chain, key, err := loadPair(r.files.Cert, r.files.Key)
	if err != nil {
		return err
	}
	caPEM, err := readPEMFile(r.files.CA)
	if err != nil {
		return err
	}
	cas, err := parseCertificates(caPEM)
	if err != nil {
		return fmt.Errorf("%s: %w", r.files.CA, err)
	}
	pool := x509.NewCertPool()
	for _, c := range cas {
		pool.AddCert(c)
	}
	cert := &tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	var gen uint64
	if old := r.cur.Load(); old != nil {
		gen = old.gen + 1
	}
	r.cur.Store(&material{gen: gen, cert: cert, pool: pool})
	r.stamps = stamps
	return nil
}

// verifyChain checks that raw (leaf first) chains to the current CA pool for
// the given extended key usage and, when name is not empty, that the leaf is
// valid for name (a DNS name or an IP literal).
func (r *Reloader) verifyChain(certs []*x509.Certificate, usage x509.ExtKeyUsage, name string) error {
	if len(certs) == 0 {
		return errors.New("certs: peer presented no certificate")
	}
	opts := x509.VerifyOptions{
		Roots:         r.current().pool,
		Intermediates: x509.NewCertPool(),
		DNSName:       name,
		CurrentTime:   r.now(),
		KeyUsages:     []x509.ExtKeyUsage{usage},
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	return nil
}
