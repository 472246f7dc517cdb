package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// readPEMFile reads at most MaxPEMSize bytes from path. Errors carry the path
// and wrap the underlying *fs.PathError or ErrTooLarge.
func readPEMFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPEMSize+1))
	if err != nil {
		return nil, fmt.Errorf("certs: read %s: %w", path, err)
	}
	if len(data) > MaxPEMSize {
		return nil, fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, path, MaxPEMSize)
	}
	return data, nil
}

// parseCertificates returns every CERTIFICATE block of data, in order. Other
// block types are skipped. It fails with ErrNoCertificate when there is none.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certs: certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, ErrNoCertificate
	}
	return out, nil
}

// parsePrivateKey returns the first private key of data. PKCS#8, SEC 1 (EC)
// and PKCS#1 (RSA) encodings are accepted; encrypted keys are not.
func parsePrivateKey(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, ErrNoPrivateKey
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			if _, encrypted := block.Headers["Proc-Type"]; encrypted {
				return nil, fmt.Errorf("%w: encrypted keys are not supported", ErrNoPrivateKey)
			}
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%w: encrypted keys are not supported", ErrNoPrivateKey)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoPrivateKey, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: unsupported key type %T", ErrNoPrivateKey, key)
		}
		return signer, nil
	}
}

// keyMatches reports whether key is the private half of cert's public key.
func keyMatches(key crypto.Signer, cert *x509.Certificate) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// loadPair reads a certificate chain and its private key and checks that they
// belong together. The first certificate of certPath is the leaf.
func loadPair(certPath, keyPath string) ([]*x509.Certificate, crypto.Signer, error) {
	certPEM, err := readPEMFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	chain, err := parseCertificates(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", certPath, err)
	}
	keyPEM, err := readPEMFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	if !keyMatches(key, chain[0]) {
		return nil, nil, fmt.Errorf("%w: %s and %s", ErrKeyMismatch, keyPath, certPath)
	}
	return chain, key, nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// writeExclusive creates path with mode, failing with ErrExists if it is
// already there. A partly written file is removed.
func writeExclusive(path string, data []byte, mode fs.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrExists, path)
		}
		return fmt.Errorf("certs: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	return finishFile(f, data, mode)
}

// writeReplace writes data to a temporary file next to path and renames it
// over path, so readers see either the old or the new content, never a mix.
func writeReplace(path string, data []byte, mode fs.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := finishFile(f, data, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	return nil
}

// finishFile writes, syncs, sets mode and closes f.
func finishFile(f *os.File, data []byte, mode fs.FileMode) error {
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Chmod(mode)
	}
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("certs: write %s: %w", f.Name(), werr)
	}
	return nil
}
