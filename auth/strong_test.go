package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func nonces(t testing.TB) (nc, ns []byte) {
	t.Helper()
	nc, err := NewNonce()
	require.NoError(t, err)
	ns, err = NewNonce()
	require.NoError(t, err)
	return nc, ns
}

func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// rfc5869 computes a 32-byte HKDF-SHA256 output straight from RFC 5869
// (extract, then one expand block), independently of crypto/hkdf.
func rfc5869(ikm, salt []byte, info string) []byte {
	prk := hmacSHA256(salt, ikm)
	return hmacSHA256(prk, []byte(info), []byte{1})
}

func TestNewNonce(t *testing.T) {
	a, b := nonces(t)
	assert.Len(t, a, NonceSize)
	assert.Len(t, b, NonceSize)
	assert.NotEqual(t, a, b)
	assert.NoError(t, CheckNonce(a))
	assert.ErrorIs(t, CheckNonce(a[:31]), ErrBadNonce)
	assert.ErrorIs(t, CheckNonce(append(a, 0)), ErrBadNonce)
	assert.ErrorIs(t, CheckNonce(nil), ErrBadNonce)
}

func TestProofsFollowTheSpec(t *testing.T) {
	k := NewKey([]byte("shared secret"))
	nc, ns := nonces(t)
	ps, pc := ServerProof(k, nc, ns), ClientProof(k, nc, ns)
	assert.Equal(t, hmacSHA256(k.Bytes(), []byte("flint strong v1 server"), nc, ns), ps)
	assert.Equal(t, hmacSHA256(k.Bytes(), []byte("flint strong v1 client"), nc, ns), pc)
	assert.Len(t, ps, ProofSize)
	assert.NotEqual(t, ps, pc, "server and client proofs are domain-separated")

	assert.True(t, VerifyProof(ServerProof(k, nc, ns), ps))
	assert.True(t, VerifyProof(ClientProof(k, nc, ns), pc))
	assert.False(t, VerifyProof(ClientProof(k, nc, ns), ps), "a server proof is not a client proof")
	assert.False(t, VerifyProof(ServerProof(NewKey([]byte("other")), nc, ns), ps), "wrong key")
	assert.False(t, VerifyProof(ServerProof(k, ns, nc), ps), "swapped nonces")
	nc2, _ := nonces(t)
	assert.False(t, VerifyProof(ServerProof(k, nc2, ns), ps), "other client nonce")
	assert.False(t, VerifyProof(ps, ps[:31]), "truncated proof")
	assert.False(t, VerifyProof(ps, nil))
	tampered := bytes.Clone(ps)
	tampered[5] ^= 1
	assert.False(t, VerifyProof(ps, tampered))
}

func TestProofsRefuseBadInput(t *testing.T) {
	k := NewKey([]byte("shared secret"))
	nc, ns := nonces(t)
	assert.Nil(t, ServerProof(Key{}, nc, ns), "the zero key never proves anything")
	assert.Nil(t, ClientProof(Key{}, nc, ns))
	assert.Nil(t, ServerProof(k, nc[:16], ns))
	assert.Nil(t, ServerProof(k, nc, append(ns, 1)))
	assert.Nil(t, ClientProof(k, nil, nil))
	assert.False(t, VerifyProof(nil, nil), "nil must never verify, even against nil")
	assert.False(t, VerifyProof([]byte{}, []byte{}))
	assert.False(t, VerifyProof(ServerProof(Key{}, nc, ns), ServerProof(Key{}, nc, ns)))
}

