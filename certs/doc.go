// Package certs is flint's small PKI: it bootstraps a development CA for
// mutual TLS, issues leaf certificates from it, describes certificate files,
// and builds crypto/tls configurations that pick up rotated files without a
// restart. It uses the standard library only.
//
// # Bootstrapping
//
// [Init] writes a CA and one server and one client leaf into a directory:
//
//	b, err := certs.Init(certs.InitOptions{Dir: "pki", Hosts: []string{"db.internal"}})
//	srv, err := certs.ServerConfig(b.Server())
//	cli, err := certs.ClientConfig(b.Client(), "db.internal")
//
// [Issue] signs further leaves (server, client or both, with DNS, IP and URI
// names such as spiffe://example.org/svc) from that CA. [Inspect] and
// [Info.String] describe certificates for people; [Fingerprint] identifies
// them for programs. Daemons normally take their files from the
// FLINT_TLS_CERT, FLINT_TLS_KEY and FLINT_TLS_CA variables ([FilesFromEnv]).
//
// # Rotation
//
// [ServerConfig] and [ClientConfig] are backed by a [Reloader]. During
// handshakes it checks the three files at most once per [ReloadInterval] and
// reloads them when any changed. Replacing files with [Issue] (which writes
// via rename) is therefore enough to rotate a certificate or a CA bundle for
// all new connections. A reload that fails keeps the old material in use;
// [Reloader.Err] reports the failure.
//
// # Invariants
//
//   - Keys generated here are ECDSA P-256 and serial numbers 128 random
//     bits. The CA made by Init may sign leaves only (path length 0).
//   - Private keys are written with mode 0600, certificates 0644, and a
//     directory Init creates gets 0700. Files are replaced by rename, never
//     rewritten in place; Init refuses to replace anything unless forced
//     ([ErrExists]).
//   - A certificate is never used with a key that does not match it
//     ([ErrKeyMismatch]), and a CA is never used unless it is one ([ErrNotCA]).
//   - Every file read is bounded by [MaxPEMSize] before parsing.
//   - Server configs always require and verify client certificates; client
//     configs always verify the server chain and name against the CA bundle.
//     Nothing here turns verification off.
//   - No function logs, and private key material never appears in errors or
//     in [Info].
//
// # What this is not
//
// The CA made by Init is meant for development and small deployments: there
// is no revocation (CRL/OCSP), no name constraints, and the CA key sits
// unencrypted next to the leaves. Keep ca-key.pem off machines that only run
// daemons, and prefer short leaf lifetimes plus rotation over revocation.
// The defaults are gathered in defaults.go.
package certs
