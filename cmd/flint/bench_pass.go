package main

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/secure"
)

const pyBenchServer = `
import sys, threading, Pyro4
Pyro4.config.SERIALIZERS_ACCEPTED = {"serpent", "msgpack", "marshal", "json"}
Pyro4.config.SOCK_NODELAY = True
@Pyro4.expose
class Bench(object):
    def ping(self): return 1
    def take(self, b): return len(b)
    def big_reply(self, n): return b"\0" * n
d = Pyro4.Daemon(host="127.0.0.1")
print("URI", d.register(Bench(), "bench"), flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), d.shutdown()), daemon=True).start()
d.requestLoop()
`

func benchPass(self, placement string, dur time.Duration, python, quick bool, logw io.Writer) ([]benchRow, error) {
	var rows []benchRow
	add := func(workload, peer string, v float64, unit string) {
		rows = append(rows, benchRow{Placement: placement, Workload: workload, Peer: peer, Value: v, Unit: unit})
		fmt.Fprintf(logw, "  %-8s %-26s %-16s %12.0f %s\n", placement, workload, peer, v, unit)
	}
	pki, err := os.MkdirTemp("", "flint-bench-pki")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(pki)
	if _, err := certs.Init(certs.InitOptions{Dir: filepath.Join(pki, "d")}); err != nil {
		return nil, err
	}
	pki = filepath.Join(pki, "d")
	ctx := context.Background()

	// The raw ceilings.
	raw, err := startServer(self, "bench-server", "-mode", "raw")
	if err != nil {
		return nil, err
	}
	if err := rawWorkloads(raw.line, nil, dur, quick, add, "raw"); err != nil {
		raw.stop()
		return nil, err
	}
	defer raw.stop() // kept for the alternating new-connection rounds
	rawTLS, err := startServer(self, "bench-server", "-mode", "rawtls", "-pki", pki)
	if err != nil {
		return nil, err
	}
	ccfg, err := certs.ClientConfig(certs.Files{Cert: filepath.Join(pki, "client.pem"), Key: filepath.Join(pki, "client-key.pem"), CA: filepath.Join(pki, "ca.pem")}, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	ccfg.ClientSessionCache = nil // measure full handshakes
	if err := rawWorkloads(rawTLS.line, ccfg, dur, true, add, "raw TLS"); err != nil {
		rawTLS.stop()
		return nil, err
	}
	rawTLS.stop()

	for _, mode := range []string{"plain", "mtls", "strong"} {
		srv, err := startServer(self, "bench-server", "-mode", mode, "-pki", pki)
		if err != nil {
			return nil, err
		}
		sers := []string{"msgpack"}
		if mode == "plain" {
			sers = []string{"msgpack", "serpent"}
		}
		for _, ser := range sers {
			peer := "flint " + ser
			if mode != "plain" {
				peer += " " + mode
			}
			cfg := secure.ProxyConfig{Policy: benchPolicy(mode, pki, false), Serializer: ser}
			if err := flintWorkloads(ctx, srv.line, cfg, dur, quick || mode != "plain", add, peer, mode == "plain"); err != nil {
				srv.stop()
				return nil, fmt.Errorf("%s: %w", peer, err)
			}
			if mode == "plain" {
				if err := alternatingConnections(ctx, raw.line, srv.line, cfg, add, peer); err != nil {
					srv.stop()
					return nil, fmt.Errorf("%s: %w", peer, err)
				}
			}
		}
		srv.stop()
	}
	if python {
		py, err := startServer("/usr/bin/python3", "-c", pyBenchServer)
		if err != nil {
			return nil, err
		}
		for _, ser := range []string{"msgpack", "serpent"} {
			cfg := secure.ProxyConfig{Policy: benchPolicy("plain", pki, false), Serializer: ser}
			if err := flintWorkloads(ctx, py.line, cfg, dur, true, add, "Python Pyro4 "+ser, false); err != nil {
				py.stop()
				return nil, fmt.Errorf("python: %w", err)
			}
		}
		py.stop()
	}
	return rows, nil
}

func dialRaw(addr string, tcfg *tls.Config) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = c.(*net.TCPConn).SetNoDelay(true)
	if tcfg != nil {
		tc := tls.Client(c, tcfg)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return nil, err
		}
		return tc, nil
	}
	return c, nil
}

func pingPong(c net.Conn, buf []byte) error {
	if _, err := c.Write(buf); err != nil {
		return err
	}
	_, err := io.ReadFull(c, buf)
	return err
}