func TestSessionKeys(t *testing.T) {
	k := NewKey([]byte("shared secret"))
	nc, ns := nonces(t)
	c2s, s2c, err := SessionKeys(k, nc, ns)
	require.NoError(t, err)
	salt := append(bytes.Clone(nc), ns...)
	assert.Equal(t, rfc5869(k.Bytes(), salt, "flint strong v1 c2s"), c2s)
	assert.Equal(t, rfc5869(k.Bytes(), salt, "flint strong v1 s2c"), s2c)
	assert.Len(t, c2s, SessionKeySize)
	assert.NotEqual(t, c2s, s2c)

	// The other side, with its own copy of the key, derives the same keys.
	c2sB, s2cB, err := SessionKeys(NewKey(k.Bytes()), bytes.Clone(nc), bytes.Clone(ns))
	require.NoError(t, err)
	assert.Equal(t, c2s, c2sB)
	assert.Equal(t, s2c, s2cB)

	// Fresh nonces give fresh keys.
	nc2, ns2 := nonces(t)
	c2s2, s2c2, err := SessionKeys(k, nc2, ns2)
	require.NoError(t, err)
	assert.NotEqual(t, c2s, c2s2)
	assert.NotEqual(t, s2c, s2c2)
	c2s3, _, err := SessionKeys(k, nc, ns2)
	require.NoError(t, err)
	assert.NotEqual(t, c2s, c2s3, "a new server nonce alone changes the keys")

	_, _, err = SessionKeys(Key{}, nc, ns)
	assert.ErrorIs(t, err, ErrNoKey)
	_, _, err = SessionKeys(k, nc[:1], ns)
	assert.ErrorIs(t, err, ErrBadNonce)
	_, _, err = SessionKeys(k, nc, nil)
	assert.ErrorIs(t, err, ErrBadNonce)
}

// TestStrongHandshakeOverPipe runs the whole strong-mode exchange between
// two goroutines over a real in-memory connection, then sends MAC'd
// messages both ways.
func TestStrongHandshakeOverPipe(t *testing.T) {
	key := NewKey([]byte("pipe key"))
	cConn, sConn := net.Pipe()
	defer cConn.Close()
	defer sConn.Close()

	type result struct {
		send, recv *MessageMAC
		err        error
	}
	serverDone := make(chan result, 1)
	go func() {
		res := func() result {
			nc := make([]byte, NonceSize)
			if _, err := io.ReadFull(sConn, nc); err != nil {
				return result{err: err}
			}
			if err := CheckNonce(nc); err != nil {
				return result{err: err}
			}
			ns, err := NewNonce()
			if err != nil {
				return result{err: err}
			}
			if _, err := sConn.Write(append(bytes.Clone(ns), ServerProof(key, nc, ns)...)); err != nil {
				return result{err: err}
			}
			pc := make([]byte, ProofSize)
			if _, err := io.ReadFull(sConn, pc); err != nil {
				return result{err: err}
			}
			if !VerifyProof(ClientProof(key, nc, ns), pc) {
				return result{err: ErrBadMAC}
			}
			c2s, s2c, err := SessionKeys(key, nc, ns)
			return result{send: NewMessageMAC(s2c), recv: NewMessageMAC(c2s), err: err}
		}()
		serverDone <- res
	}()

	nc, err := NewNonce()
	require.NoError(t, err)
	_, err = cConn.Write(nc)
	require.NoError(t, err)
	reply := make([]byte, NonceSize+ProofSize)
	_, err = io.ReadFull(cConn, reply)
	require.NoError(t, err)
	ns, ps := reply[:NonceSize], reply[NonceSize:]
	require.True(t, VerifyProof(ServerProof(key, nc, ns), ps), "client verifies the server")
	_, err = cConn.Write(ClientProof(key, nc, ns))
	require.NoError(t, err)
	c2s, s2c, err := SessionKeys(key, nc, ns)
	require.NoError(t, err)
	clientSend, clientRecv := NewMessageMAC(c2s), NewMessageMAC(s2c)

	srv := <-serverDone
	require.NoError(t, srv.err)
	for i := 0; i < 3; i++ {
		msg := []byte{byte(i), 'h', 'i'}
		require.NoError(t, srv.recv.Verify(clientSend.Sign(msg), msg))
		require.NoError(t, clientRecv.Verify(srv.send.Sign(msg), msg))
	}
}

func TestMessageMACFollowsTheSpec(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	m := NewMessageMAC(key)
	assert.Equal(t, 32, m.Size())
	for ctr := uint64(0); ctr < 3; ctr++ {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], ctr)
		want := hmacSHA256(key, c[:], []byte("head"), []byte("body"))
		assert.Equal(t, want, m.Sign([]byte("head"), []byte("body")), "counter %d", ctr)
	}
}

