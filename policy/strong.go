package policy

import (
	"encoding/binary"
	"fmt"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/wire"
)

// Strong HMAC handshake, carried in Pyro4 MSG_PING frames (serializer id 42)
// before the Pyro4 CONNECT, so that a Pyro4 daemon answers it with a clear
// CONNECTFAIL instead of misreading it:
//
//	client -> daemon  PING, annotation FSH1 = Nc (32 bytes)
//	daemon -> client  PING, annotation FSH2 = Ns || ServerProof(K, Nc, Ns)
//	client -> daemon  PING, annotation FSH3 = ClientProof(K, Nc, Ns)
//
// Both then MAC every message with keys derived from K, Nc and Ns (one per
// direction) and an implicit per-direction counter, over the header, every
// annotation (key, length and value) and the payload. A daemon that refuses
// the client's proof sends a PING with annotation FERR before closing.
const (
	annHello    = "FSH1"
	annChall    = "FSH2"
	annProof    = "FSH3"
	annRefuse   = "FERR"
	annMAC      = "FMAC"
	strongHello = "flint-strong-v1"
)

// strongAuth is a wire.Authenticator over one direction pair of MessageMACs.
type strongAuth struct {
	send, recv *auth.MessageMAC
}

var _ wire.SegmentSigner = (*strongAuth)(nil)

func (a *strongAuth) Key() string { return annMAC }
func (a *strongAuth) Size() int   { return a.send.Size() }

func (a *strongAuth) Sign(header []byte, anns []wire.Annotation, data []byte) ([]byte, error) {
	return a.send.Sign(header, encodeAnns(anns), data), nil
}

// SignSegments signs a payload in pieces; the MAC is Sign's over the
// joined payload.
func (a *strongAuth) SignSegments(header []byte, anns []wire.Annotation, data [][]byte) ([]byte, error) {
	parts := make([][]byte, 0, 2+len(data))
	parts = append(parts, header, encodeAnns(anns))
	return a.send.Sign(append(parts, data...)...), nil
}

func (a *strongAuth) Verify(header []byte, anns []wire.Annotation, data []byte, mac []byte) error {
	return a.recv.Verify(mac, header, encodeAnns(anns), data)
}

func encodeAnns(anns []wire.Annotation) []byte {
	n := 0
	for _, a := range anns {
		n += 6 + len(a.Value)
	}
	b := make([]byte, 0, n)
	for _, a := range anns {
		b = append(b, a.Key...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}

func pingWith(key string, v []byte) *wire.Message {
	return &wire.Message{Type: wire.MsgPing, SerializerID: serial.IDPing,
		Annotations: []wire.Annotation{{Key: key, Value: v}}, Data: []byte(strongHello)}
}

func strongServer(c *Conn) error {
	k := c.p.HMACKey
	m, err := c.r.ReadMessage()
	if err != nil {
		return fmt.Errorf("%w: reading hello: %v", ErrHandshake, err)
	}
	nc, ok := m.Annotation(annHello)
	if m.Type != wire.MsgPing || !ok || len(nc) != 32 {
		reason := "this daemon requires flint strong HMAC authentication (FLINT_HMAC_MODE=strong with the shared key)"
		_ = c.w.WriteMessage(connectFail(reason))
		return fmt.Errorf("%w: peer sent %s without a strong hello", ErrDowngrade, m.Type)
	}
	ns, err := auth.NewNonce()
	if err != nil {
		return err
	}
	chall := append(append([]byte{}, ns...), auth.ServerProof(k, nc, ns)...)
	if err := c.w.WriteMessage(pingWith(annChall, chall)); err != nil {
		return fmt.Errorf("%w: %v", ErrHandshake, err)
	}
	m, err = c.r.ReadMessage()
	if err != nil {
		return fmt.Errorf("%w: reading proof: %v", ErrHandshake, err)
	}
	proof, ok := m.Annotation(annProof)
	if m.Type != wire.MsgPing || !ok || !auth.VerifyProof(auth.ClientProof(k, nc, ns), proof) {
		_ = c.w.WriteMessage(pingWith(annRefuse, []byte("bad HMAC proof")))
		return fmt.Errorf("%w: client proof of the HMAC key is wrong", ErrHandshake)
	}
	c2s, s2c, err := auth.SessionKeys(k, nc, ns)
	if err != nil {
		return err
	}
	a := &strongAuth{send: auth.NewMessageMAC(s2c), recv: auth.NewMessageMAC(c2s)}
	c.auth = a
	c.r.SetAuthenticator(a)
	c.w.SetAuthenticator(a)
	return nil
}

func strongClient(c *Conn) error {
	k := c.p.HMACKey
	nc, err := auth.NewNonce()
	if err != nil {
		return err
	}
	if err := c.w.WriteMessage(pingWith(annHello, nc)); err != nil {
		return fmt.Errorf("%w: %v", ErrHandshake, err)
	}
	m, err := c.r.ReadMessage()
	if err != nil {
		return fmt.Errorf("%w: reading challenge: %v", ErrHandshake, err)
	}
	chall, ok := m.Annotation(annChall)
	if m.Type != wire.MsgPing || !ok || len(chall) != 64 {
		return fmt.Errorf("%w: daemon answered %s (is it a Pyro4 daemon or without an HMAC key?)", ErrDowngrade, m.Type)
	}
	ns, proof := chall[:32], chall[32:]
	if !auth.VerifyProof(auth.ServerProof(k, nc, ns), proof) {
		return fmt.Errorf("%w: daemon's proof of the HMAC key is wrong", ErrHandshake)
	}
	if err := c.w.WriteMessage(pingWith(annProof, auth.ClientProof(k, nc, ns))); err != nil {
		return fmt.Errorf("%w: %v", ErrHandshake, err)
	}
	c2s, s2c, err := auth.SessionKeys(k, nc, ns)
	if err != nil {
		return err
	}
	a := &strongAuth{send: auth.NewMessageMAC(c2s), recv: auth.NewMessageMAC(s2c)}
	c.auth = a
	c.r.SetAuthenticator(a)
	c.w.SetAuthenticator(a)
	return nil
}

// connectFail builds a Pyro4 CONNECTFAIL carrying reason as a marshal str,
// the form Pyro4 uses before a serializer is agreed.
func connectFail(reason string) *wire.Message {
	return &wire.Message{Type: wire.MsgConnectFail, SerializerID: serial.IDMarshal, Data: MarshalStr(reason)}
}

// MarshalStr encodes s as a Python marshal str ('u' type). It exists so the
// gate can refuse a peer before any serializer is agreed without depending
// on the codec packages.
func MarshalStr(s string) []byte {
	b := make([]byte, 0, 5+len(s))
	b = append(b, 'u')
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