func rawWorkloads(addr string, tcfg *tls.Config, dur time.Duration, quick bool, add func(string, string, float64, string), peer string) error {
	frame := make([]byte, 4+40)
	binary.BigEndian.PutUint32(frame, 40)
	c, err := dialRaw(addr, tcfg)
	if err != nil {
		return err
	}
	v, err := measure(dur, 1, func(int) error { return pingPong(c, frame) })
	c.Close()
	if err != nil {
		return err
	}
	add("sequential calls", peer, v, "calls/s")
	if tcfg == nil {
		conns := make([]net.Conn, 8)
		bufs := make([][]byte, 8)
		for i := range conns {
			if conns[i], err = dialRaw(addr, nil); err != nil {
				return err
			}
			bufs[i] = append([]byte(nil), frame...)
		}
		v, err = measure(dur, 8, func(w int) error { return pingPong(conns[w], bufs[w]) })
		for _, c := range conns {
			c.Close()
		}
		if err != nil {
			return err
		}
		add("8 connections", peer, v, "calls/s")
		add("8 goroutines, 1 proxy", peer, v, "calls/s")
	}
	v, err = measure(dur, 1, func(int) error { return rawNewConnection(addr, tcfg, frame) })
	if err != nil {
		return err
	}
	add("new connections", peer, v, "conns/s")
	sizes := []int{10 << 20}
	if !quick {
		sizes = append(sizes, 100<<20)
	}
	for _, n := range sizes {
		payload := make([]byte, n)
		mbps, err := timeBulk(func() error {
			c, err := dialRaw(addr, tcfg)
			if err != nil {
				return err
			}
			defer c.Close()
			var hdr [4]byte
			binary.BigEndian.PutUint32(hdr[:], 0xffffffff)
			if _, err := c.Write(hdr[:]); err != nil {
				return err
			}
			if _, err := c.Write(payload); err != nil {
				return err
			}
			if cw, ok := c.(interface{ CloseWrite() error }); ok {
				_ = cw.CloseWrite()
			}
			var cnt uint64
			return binary.Read(c, binary.BigEndian, &cnt)
		}, n, dur)
		if err != nil {
			return err
		}
		add(fmt.Sprintf("bulk %d MB", n>>20), peer, mbps, "MB/s")
	}
	return nil
}

// timeBulk times transfers of n bytes: one untimed warm-up transfer (so
// both processes have grown their heaps and socket buffers), then at least
// five timed ones and as many more as fit in about dur. It returns the
// median rate in MB/s, which is steadier than the mean on a shared machine.
func timeBulk(op func() error, n int, dur time.Duration) (float64, error) {
	if err := op(); err != nil {
		return 0, err
	}
	var rates []float64
	start := time.Now()
	for len(rates) < 5 || time.Since(start) < dur {
		t := time.Now()
		if err := op(); err != nil {
			return 0, err
		}
		rates = append(rates, float64(n)/1e6/time.Since(t).Seconds())
		if len(rates) >= 50 {
			break
		}
	}
	sort.Float64s(rates)
	return rates[len(rates)/2], nil
}

