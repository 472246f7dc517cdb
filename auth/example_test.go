package auth_test

import (
	"fmt"

	"github.com/flintrpc/flint/auth"
)

func ExampleParseRules() {
	rules, err := auth.ParseRules(`
cn=flint-client:example.*:get_fortune,ping
uid=0:*:*
anonymous:Pyro.NameServer:lookup`)
	if err != nil {
		panic(err)
	}
	client := auth.Identity{CommonName: "flint-client"}
	root := auth.Identity{Unix: &auth.UnixCred{UID: 0, GID: 0, PID: 1}}
	fmt.Println(rules.Allow(client, "example.fortune", "get_fortune"))
	fmt.Println(rules.Allow(client, "example.fortune", "shutdown"))
	fmt.Println(rules.Allow(root, "anything", "shutdown"))
	fmt.Println(rules.Allow(auth.Identity{}, "Pyro.NameServer", "register"))
	// Output:
	// true
	// false
	// true
	// false
}

func ExampleKey() {
	k := auth.NewKey([]byte("my shared secret"))
	fmt.Println(k)
	fmt.Printf("%#v %x\n", k, k)
	// Output:
	// [redacted]
	// [redacted] [redacted]
}

func ExampleMessageMAC() {
	key := auth.NewKey([]byte("shared secret"))
	nc, _ := auth.NewNonce() // sent by the client
	ns, _ := auth.NewNonce() // sent by the server with its proof
	serverProof := auth.ServerProof(key, nc, ns)
	fmt.Println("client accepts server:", auth.VerifyProof(auth.ServerProof(key, nc, ns), serverProof))

	c2s, _, _ := auth.SessionKeys(key, nc, ns)
	send, recv := auth.NewMessageMAC(c2s), auth.NewMessageMAC(c2s)
	msg := []byte("a Pyro4 message")
	mac := send.Sign(msg)
	fmt.Println("first delivery:", recv.Verify(mac, msg))
	fmt.Println("replay:", recv.Verify(mac, msg))
	// Output:
	// client accepts server: true
	// first delivery: <nil>
	// replay: auth: bad MAC
}
