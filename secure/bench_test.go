package secure

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/policy"
)

type bulkObj struct{}

func (bulkObj) Take(b []byte) int { return len(b) }
func (bulkObj) Give(n int) []byte { return make([]byte, n) }
func (bulkObj) Ping() int         { return 1 }

func benchPair(b *testing.B, ser string) *Proxy {
	pol := &policy.Policy{AllowInsecurePlaintext: true, Limits: policy.Limits{MaxMessageSize: 256 << 20, MaxDecompressedSize: 256 << 20}}
	d := newTestDaemon(b, pol)
	uri, err := d.Register(bulkObj{}, Expose("Take", "Give", "Ping"))
	require.NoError(b, err)
	startDaemon(b, d)
	p, err := Dial(context.Background(), uri, ProxyConfig{Policy: pol, Serializer: ser})
	require.NoError(b, err)
	b.Cleanup(func() { p.Close() })
	return p
}

func BenchmarkSmallCall(b *testing.B) {
	for _, ser := range []string{"msgpack", "serpent"} {
		b.Run(ser, func(b *testing.B) {
			p := benchPair(b, ser)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Call(ctx, "ping"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSmallCallParallel(b *testing.B) {
	p := benchPair(b, "msgpack")
	ctx := context.Background()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Call(ctx, "ping"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBulk10MB(b *testing.B)  { benchBulk(b, 10<<20) }
func BenchmarkBulk100MB(b *testing.B) { benchBulk(b, 100<<20) }

func benchBulk(b *testing.B, n int) {
	p := benchPair(b, "msgpack")
	ctx := context.Background()
	payload := make([]byte, n)
	b.Run("arg", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			if _, err := p.Call(ctx, "take", payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("result", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			if _, err := p.Call(ctx, "give", len(payload)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRawPingPong is the ceiling for BenchmarkSmallCall: 44-byte
// length-prefixed frames echoed over loopback TCP.
func BenchmarkRawPingPong(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 44)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	defer c.Close()
	buf := make([]byte, 44)
	for b.Loop() {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewConnection measures connect + handshake + first call +
// close with a lazily connecting proxy (as Pyro4's), whose first call
// rides behind the handshake.
func BenchmarkNewConnection(b *testing.B) { benchNewConnection(b, false) }

// BenchmarkNewConnectionEager is BenchmarkNewConnection with Dial, which
// finishes the handshake before the first call is made (two round trips).
func BenchmarkNewConnectionEager(b *testing.B) { benchNewConnection(b, true) }

func benchNewConnection(b *testing.B, eager bool) {
	p := benchPair(b, "msgpack")
	uri := p.URI()
	cfg := p.cfg
	ctx := context.Background()
	for b.Loop() {
		var q *Proxy
		var err error
		if eager {
			q, err = Dial(ctx, uri, cfg)
		} else {
			q, err = NewProxy(uri, cfg)
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := q.Call(ctx, "ping"); err != nil {
			b.Fatal(err)
		}
		q.Close()
	}
}

// BenchmarkRawNewConnection is the ceiling for BenchmarkNewConnection:
// connect, one 44-byte ping-pong, close.
func BenchmarkRawNewConnection(b *testing.B) {
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 44)
				if _, err := io.ReadFull(c, buf); err == nil {
					_, _ = c.Write(buf)
				}
			}()
		}
	}()
	buf := make([]byte, 44)
	for b.Loop() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
