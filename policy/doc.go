// Package policy is flint's gate: every connection, accepted or dialed, on
// every transport, passes through it before the object dispatcher sees a
// single frame.
//
// A [Policy] says what a connection must prove and what it may do. Its zero
// value is the secure default:
//
//   - 2-way TLS (TLS 1.2 minimum, 1.3 preferred) with client certificates
//     required and verified; or, on a Unix socket, a peer whose uid or gid is
//     on the allow-list (SO_PEERCRED). Plaintext needs the loudly named
//     AllowInsecurePlaintext (or FLINT_INSECURE=1).
//   - When an HMAC key is set, flint's strong mode: a mutual
//     challenge-response at connect and a per-message MAC over the whole
//     message with per-direction keys and counters. Pyro4's weak legacy HMAC
//     must be asked for by name, for Pyro4 peers.
//   - The serializer allow-list serpent, json, marshal, msgpack.
//   - Finite limits on message size, decompressed size, nesting, handshake
//     and idle time, connections, concurrent calls and open streams.
//   - Authorization rules, deny by default once any rule exists.
//
// # Invariants
//
//   - [Gate.Accept] and [Dial] are the only ways to obtain a [Conn]; a Conn
//     only hands out messages that passed the size limits, the MAC and the
//     serializer allow-list.
//   - Secrets never reach logs; MACs and proofs are compared in constant
//     time (in package auth and wire).
//   - A failed check closes that connection only.
//
// The Pyro4 header checksum is not integrity, and Pyro4's HMAC does not
// cover the header, has no replay protection and uses SHA-1: it is offered
// for interoperability, never as a security boundary. See SECURITY.md.
package policy
