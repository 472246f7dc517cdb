package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headerMAC is a test authenticator that, unlike Pyro4's, signs the header
// and the chunk layout. It records what Sign saw.
type headerMAC struct {
	key        []byte
	lastHeader []byte
	verifyErr  error
}

func (h *headerMAC) Key() string { return "FMAC" }
func (h *headerMAC) Size() int   { return sha256.Size }

func (h *headerMAC) mac(header []byte, anns []Annotation, data []byte) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write(header)
	for _, a := range anns {
		m.Write([]byte(a.Key))
		m.Write(binary.BigEndian.AppendUint16(nil, uint16(len(a.Value))))
		m.Write(a.Value)
	}
	m.Write(data)
	return m.Sum(nil)
}

func (h *headerMAC) Sign(header []byte, anns []Annotation, data []byte) ([]byte, error) {
	h.lastHeader = bytes.Clone(header)
	return h.mac(header, anns, data), nil
}

func (h *headerMAC) Verify(header []byte, anns []Annotation, data []byte, mac []byte) error {
	if h.verifyErr != nil {
		return h.verifyErr
	}
	if !hmac.Equal(mac, h.mac(header, anns, data)) {
		return ErrMACMismatch
	}
	return nil
}

func TestCustomAuthenticator(t *testing.T) {
	a := &headerMAC{key: []byte("strong")}
	m := &Message{Type: MsgInvoke, Seq: 42, SerializerID: 1, Data: []byte("call")}
	m.SetAnnotation(KeyCorrelation, make([]byte, 16))
	raw, err := AppendMessage(nil, m, a)
	require.NoError(t, err)

	// Sign saw the final header: valid checksum, sizes including its chunk.
	require.Equal(t, raw[:HeaderSize], a.lastHeader)
	h, err := ParseHeader(a.lastHeader)
	require.NoError(t, err)
	assert.EqualValues(t, 22+6+sha256.Size, h.AnnotationsSize)

	got, err := readOne(raw, Limits{}, a)
	require.NoError(t, err)
	assert.Equal(t, m.Annotations, got.Annotations, "MAC chunk removed")
	assert.Equal(t, m.Data, got.Data)

	// Header tampering that Pyro4's HMAC misses is caught by this one.
	bad := bytes.Clone(raw)
	bad[9] |= byte(FlagOneway)
	binary.BigEndian.PutUint16(bad[22:], binary.BigEndian.Uint16(bad[22:])+uint16(FlagOneway))
	_, err = ParseHeader(bad)
	require.NoError(t, err)
	_, err = readOne(bad, Limits{}, a)
	require.ErrorIs(t, err, ErrMACMismatch)

	// The MAC chunk need not be last on read (Pyro4 does not require it).
	corr := chunk(KeyCorrelation, make([]byte, 16))
	macChunk := raw[HeaderSize+len(corr) : len(raw)-len(m.Data)]
	reordered := append(append(bytes.Clone(raw[:HeaderSize]), macChunk...), corr...)
	reordered = append(reordered, m.Data...)
	_, err = readOne(reordered, Limits{}, a)
	require.NoError(t, err)

	// Symmetry: missing chunk, unexpected chunk, and "HMAC" stays reserved.
	plain, err := AppendMessage(nil, m, nil)
	require.NoError(t, err)
	_, err = readOne(plain, Limits{}, a)
	require.ErrorIs(t, err, ErrMACNotSymmetric)
	_, err = readOne(raw, Limits{}, nil)
	require.NoError(t, err, "an unknown FMAC chunk is an ordinary chunk to a receiver without authenticator")
	pyro, err := AppendMessage(nil, m, Pyro4HMAC([]byte("k")))
	require.NoError(t, err)
	_, err = readOne(pyro, Limits{}, a)
	require.ErrorIs(t, err, ErrMACNotSymmetric)

	// A Verify error that is not ErrMACMismatch still is one for callers.
	odd := errors.New("authenticator exploded")
	a.verifyErr = odd
	_, err = readOne(raw, Limits{}, a)
	require.ErrorIs(t, err, ErrMACMismatch)
	require.ErrorIs(t, err, odd)
}

// shortMAC announces one size and returns another.
type shortMAC struct{ headerMAC }

func (s *shortMAC) Size() int { return 8 }

func TestAuthenticatorWrongSize(t *testing.T) {
	_, err := AppendMessage(nil, &Message{Type: MsgInvoke}, &shortMAC{headerMAC{key: []byte("k")}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "32-byte MAC, announced 8")
}

func TestReaderAuthenticatorUpgrade(t *testing.T) {
	// A handshake in the clear, then everything signed.
	strong := &headerMAC{key: []byte("session")}
	m := &Message{Type: MsgConnect, Data: []byte("hello")}
	first, err := AppendMessage(nil, m, nil)
	require.NoError(t, err)
	second, err := AppendMessage(nil, &Message{Type: MsgInvoke, Seq: 1, Data: []byte("call")}, strong)
	require.NoError(t, err)
	r := NewReader(bytes.NewReader(append(first, second...)), Limits{})
	got, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, MsgConnect, got.Type)
	r.SetAuthenticator(strong)
	got, err = r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "call", string(got.Data))
}
