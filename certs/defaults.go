package certs

import (
	"crypto/tls"
	"time"
)

// All defaults of the package live in this file so they can be audited in one
// place.

const (
	// CALifetime is how long a CA made by Init stays valid: five years. A
	// development CA should be replaced well before then; its leaves are
	// short-lived and can be re-issued from it at any time.
	CALifetime = 5 * 365 * 24 * time.Hour

	// DefaultLeafLifetime is the validity of leaves made by Init, and of leaves
	// made by Issue when IssueOptions.Lifetime is zero: 90 days. Short-lived
	// leaves are cheap because a Reloader picks up re-issued files without a
	// restart.
	DefaultLeafLifetime = 90 * 24 * time.Hour

	// Backdate is subtracted from "now" for the NotBefore of generated
	// certificates so that peers whose clocks lag a little accept them.
	Backdate = 5 * time.Minute

	// DefaultClientName is the common name of the client leaf made by Init.
	DefaultClientName = "flint-client"

	// DefaultServerName is the common name of the server leaf made by Init.
	DefaultServerName = "flint-server"

	// CAName is the common name of the CA made by Init.
	CAName = "flint development CA"

	// Organization is the subject organization of certificates made by Init.
	Organization = "flint"

	// ReloadInterval is the minimum time between two checks of the files
	// behind a Reloader during handshakes.
	ReloadInterval = time.Second

	// MaxPEMSize bounds every PEM file this package reads (1 MiB).
	MaxPEMSize = 1 << 20
)

// Names of the files written by Init inside InitOptions.Dir.
const (
	CACertFile     = "ca.pem"
	CAKeyFile      = "ca-key.pem"
	ServerCertFile = "server.pem"
	ServerKeyFile  = "server-key.pem"
	ClientCertFile = "client.pem"
	ClientKeyFile  = "client-key.pem"
)

// File modes used when writing.
const (
	keyFileMode  = 0o600
	certFileMode = 0o644
	dirMode      = 0o700
)

// Environment variables read by FilesFromEnv.
const (
	EnvCert = "FLINT_TLS_CERT"
	EnvKey  = "FLINT_TLS_KEY"
	EnvCA   = "FLINT_TLS_CA"
)

// defaultHosts are always present in the server leaf made by Init.
var defaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// minTLSVersion is the floor for both sides. TLS 1.3 is negotiated whenever
// the peer offers it (crypto/tls always picks the highest common version).
const minTLSVersion = tls.VersionTLS12

// tls12CipherSuites are the only suites allowed when TLS 1.2 is negotiated:
// forward-secret ECDHE with AEAD ciphers. TLS 1.3 suites are not configurable
// in crypto/tls and are all modern.
var tls12CipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// curvePreferences lists the key exchanges offered or accepted: the hybrid
// post-quantum X25519MLKEM768 first, then X25519 and the NIST curves.
var curvePreferences = []tls.CurveID{
	tls.X25519MLKEM768,
	tls.X25519,
	tls.CurveP256,
	tls.CurveP384,
}

// clientSessionCacheSize is the capacity of the LRU session cache that
// ClientConfig installs for resumption.
const clientSessionCacheSize = 64
