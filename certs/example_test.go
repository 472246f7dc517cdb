package certs_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/flintrpc/flint/certs"
)

// Bootstrap a development PKI and run one mutual TLS connection over
// loopback with the generated files.
func ExampleServerConfig() {
	dir, err := os.MkdirTemp("", "pki")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	b, err := certs.Init(certs.InitOptions{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	serverCfg, err := certs.ServerConfig(b.Server())
	if err != nil {
		log.Fatal(err)
	}
	clientCfg, err := certs.ClientConfig(b.Client(), "localhost")
	if err != nil {
		log.Fatal(err)
	}

	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverCfg)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			log.Fatal(err)
		}
		peer <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
		tc.Write([]byte("hi"))
	}()

	conn, err := tls.Dial("tcp", ln.Addr().String(), clientCfg)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 2)
	if _, err := io.ReadFull(conn, buf); err != nil {
		log.Fatal(err)
	}
	cs := conn.ConnectionState()
	fmt.Println("version:", tls.VersionName(cs.Version))
	fmt.Println("server:", cs.PeerCertificates[0].Subject.CommonName)
	fmt.Println("client:", <-peer)
	fmt.Println("server verified as localhost:", cs.PeerCertificates[0].VerifyHostname("localhost") == nil)
	// Output:
	// version: TLS 1.3
	// server: flint-server
	// client: flint-client
	// server verified as localhost: true
}
