package wire

import (
	"crypto/hmac"
	"crypto/sha1"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
)

// Authenticator adds and checks a MAC chunk. Implementations must be safe
// for concurrent use: one value is typically shared by a connection's
// Reader and Writer.
type Authenticator interface {
	// Key returns the 4-byte annotation key of the MAC chunk, e.g. "HMAC".
	Key() string
	// Size returns the length of the MAC in bytes.
	Size() int
	// Sign returns the MAC of a message. header is the final 24 wire bytes
	// (sizes already include the MAC chunk, checksum final); anns are the
	// other chunks in wire order; data is the payload exactly as on the wire
	// (still compressed). The inputs must not be retained or modified.
	Sign(header []byte, anns []Annotation, data []byte) ([]byte, error)
	// Verify checks mac against the same inputs as Sign, in constant time.
	// A mismatch should be reported with an error wrapping ErrMACMismatch
	// (the Reader wraps other errors in it).
	Verify(header []byte, anns []Annotation, data []byte, mac []byte) error
}

// SegmentSigner is implemented by an [Authenticator] that can sign a
// payload held in pieces (see [Message.Segments]) without joining them
// first. The MAC must equal Sign's over the concatenated pieces. A Writer
// joins the pieces for an Authenticator without it.
type SegmentSigner interface {
	SignSegments(header []byte, anns []Annotation, data [][]byte) ([]byte, error)
}

// Pyro4HMAC returns the authenticator Pyro4 4.82 uses when an HMAC key is
// configured: chunk "HMAC" holding HMAC-SHA1(key, data || values of the other
// chunks sorted by key). The header, the annotation keys and the lengths are
// not covered.
//
// This MAC is weak and exists only for interoperability. It does not protect
// the header (type, flags such as ONEWAY or COMPRESSED, seq, serializer id),
// annotation keys or the boundary between annotation values and payload, so
// those can be changed without detection; it has no nonce or counter, so
// messages can be replayed and reflected to the sender (the same key signs
// both directions); it uses SHA-1 with the raw key. Use TLS, and flint's
// stronger authenticators when the peer is not Python Pyro4.
//
// The key is copied. An empty key panics: Pyro4 treats it as "no HMAC",
// which must be chosen explicitly with a nil Authenticator rather than by
// accident. The returned value never prints its key.
func Pyro4HMAC(key []byte) Authenticator {
	if len(key) == 0 {
		panic("wire: Pyro4HMAC with an empty key; use a nil Authenticator for no HMAC")
	}
	p := &pyro4HMAC{key: append([]byte(nil), key...)}
	p.pool.New = func() any { return hmac.New(sha1.New, p.key) }
	return p
}

type pyro4HMAC struct {
	key  []byte
	pool sync.Pool // of hash.Hash keyed with key
}

var (
	_ Authenticator = (*pyro4HMAC)(nil)
	_ SegmentSigner = (*pyro4HMAC)(nil)
)

func (p *pyro4HMAC) Key() string { return KeyHMAC }
func (p *pyro4HMAC) Size() int   { return sha1.Size }

func (p *pyro4HMAC) Sign(_ []byte, anns []Annotation, data []byte) ([]byte, error) {
	return p.sum(anns, data), nil
}

func (p *pyro4HMAC) SignSegments(_ []byte, anns []Annotation, data [][]byte) ([]byte, error) {
	return p.sum(anns, data...), nil
}

func (p *pyro4HMAC) Verify(_ []byte, anns []Annotation, data []byte, mac []byte) error {
	if !hmac.Equal(mac, p.sum(anns, data)) {
		return ErrMACMismatch
	}
	return nil
}

// sum computes the MAC over data (the payload, in pieces), then the values of anns (except an HMAC
// chunk) in byte-wise key order. Keys are unique (the codec rejects
// repeats), so the order is total.
func (p *pyro4HMAC) sum(anns []Annotation, data ...[]byte) []byte {
	h := p.pool.Get().(hash.Hash)
	h.Reset()
	for _, d := range data {
		h.Write(d)
	}
	var small [smallDupScan]int
	idx := small[:0]
	if len(anns) <= len(small) {
		// Insertion sort without allocating: the usual case is 0-3 chunks.
		for i := range anns {
			if anns[i].Key == KeyHMAC {
				continue
			}
			j := len(idx)
			idx = append(idx, i)
			for j > 0 && anns[idx[j-1]].Key > anns[i].Key {
				idx[j] = idx[j-1]
				j--
			}
			idx[j] = i
		}
	} else {
		idx = make([]int, 0, len(anns))
		for i := range anns {
			if anns[i].Key != KeyHMAC {
				idx = append(idx, i)
			}
		}
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(anns[a].Key, anns[b].Key) })
	}
	for _, i := range idx {
		h.Write(anns[i].Value)
	}
	out := h.Sum(make([]byte, 0, sha1.Size))
	p.pool.Put(h)
	return out
}

// String, GoString and Format keep the key out of logs.
func (p *pyro4HMAC) String() string   { return "wire.Pyro4HMAC(key redacted)" }
func (p *pyro4HMAC) GoString() string { return p.String() }
func (p *pyro4HMAC) Format(f fmt.State, _ rune) {
	_, _ = f.Write([]byte(p.String()))
}
