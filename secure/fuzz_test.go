package secure

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/codecs"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// FuzzDaemonInvoke sends arbitrary INVOKE payloads (and flags) to a live
// daemon over a real connection. The daemon must answer or close that
// connection, never crash or hang, and keep serving a well-behaved client.
func FuzzDaemonInvoke(f *testing.F) {
	reg := codecs.Registry()
	for _, name := range reg.Names() {
		c, _ := reg.ByName(name)
		good, _ := serial.EncodeCall(c, nil, serial.Call{Object: "calc", Method: "add", Args: []any{int64(1), int64(2)}, Kwargs: value.NewDict(0)})
		f.Add(uint8(c.ID()), uint16(0), good)
		batch, _ := serial.EncodeCall(c, nil, serial.Call{Object: "calc", Method: "<batch>", Args: []any{value.Tuple{"add", value.Tuple{int64(1), int64(2)}, value.NewDict(0)}}})
		f.Add(uint8(c.ID()), uint16(wire.FlagBatch), batch)
		echo, _ := serial.EncodeCall(c, nil, serial.Call{Object: "calc", Method: "echo", Args: []any{[]any{value.Tuple{int64(1)}, "x"}}, Kwargs: value.NewDict(0)})
		f.Add(uint8(c.ID()), uint16(wire.FlagOneway), echo)
	}
	var once sync.Once
	var d *Daemon
	var good *Proxy
	f.Cleanup(func() {
		if d != nil {
			good.Close()
			d.Close()
		}
	})
	f.Fuzz(func(t *testing.T, ser uint8, flags uint16, payload []byte) {
		once.Do(func() {
			var err error
			d, err = NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: insecure()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err = d.Register(calc{}, calcMethods, WithID("calc")); err != nil {
				t.Fatal(err)
			}
			go func() { _ = d.Serve(context.Background()) }()
			good, _ = NewProxy(d.URIFor("calc"), ProxyConfig{Policy: insecure()})
		})
		c, err := net.Dial("tcp", d.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		r, w := wire.NewReader(c, wire.Limits{}), wire.NewWriter(c)
		hs, _ := reg.ByID(serial.IDSerpent)
		data, _ := hs.Marshal(nil, "hello")
		if err := w.WriteMessage(&wire.Message{Type: wire.MsgConnect, SerializerID: serial.IDSerpent, Data: data}); err != nil {
			t.Fatal(err)
		}
		if m, err := r.ReadMessage(); err != nil || m.Type != wire.MsgConnectOK {
			t.Fatalf("handshake: %v", err)
		}
		fl := wire.Flags(flags) &^ (wire.FlagCompressed) // a bad zlib stream is the wire layer's concern
		if err := w.WriteMessage(&wire.Message{Type: wire.MsgInvoke, Flags: fl, Seq: 7, SerializerID: uint16(ser), Data: payload}); err != nil {
			return
		}
		if fl&wire.FlagOneway == 0 {
			if m, err := r.ReadMessage(); err == nil && m.Seq != 7 {
				t.Fatalf("reply seq %d, want 7", m.Seq)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := Call[int](ctx, good, "add", 2, 3)
		if err != nil || n != 5 {
			t.Fatalf("daemon stopped serving a good client: %v %v", n, err)
		}
	})
}
