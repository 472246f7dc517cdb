package naming

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/naming/storage"
	"github.com/flintrpc/flint/secure"
)

// benchLimits lets the registration benchmarks add many names.
var benchLimits = Limits{MaxEntries: 50_000_000}

// BenchmarkNameServer measures lookups/s and registrations/s from 1 and 8
// clients (one connection each) against flint's name server with memory
// and bolt storage, and against Python's pyro4-ns in the same run, all in
// plaintext with serpent on loopback. Run without -race:
//
//	go test -run=^$ -bench=NameServer -benchtime=1s ./naming
func BenchmarkNameServer(b *testing.B) {
	targets := []struct {
		name string
		port func(b *testing.B) int
	}{
		{"flint-memory", func(b *testing.B) int {
			return startServer(b, ServerConfig{Daemon: secureCfg(plaintext()), NameServer: Config{Limits: benchLimits}}).URI().Port
		}},
		{"flint-bolt", func(b *testing.B) int {
			st, err := storage.OpenBolt(filepath.Join(b.TempDir(), "ns.db"), storage.BoltOptions{})
			require.NoError(b, err)
			return startServer(b, ServerConfig{Daemon: secureCfg(plaintext()), NameServer: Config{Storage: st, Limits: benchLimits}}).URI().Port
		}},
		{"pyro4-ns", func(b *testing.B) int {
			needPython(b)
			return startPyNS(b, nil)
		}},
	}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			port := tg.port(b)
			uri := secure.MustParseURI("PYRO:obj@127.0.0.1:4000")
			for _, clients := range []int{1, 8} {
				cs := make([]*Client, clients)
				for i := range cs {
					p, err := Locate(ctxT(b), LocateOptions{Host: "127.0.0.1", Port: port, Policy: plaintext()})
					require.NoError(b, err)
					cs[i] = NewClient(p)
					b.Cleanup(func() { cs[i].Close() })
				}
				require.NoError(b, cs[0].Register(ctxT(b), "bench.lookup", uri, RegisterOptions{Metadata: []string{"bench"}}))
				b.Run(fmt.Sprintf("lookup/%dclients", clients), func(b *testing.B) {
					ctx := ctxT(b) // once: ctxT registers a cleanup per call
					parallel(b, cs, func(c *Client, _, _ int) error {
						_, err := c.Lookup(ctx, "bench.lookup")
						return err
					})
				})
				b.Run(fmt.Sprintf("register/%dclients", clients), func(b *testing.B) {
					run := b.N
					ctx := ctxT(b)
					parallel(b, cs, func(c *Client, g, i int) error {
						return c.Register(ctx, fmt.Sprintf("bench.reg.%d.%d.%d", run, g, i), uri, RegisterOptions{Metadata: []string{"bench"}})
					})
				})
			}
		})
	}
}

// parallel runs b.N calls of op spread over the clients, one goroutine
// each, and reports the rate.
func parallel(b *testing.B, cs []*Client, op func(c *Client, g, i int) error) {
	b.ReportAllocs()
	var wg sync.WaitGroup
	errs := make(chan error, len(cs))
	b.ResetTimer()
	for g, c := range cs {
		n := b.N / len(cs)
		if g < b.N%len(cs) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if err := op(c, g, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkLookupDirect measures the name server's own cost per lookup
// and registration, without the network and serializer (method calls in
// process), to show where the time of a remote lookup goes.
func BenchmarkLookupDirect(b *testing.B) {
	for _, kind := range []string{"memory", "bolt"} {
		b.Run(kind, func(b *testing.B) {
			var st storage.Storage = storage.NewMemory()
			if kind == "bolt" {
				var err error
				st, err = storage.OpenBolt(filepath.Join(b.TempDir(), "ns.db"), storage.BoltOptions{})
				require.NoError(b, err)
			}
			ns := New(Config{Storage: st})
			defer st.Close()
			ctx := ctxT(b)
			require.NoError(b, ns.Register(ctx, "bench.lookup", "PYRO:obj@127.0.0.1:4000", false, []any{"bench"}))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := ns.Lookup(ctx, "bench.lookup", nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
