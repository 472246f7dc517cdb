package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// InitOptions configures Init.
type InitOptions struct {
	// Dir receives the six files. It is created with mode 0700 if missing;
	// the mode of an existing directory is left alone.
	Dir string
	// Hosts are extra subject alternative names for the server leaf, on top
	// of localhost, 127.0.0.1 and ::1. Each is an IP address, a URI (when it
	// contains "://", e.g. spiffe://example.org/daemon) or a DNS name.
	Hosts []string
	// ClientName is the common name of the client leaf; DefaultClientName
	// when empty.
	ClientName string
	// Force replaces existing files. Without it Init fails with ErrExists
	// before writing anything if any of the six files is present.
	Force bool
	// Now returns the issuing time; time.Now when nil. For tests.
	Now func() time.Time
}

// Bundle lists the paths written by Init.
type Bundle struct {
	Dir        string
	CACert     string
	CAKey      string
	ServerCert string
	ServerKey  string
	ClientCert string
	ClientKey  string
}

// Server returns the files a daemon passes to ServerConfig.
func (b *Bundle) Server() Files {
	return Files{Cert: b.ServerCert, Key: b.ServerKey, CA: b.CACert}
}

// Client returns the files a client passes to ClientConfig.
func (b *Bundle) Client() Files {
	return Files{Cert: b.ClientCert, Key: b.ClientKey, CA: b.CACert}
}

// paths returns every file of the bundle, keys flagged.
func (b *Bundle) paths() []struct {
	path string
	key  bool
} {
	return []struct {
		path string
		key  bool
	}{
		{b.CACert, false}, {b.CAKey, true},
		{b.ServerCert, false}, {b.ServerKey, true},
		{b.ClientCert, false}, {b.ClientKey, true},
	}
}

// Init creates a development PKI in opts.Dir: a self-signed ECDSA P-256 CA
// valid for CALifetime (ca.pem, ca-key.pem), a server leaf (server.pem,
// server-key.pem) and a client leaf (client.pem, client-key.pem), both valid
// for DefaultLeafLifetime and signed by the CA.
//
// The server leaf has DNS name localhost, IP addresses 127.0.0.1 and ::1 and
// opts.Hosts as subject alternative names, and carries both the serverAuth
// and clientAuth extended key usages, so a daemon that also calls other
// daemons (a name server, say) can use the same FLINT_TLS_* files in both
// roles. The client leaf has common name opts.ClientName and clientAuth only.
//
// Private keys are written with mode 0600, certificates with 0644. Without
// opts.Force, Init writes nothing and returns an error wrapping ErrExists if
// any of the files already exists. With opts.Force, each file is replaced
// atomically (write to a temporary file, then rename).
func Init(opts InitOptions) (*Bundle, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("%w: Dir is empty", ErrInvalidOptions)
	}
	clientName := opts.ClientName
	if clientName == "" {
		clientName = DefaultClientName
	}
	if strings.TrimSpace(clientName) != clientName || strings.ContainsFunc(clientName, isControl) {
		return nil, fmt.Errorf("%w: client name %q", ErrInvalidOptions, clientName)
	}
	dnsNames, ips, uris, err := sans(append(append([]string(nil), defaultHosts...), opts.Hosts...))
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()
	notBefore := t.Add(-Backdate)

	b := &Bundle{
		Dir:        opts.Dir,
		CACert:     filepath.Join(opts.Dir, CACertFile),
		CAKey:      filepath.Join(opts.Dir, CAKeyFile),
		ServerCert: filepath.Join(opts.Dir, ServerCertFile),
		ServerKey:  filepath.Join(opts.Dir, ServerKeyFile),
		ClientCert: filepath.Join(opts.Dir, ClientCertFile),
		ClientKey:  filepath.Join(opts.Dir, ClientKeyFile),
	}
	if !opts.Force {
		var existing []string
		for _, p := range b.paths() {
			if _, err := os.Lstat(p.path); err == nil {
				existing = append(existing, p.path)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("certs: %w", err)
			}
		}
		if len(existing) > 0 {
			return nil, fmt.Errorf("%w: %s", ErrExists, strings.Join(existing, ", "))
		}
	}
	if err := os.MkdirAll(opts.Dir, dirMode); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}

	ca, caKey, err := createCA(notBefore, t.Add(CALifetime))
	if err != nil {
		return nil, err
	}
	caKeyPEM, err := encodeKey(caKey)
	if err != nil {
		return nil, err
	}
	leafEnd := t.Add(DefaultLeafLifetime)
	serverCert, serverKey, err := createLeaf(ca, caKey, leafSpec{
		commonName: DefaultServerName,
		dnsNames:   dnsNames,
		ips:        ips,
		uris:       uris,
		server:     true,
		client:     true,
		notBefore:  notBefore,
		notAfter:   leafEnd,
	})
	if err != nil {
		return nil, err
	}
	clientCert, clientKey, err := createLeaf(ca, caKey, leafSpec{
		commonName: clientName,
		client:     true,
		notBefore:  notBefore,
		notAfter:   leafEnd,
	})
	if err != nil {
		return nil, err
	}

	contents := [][]byte{encodeCert(ca.Raw), caKeyPEM, serverCert, serverKey, clientCert, clientKey}
	var written []string
	for i, p := range b.paths() {
		mode := fs.FileMode(certFileMode)
		if p.key {
			mode = keyFileMode
		}
		if opts.Force {
			err = writeReplace(p.path, contents[i], mode)
		} else {
			err = writeExclusive(p.path, contents[i], mode)
		}
		if err != nil {
			if !opts.Force {
				// Leave no half-made PKI behind.
				for _, w := range written {
					os.Remove(w)
				}
			}
			return nil, err
		}
		written = append(written, p.path)
	}
	return b, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
