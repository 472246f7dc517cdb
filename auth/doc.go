// Package auth holds flint's notions of who a peer is and what it may do,
// and the small cryptographic primitives used to prove it.
//
// It sits at the bottom of flint's layering: it imports only the standard
// library and golang.org/x/crypto, and no other flint package.
//
// # Contents
//
//   - [Identity]: what a peer proved (a TLS client certificate, Unix socket
//     credentials, knowledge of the shared HMAC key), built with
//     [IdentityFromCert] or by the transport layer.
//   - [Key]: a shared secret that never prints itself, loaded with
//     [LoadKeyFile], [KeyFromEnv] or [KeyFromPassphrase].
//   - Strong HMAC mode ([ServerProof], [ClientProof], [SessionKeys],
//     [MessageMAC]): a mutual challenge-response and per-message MACs with
//     replay and reflection protection, for flint-to-flint links only.
//   - [Rules]: "identity X may call methods M of object O" authorization
//     rules, with a compact text form parsed by [ParseRule].
//
// # Strong HMAC mode
//
// With a shared key K, the two sides run:
//
//	client -> server   Nc                          (NonceSize random bytes)
//	server -> client   Ns, Ps = HMAC-SHA256(K, "flint strong v1 server" || Nc || Ns)
//	client -> server   Pc = HMAC-SHA256(K, "flint strong v1 client" || Nc || Ns)
//
// Each side checks the other's proof with [VerifyProof]. Both then derive
// direction keys with [SessionKeys]:
//
//	c2s = HKDF-SHA256(K, salt = Nc || Ns, info = "flint strong v1 c2s")[:32]
//	s2c = HKDF-SHA256(K, salt = Nc || Ns, info = "flint strong v1 s2c")[:32]
//
// and every later message in one direction carries
//
//	MAC = HMAC-SHA256(dirKey, counter (uint64 big endian) || part1 || part2 || ...)
//
// where counter starts at 0 and goes up by one per message ([MessageMAC]).
// The policy package drives this exchange over Pyro4 frames.
//
// # Invariants
//
//   - Secrets are compared only in constant time (hmac.Equal).
//   - A [Key] never formats, marshals or logs its bytes: fmt verbs, slog,
//     encoding/json and encoding/text all see "[redacted]" or an error, and
//     the bytes sit behind a function value so reflection-based dumpers
//     cannot reach them either.
//   - The zero Key and nonces of the wrong length never authenticate:
//     proofs computed from them are nil and [VerifyProof] refuses a nil or
//     short expected proof.
//   - [MessageMAC] accepts each counter value at most once and only in
//     order; a failed verification does not move the counter.
//   - [Rules] deny by default once at least one rule exists; a rule or
//     matcher that names no criterion matches nothing.
//   - Nothing here panics on peer-controlled input.
//
// # What is not a security boundary
//
// The shared HMAC key is a shared secret, not an identity: every holder of
// the key looks the same ([Identity].HMAC is just true). Pyro4's own
// HMAC mode (as spoken by Python peers) has no replay protection; only the
// strong mode above has it. An anonymous [Identity] means the transport
// proved nothing about the peer.
package auth
