package policy

import (
	"bytes"
	"context"
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
