package certs

import "errors"

// Sentinel errors. Functions in this package wrap them with %w, adding the
// file path or the offending value, so test with errors.Is.
var (
	// ErrExists is returned by Init when a file it would write is already
	// present and InitOptions.Force is false. Nothing is written in that case.
	ErrExists = errors.New("certs: file already exists")

	// ErrKeyMismatch means a private key does not belong to the certificate it
	// was paired with (a leaf and its key, or a CA and its key).
	ErrKeyMismatch = errors.New("certs: private key does not match certificate")

	// ErrNoCertificate means a file or buffer holds no PEM CERTIFICATE block.
	ErrNoCertificate = errors.New("certs: no certificate found")

	// ErrNoPrivateKey means a key file holds no usable, unencrypted private key.
	ErrNoPrivateKey = errors.New("certs: no usable private key found")

	// ErrNotCA means the certificate given as issuer is not a CA certificate
	// allowed to sign other certificates.
	ErrNotCA = errors.New("certs: certificate is not a CA")

	// ErrTooLarge means a PEM file is larger than the package accepts
	// (MaxPEMSize).
	ErrTooLarge = errors.New("certs: file too large")

	// ErrInvalidOptions means the options passed to Init, Issue or a TLS config
	// constructor are incomplete or inconsistent.
	ErrInvalidOptions = errors.New("certs: invalid options")
)
