package transport_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/flintrpc/flint/transport"
)

func ExampleListen() {
	dir, _ := os.MkdirTemp("", "ex")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	e := transport.Endpoint{Network: transport.NetworkUnix, Address: filepath.Join(dir, "s")}

	ln, err := transport.Listen(ctx, e, transport.ListenOptions{}) // mode 0600
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if cred, err := transport.PeerCred(c); err == nil {
			fmt.Fprintf(c, "hello uid %v", cred.UID == uint32(os.Getuid()))
		}
	}()

	c, err := transport.Dial(ctx, e)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	reply, _ := io.ReadAll(c)
	fmt.Println(string(reply))
	// Output: hello uid true
}
