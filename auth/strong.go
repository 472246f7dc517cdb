package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
)

// NonceSize is the length of the handshake nonces Nc and Ns.
const NonceSize = 32

// ProofSize is the length of a handshake proof and of a message MAC.
const ProofSize = sha256.Size

// SessionKeySize is the length of each direction key from [SessionKeys].
const SessionKeySize = 32

// Domain-separation labels of strong mode, version 1.
const (
	labelServer = "flint strong v1 server"
	labelClient = "flint strong v1 client"
	labelC2S    = "flint strong v1 c2s"
	labelS2C    = "flint strong v1 s2c"
)

// NewNonce returns NonceSize bytes from crypto/rand.
func NewNonce() ([]byte, error) {
	n := make([]byte, NonceSize)
	if _, err := rand.Read(n); err != nil {
		return nil, fmt.Errorf("auth: reading random nonce: %w", err)
	}
	return n, nil
}

// CheckNonce returns an error wrapping [ErrBadNonce] unless n is exactly
// NonceSize bytes. Check every nonce received from a peer with it.
func CheckNonce(n []byte) error {
	if len(n) != NonceSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadNonce, len(n), NonceSize)
	}
	return nil
}

// ServerProof returns HMAC-SHA256(k, "flint strong v1 server" || nc || ns),
// the server's answer to the client's challenge. It returns nil when k is
// the zero Key or a nonce is not NonceSize bytes; [VerifyProof] never
// accepts nil, so such input can never authenticate.
func ServerProof(k Key, nc, ns []byte) []byte { return proof(k, labelServer, nc, ns) }

// ClientProof returns HMAC-SHA256(k, "flint strong v1 client" || nc || ns),
// the client's answer to the server's challenge. Like [ServerProof] it
// returns nil for a zero key or a nonce of the wrong length.
func ClientProof(k Key, nc, ns []byte) []byte { return proof(k, labelClient, nc, ns) }

func proof(k Key, label string, nc, ns []byte) []byte {
	if k.IsZero() || CheckNonce(nc) != nil || CheckNonce(ns) != nil {
		return nil
	}
	m := hmac.New(sha256.New, k.raw())
	m.Write([]byte(label))
	m.Write(nc)
	m.Write(ns)
	return m.Sum(nil)
}

// VerifyProof reports whether the proof got from the peer equals the proof
// want computed locally, in constant time. It returns false when want is
// not ProofSize bytes long (for instance nil from [ServerProof]).
func VerifyProof(want, got []byte) bool {
	if len(want) != ProofSize {
		return false
	}
	return hmac.Equal(want, got)
}

// SessionKeys derives the client-to-server and server-to-client message
// keys from the shared key and both nonces:
// HKDF-SHA256(k, salt = nc || ns, info = "flint strong v1 c2s" or
// "flint strong v1 s2c"), 32 bytes each. Call it only after both proofs
// have verified.
func SessionKeys(k Key, nc, ns []byte) (c2s, s2c []byte, err error) {
	if k.IsZero() {
		return nil, nil, ErrNoKey
	}
	if err := CheckNonce(nc); err != nil {
		return nil, nil, fmt.Errorf("client nonce: %w", err)
	}
	if err := CheckNonce(ns); err != nil {
		return nil, nil, fmt.Errorf("server nonce: %w", err)
	}
	salt := make([]byte, 0, 2*NonceSize)
	salt = append(append(salt, nc...), ns...)
	c2s, err = hkdf.Key(sha256.New, k.raw(), salt, labelC2S, SessionKeySize)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: deriving c2s key: %w", err)
	}
	s2c, err = hkdf.Key(sha256.New, k.raw(), salt, labelS2C, SessionKeySize)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: deriving s2c key: %w", err)
	}
	return c2s, s2c, nil
}

// MessageMAC signs or verifies the messages of one direction of a strong
// mode session. Each message's MAC is
//
//	HMAC-SHA256(key, counter as uint64 big endian || parts[0] || parts[1] || ...)
//
// and the counter, starting at 0, goes up by one for each message signed or
// successfully verified. A replayed, reordered, dropped or reflected
// message therefore fails to verify. The parts are concatenated without
// separators, so their boundaries must be fixed by the message itself (a
// Pyro4 header carries the lengths of what follows it).
//
// Use one MessageMAC per direction: the sender calls only Sign, the
// receiver only Verify. A MessageMAC is not safe for concurrent use; the
// caller serialises access (messages are ordered anyway).
type MessageMAC struct {
	h       hash.Hash
	counter uint64
	ctr     [8]byte
	sum     [sha256.Size]byte
}

// NewMessageMAC returns a MessageMAC for one direction key (from
// [SessionKeys]) with its counter at 0. The key is copied.
func NewMessageMAC(key []byte) *MessageMAC {
	return &MessageMAC{h: hmac.New(sha256.New, key)}
}

// Size returns the MAC length, 32.
func (m *MessageMAC) Size() int { return sha256.Size }

func (m *MessageMAC) compute(parts [][]byte) []byte {
	m.h.Reset()
	binary.BigEndian.PutUint64(m.ctr[:], m.counter)
	m.h.Write(m.ctr[:])
	for _, p := range parts {
		m.h.Write(p)
	}
	return m.h.Sum(m.sum[:0])
}

// Sign returns the MAC of the next message, made of parts, and advances the
// counter. It panics after 2^64-1 messages rather than reuse a counter.
func (m *MessageMAC) Sign(parts ...[]byte) []byte {
	if m.counter == math.MaxUint64 {
		panic("auth: MessageMAC counter exhausted")
	}
	mac := append([]byte(nil), m.compute(parts)...)
	m.counter++
	return mac
}

// Verify checks mac against the next expected message, made of parts, in
// constant time. On success the counter advances. On failure it returns
// [ErrBadMAC] and the counter stays where it was; the caller should close
// the connection.
func (m *MessageMAC) Verify(mac []byte, parts ...[]byte) error {
	if len(mac) != sha256.Size || m.counter == math.MaxUint64 {
		return ErrBadMAC
	}
	if !hmac.Equal(m.compute(parts), mac) {
		return ErrBadMAC
	}
	m.counter++
	return nil
}
