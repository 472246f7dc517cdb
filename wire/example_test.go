package wire_test

import (
	"bytes"
	"fmt"

	"github.com/flintrpc/flint/wire"
)

// A signed ping as Pyro4 sends it, written and read back.
func Example() {
	auth := wire.Pyro4HMAC([]byte("vector-hmac-key"))

	var conn bytes.Buffer // stands in for a net.Conn
	w := wire.NewWriter(&conn)
	w.SetAuthenticator(auth)
	if err := w.WriteMessage(&wire.Message{Type: wire.MsgPing, SerializerID: 42, Data: []byte("ping")}); err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", conn.Bytes())

	r := wire.NewReader(&conn, wire.Limits{})
	r.SetAuthenticator(auth)
	m, err := r.ReadMessage()
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Type, m.Flags, m.SerializerID, string(m.Data), len(m.Annotations))
	// Output:
	// 5059524f003000060000000000000004002a001a00003567484d41430014c177524010c3ba26cf78417d06f788bed3b31b6470696e67
	// PING 0 42 ping 0
}