func flintWorkloads(ctx context.Context, uri string, cfg secure.ProxyConfig, dur time.Duration, quick bool, add func(string, string, float64, string), peer string, full bool) error {
	p, err := secure.Dial(ctx, uri, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	call := func(p *secure.Proxy) error { _, err := p.Call(ctx, "ping"); return err }
	v, err := measure(dur, 1, func(int) error { return call(p) })
	if err != nil {
		return err
	}
	add("sequential calls", peer, v, "calls/s")
	if full || cfg.Serializer == "msgpack" {
		v, err = measure(dur, 8, func(int) error { return call(p) })
		if err != nil {
			return err
		}
		add("8 goroutines, 1 proxy", peer, v, "calls/s")
		ps := make([]*secure.Proxy, 8)
		for i := range ps {
			if ps[i], err = secure.Dial(ctx, uri, cfg); err != nil {
				return err
			}
			defer ps[i].Close()
		}
		v, err = measure(dur, 8, func(w int) error { return call(ps[w]) })
		if err != nil {
			return err
		}
		add("8 connections", peer, v, "calls/s")
	}
	v, err = measure(dur, 1, func(int) error {
		// A lazily connecting proxy, as Pyro4's: the first call rides
		// behind the handshake.
		q, err := secure.NewProxy(uri, cfg)
		if err != nil {
			return err
		}
		defer q.Close()
		return call(q)
	})
	if err != nil {
		return err
	}
	add("new connections", peer, v, "conns/s")
	sizes := []int{10 << 20}
	if !quick {
		sizes = append(sizes, 100<<20)
	}
	for _, n := range sizes {
		payload := make([]byte, n)
		mbps, err := timeBulk(func() error { _, err := p.Call(ctx, "take", payload); return err }, n, dur)
		if err != nil {
			return err
		}
		add(fmt.Sprintf("bulk %d MB", n>>20), peer, mbps, "MB/s")
		mbps, err = timeBulk(func() error { _, err := p.Call(ctx, "big_reply", n); return err }, n, dur)
		if err != nil {
			return err
		}
		add(fmt.Sprintf("bulk %d MB returned", n>>20), peer, mbps, "MB/s")
	}
	return nil
}

// rawNewConnection connects, does one ping-pong of frame (copied) and
// closes: the ceiling of flint's new-connection workload.
func rawNewConnection(addr string, tcfg *tls.Config, frame []byte) error {
	c, err := dialRaw(addr, tcfg)
	if err != nil {
		return err
	}
	defer c.Close()
	return pingPong(c, append([]byte(nil), frame...))
}

// alternatingRounds and alternatingRound shape the alternating
// measurements.
const (
	alternatingRounds = 11
	alternatingRound  = 300 * time.Millisecond
)

// alternatingConnections measures new connections/s against the raw server
// and the flint daemon in alternating short rounds and reports the median
// of each. Connection set-up on this kind of VM drifts by a factor of two
// within seconds, so rates measured a minute apart make a poor ratio;
// adjacent rounds share the machine's state.
func alternatingConnections(ctx context.Context, rawAddr, uri string, cfg secure.ProxyConfig, add func(string, string, float64, string), peer string) error {
	frame := make([]byte, 4+40)
	binary.BigEndian.PutUint32(frame, 40)
	err := alternate("new connections, alternating", "conns/s", peer, add,
		func() error { return rawNewConnection(rawAddr, nil, frame) },
		func() error {
			q, err := secure.NewProxy(uri, cfg)
			if err != nil {
				return err
			}
			defer q.Close()
			_, err = q.Call(ctx, "ping")
			return err
		})
	if err != nil {
		return err
	}
	// Sequential calls on one connection each, in alternating rounds: on
	// this VM an unpinned ping-pong flips between a slow and a fast mode
	// within seconds, so only rounds taken side by side compare.
	c, err := dialRaw(rawAddr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	p, err := secure.Dial(ctx, uri, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	err = alternate("sequential calls, alternating", "calls/s", peer, add,
		func() error { return pingPong(c, frame) },
		func() error { _, err := p.Call(ctx, "ping"); return err })
	if err != nil || cfg.Serializer != "msgpack" {
		return err
	}
	// Eight connections of each, likewise.
	conns := make([]net.Conn, 8)
	bufs := make([][]byte, 8)
	ps := make([]*secure.Proxy, 8)
	for i := range conns {
		if conns[i], err = dialRaw(rawAddr, nil); err != nil {
			return err
		}
		defer conns[i].Close()
		bufs[i] = slices.Clone(frame)
		if ps[i], err = secure.Dial(ctx, uri, cfg); err != nil {
			return err
		}
		defer ps[i].Close()
	}
	return alternateN("8 connections, alternating", "calls/s", peer, add, 8,
		func(w int) error { return pingPong(conns[w], bufs[w]) },
		func(w int) error { _, err := ps[w].Call(ctx, "ping"); return err })
}

// alternate measures rawOp and flintOp in alternatingRounds interleaved
// rounds and reports each one's median.
func alternate(workload, unit, peer string, add func(string, string, float64, string), rawOp, flintOp func() error) error {
	return alternateN(workload, unit, peer, add, 1, func(int) error { return rawOp() }, func(int) error { return flintOp() })
}

// alternateN is alternate with workers goroutines running each op.
func alternateN(workload, unit, peer string, add func(string, string, float64, string), workers int, rawOp, flintOp func(w int) error) error {
	var raws, flints []float64
	for range alternatingRounds {
		v, err := measure(alternatingRound, workers, rawOp)
		if err != nil {
			return err
		}
		raws = append(raws, v)
		if v, err = measure(alternatingRound, workers, flintOp); err != nil {
			return err
		}
		flints = append(flints, v)
	}
	add(workload, "raw", median(raws), unit)
	add(workload, peer, median(flints), unit)
	// Each flint round against the raw round just before it: the ratio
	// of two medians can pair rounds from different phases of the VM.
	ratios := make([]float64, len(raws))
	for i := range raws {
		ratios[i] = 100 * flints[i] / raws[i]
	}
	add(workload+", per-round ratio", peer, median(ratios), "% of raw")
	return nil
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[len(s)/2]
}
