package certs_test

import (
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"
)

// BenchmarkMutualTLS13Handshake measures complete mutual TLS 1.3 handshakes
// over loopback, client and server in the same process, with the configs
// from ServerConfig/ClientConfig. Each iteration dials, handshakes and
// reads one byte (which also delivers the session ticket). "full" disables
// the client session cache; "resumed" keeps it, so every handshake after
// the first resumes with a PSK (ECDHE still runs, certificates do not).
func BenchmarkMutualTLS13Handshake(b *testing.B) {
	for _, resume := range []bool{false, true} {
		name := "full"
		if resume {
			name = "resumed"
		}
		b.Run(name, func(b *testing.B) {
			bundle := initPKI(b)
			srvCfg := serverConfig(b, bundle.Server())
			cliCfg := clientConfig(b, bundle.Client(), "localhost")
			if !resume {
				cliCfg.ClientSessionCache = nil
			}
			addr := benchServer(b, srvCfg)
			if _, err := dialAddr(addr, cliCfg); err != nil { // warm up, get a ticket
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cs, err := dialAddr(addr, cliCfg)
				if err != nil {
					b.Fatal(err)
				}
				if cs.Version != tls.VersionTLS13 || cs.DidResume != resume {
					b.Fatalf("version %x, resumed %v", cs.Version, cs.DidResume)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}

func benchServer(b *testing.B, cfg *tls.Config) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(c, cfg)
				if tc.Handshake() == nil {
					_, _ = tc.Write([]byte{'!'})
					_ = tc.Close()
				}
			}()
		}
	}()
	b.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}