func TestMessageMACKeyIsCopied(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	s := NewMessageMAC(key)
	key[0] = 2
	v := NewMessageMAC(bytes.Repeat([]byte{1}, 32))
	require.NoError(t, v.Verify(s.Sign([]byte("m")), []byte("m")))
}

func TestMessageMACReplay(t *testing.T) {
	s, v := NewMessageMAC(make([]byte, 32)), NewMessageMAC(make([]byte, 32))
	msg := []byte("transfer 100")
	mac := s.Sign(msg)
	require.NoError(t, v.Verify(mac, msg))
	assert.ErrorIs(t, v.Verify(mac, msg), ErrBadMAC, "the same message twice must fail")
}

func TestMessageMACReorder(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s, v := NewMessageMAC(key), NewMessageMAC(key)
	m1, m2 := []byte("first"), []byte("second")
	mac1, mac2 := s.Sign(m1), s.Sign(m2)
	assert.ErrorIs(t, v.Verify(mac2, m2), ErrBadMAC, "second message first")
	// A failure does not move the counter: the right order still works.
	require.NoError(t, v.Verify(mac1, m1))
	require.NoError(t, v.Verify(mac2, m2))
	// A dropped message makes the following one fail.
	s.Sign([]byte("dropped"))
	assert.ErrorIs(t, v.Verify(s.Sign([]byte("after")), []byte("after")), ErrBadMAC)
}

func TestMessageMACReflection(t *testing.T) {
	nc, ns := nonces(t)
	c2s, s2c, err := SessionKeys(NewKey([]byte("k")), nc, ns)
	require.NoError(t, err)
	clientSend := NewMessageMAC(c2s)
	clientRecv := NewMessageMAC(s2c)
	msg := []byte("hello")
	mac := clientSend.Sign(msg)
	// An attacker bounces the client's own message back to it.
	assert.ErrorIs(t, clientRecv.Verify(mac, msg), ErrBadMAC)
	// The intended receiver accepts it.
	require.NoError(t, NewMessageMAC(c2s).Verify(mac, msg))
}

func TestMessageMACTamper(t *testing.T) {
	key := []byte("tamper-key")
	parts := [][]byte{[]byte("header-bytes"), []byte("annotations"), []byte("payload data")}
	mac := NewMessageMAC(key).Sign(parts...)

	for pi := range parts {
		for bi := range parts[pi] {
			for _, bit := range []byte{0x01, 0x80} {
				cp := make([][]byte, len(parts))
				for i := range parts {
					cp[i] = bytes.Clone(parts[i])
				}
				cp[pi][bi] ^= bit
				assert.ErrorIs(t, NewMessageMAC(key).Verify(mac, cp...), ErrBadMAC, "part %d byte %d", pi, bi)
			}
		}
	}
	for bi := range mac {
		bad := bytes.Clone(mac)
		bad[bi] ^= 0x10
		assert.ErrorIs(t, NewMessageMAC(key).Verify(bad, parts...), ErrBadMAC, "mac byte %d", bi)
	}
	v := NewMessageMAC(key)
	assert.ErrorIs(t, v.Verify(mac[:31], parts...), ErrBadMAC)
	assert.ErrorIs(t, v.Verify(append(bytes.Clone(mac), 0), parts...), ErrBadMAC)
	assert.ErrorIs(t, v.Verify(nil, parts...), ErrBadMAC)
	assert.ErrorIs(t, v.Verify(mac, parts[0], parts[1]), ErrBadMAC, "dropped part")
	assert.ErrorIs(t, v.Verify(mac, append(parts, []byte("x"))...), ErrBadMAC, "extra part")
	assert.ErrorIs(t, NewMessageMAC([]byte("tamper-keY")).Verify(mac, parts...), ErrBadMAC, "other key")
	require.NoError(t, v.Verify(mac, parts...), "after all the failures the real message still verifies")
}

func BenchmarkMessageMAC100(b *testing.B) {
	key := bytes.Repeat([]byte{3}, 32)
	s, v := NewMessageMAC(key), NewMessageMAC(key)
	msg := bytes.Repeat([]byte{'x'}, 100)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(s.Sign(msg), msg); err != nil {
			b.Fatal(err)
		}
	}
}
