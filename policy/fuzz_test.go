package policy

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/transport"
	"github.com/flintrpc/flint/wire"
)

// FuzzStrongHandshake feeds arbitrary bytes to the daemon side of the
// strong-HMAC handshake. It must fail cleanly (never panic or hang) unless
// the bytes are a valid client hello followed by a valid proof, which the
// fuzzer cannot forge.
func FuzzStrongHandshake(f *testing.F) {
	hello, _ := wire.AppendMessage(nil, pingWith(annHello, bytes.Repeat([]byte{7}, 32)), nil)
	f.Add(hello)
	f.Add(append(append([]byte{}, hello...), hello...))
	connect, _ := wire.AppendMessage(nil, &wire.Message{Type: wire.MsgConnect, SerializerID: serial.IDSerpent, Data: []byte("x")}, nil)
	f.Add(connect)
	f.Add([]byte("PYRO"))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, b, err := transport.SocketPair()
		if err != nil {
			t.Skip(err)
		}
		defer b.Close()
		pol := &Policy{AllowInsecurePlaintext: true, HMACKey: auth.NewKey([]byte("fuzz-key")),
			Limits: Limits{HandshakeTimeout: 200 * time.Millisecond}}
		g, err := NewGate(pol, "unix")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			_, _ = b.Write(in)
			_ = b.(interface{ CloseWrite() error }).CloseWrite() // EOF after the input
			// Drain whatever the daemon answers so its writes never block.
			buf := make([]byte, 4096)
			for {
				if _, err := b.Read(buf); err != nil {
					return
				}
			}
		}()
		c, err := g.Accept(context.Background(), a)
		if err == nil {
			c.Close()
			t.Fatalf("handshake accepted forged input %x", in)
		}
		if g.Open() != 0 {
			t.Fatalf("gate leaked a connection slot")
		}
	})
}

// FuzzAwait feeds arbitrary bytes to a client connection read the way a
// proxy reads replies: Await, then ReadMessage. Once Await reports a whole
// message buffered, ReadMessage must not wait for more bytes; nothing may
// panic or hang.
func FuzzAwait(f *testing.F) {
	ok, _ := wire.AppendMessage(nil, &wire.Message{Type: wire.MsgResult, Seq: 3, SerializerID: serial.IDMsgpack, Data: []byte{0xc3}}, nil)
	f.Add(ok)
	f.Add(append(append([]byte{}, ok...), ok[:30]...))
	f.Add(ok[:wire.HeaderSize])
	big, _ := wire.AppendMessage(nil, &wire.Message{Type: wire.MsgResult, SerializerID: serial.IDMsgpack, Data: bytes.Repeat([]byte{1}, 3*readBufferSize)}, nil)
	f.Add(big)
	f.Add([]byte("PYRO\x00\x30garbage"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 {
			return // larger inputs only take longer to write
		}
		_, cli, srvRaw := plainPair(t)
		go func() {
			_, _ = srvRaw.Conn.Write(in)
			_ = srvRaw.Conn.(interface{ CloseWrite() error }).CloseWrite()
		}()
		_ = cli.SetReadDeadline(time.Now().Add(5 * time.Second))
		for range 1000 {
			err := cli.Await()
			if err != nil && !errors.Is(err, ErrNotBuffered) {
				if isTimeout(err) {
					t.Fatalf("Await hung on %x", in)
				}
				return // the input ended
			}
			whole := err == nil
			_ = cli.SetReadDeadline(time.Now().Add(5 * time.Second))
			if whole {
				// Nothing more may be needed: a deadline in the past
				// makes any further socket read fail at once.
				_ = cli.SetReadDeadline(time.Unix(1, 0))
			}
			_, err = cli.ReadMessage()
			_ = cli.SetReadDeadline(time.Now().Add(5 * time.Second))
			if err != nil {
				if whole && isTimeout(err) {
					t.Fatalf("ReadMessage read past what Await buffered: %x", in)
				}
				return
			}
		}
	})
}
