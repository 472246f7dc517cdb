package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// flint bench measures flint against the raw TCP/TLS ceiling and against
// Python Pyro4, with client and server in separate processes, once with both
// pinned to CPU 0 and once unpinned.

func init() {
	register("bench", "measure calls/s, connections/s and bulk MB/s (Go, raw ceiling, Python Pyro4)", runBench)
	register("bench-server", "internal: the server side of flint bench", runBenchServer)
}

type benchRow struct {
	Placement string  `json:"placement"`
	Workload  string  `json:"workload"`
	Peer      string  `json:"peer"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
}

//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type benchObj

// benchObj is the object the bench server publishes.
type benchObj struct{}

func (benchObj) Ping() int            { return 1 }
func (benchObj) Echo(b []byte) []byte { return b }
func (benchObj) Take(b []byte) int    { return len(b) }

// BigReply returns n zero bytes. The buffer is made once per size and
// shared (nothing writes to it), so the bulk-returned workload measures
// flint sending a payload the method already holds, as the bulk-argument
// workload measures sending one the caller holds; a fresh 100 MB
// allocation per call would mostly measure Go's allocator and page faults.
func (benchObj) BigReply(n int) []byte {
	replyMu.Lock()
	defer replyMu.Unlock()
	if b, ok := replyBufs[n]; ok {
		return b
	}
	if len(replyBufs) >= 4 {
		clear(replyBufs)
	}
	b := make([]byte, n)
	replyBufs[n] = b
	return b
}

var (
	replyMu   sync.Mutex
	replyBufs = map[int][]byte{}
)

const bulkLimit = 256 << 20

func benchPolicy(mode, dir string, server bool) *policy.Policy {
	p := &policy.Policy{Limits: policy.Limits{MaxMessageSize: bulkLimit, MaxDecompressedSize: bulkLimit}}
	switch mode {
	case "plain":
		p.AllowInsecurePlaintext = true
	case "mtls":
		if server {
			p.TLS = certs.Files{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server-key.pem"), CA: filepath.Join(dir, "ca.pem")}
		} else {
			p.TLS = certs.Files{Cert: filepath.Join(dir, "client.pem"), Key: filepath.Join(dir, "client-key.pem"), CA: filepath.Join(dir, "ca.pem")}
		}
	case "strong":
		p.AllowInsecurePlaintext = true
		p.HMACKey = auth.NewKey([]byte("flint-bench-shared-key"))
	}
	return p
}

func runBenchServer(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flint bench-server", flag.ContinueOnError)
	mode := fs.String("mode", "plain", "plain, mtls, strong, raw or rawtls")
	dir := fs.String("pki", "", "certificate directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch *mode {
	case "raw", "rawtls":
		// Like flint's daemons, the raw server skips TCP keepalive on
		// accepted connections, so both pay the same per-connection cost.
		lc := net.ListenConfig{KeepAlive: -1}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if *mode == "rawtls" {
			cfg, err := certs.ServerConfig(certs.Files{Cert: filepath.Join(*dir, "server.pem"), Key: filepath.Join(*dir, "server-key.pem"), CA: filepath.Join(*dir, "ca.pem")})
			if err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
			ln = tls.NewListener(ln, cfg)
		}
		fmt.Fprintf(stdout, "ADDR %s\n", ln.Addr())
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return 0
			}
			go rawEcho(c)
		}
	}
	d, err := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: benchPolicy(*mode, *dir, true)})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	uri, err := d.Register(benchObj{}, secure.Expose("Ping", "Echo", "Take", "BigReply"), secure.WithID("bench"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "URI %s\n", uri)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	_ = d.Serve(ctx)
	return 0
}

// rawEcho answers length-prefixed frames with the same frame; a frame of
// length 0xffffffff switches to stream mode (discard and count).
func rawEcho(c net.Conn) {
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	r := bufio.NewReaderSize(c, 64<<10)
	var hdr [4]byte
	buf := make([]byte, 0, 64)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n == 0xffffffff { // stream: read until EOF, then answer the count
			cnt, _ := io.Copy(io.Discard, r)
			_ = binary.Write(c, binary.BigEndian, uint64(cnt))
			return
		}
		if int(n) > cap(buf) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		if _, err := c.Write(append(hdr[:], buf...)); err != nil {
			return
		}
	}
}

type server struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	line  string
}

func startServer(name string, args ...string) (*server, error) {
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if t := sc.Text(); strings.HasPrefix(t, "URI ") || strings.HasPrefix(t, "ADDR ") {
				lines <- t
			}
		}
	}()
	select {
	case l := <-lines:
		return &server{cmd: cmd, stdin: stdin, line: l[strings.IndexByte(l, ' ')+1:]}, nil
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start: %s", name, stderr.String())
	}
}

func (s *server) stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// measure runs op from workers goroutines for about d and returns ops/s.
func measure(d time.Duration, workers int, op func(w int) error) (float64, error) {
	var n atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := op(w); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if e, ok := firstErr.Load().(error); ok {
		return 0, e
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flint bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dur := fs.Duration("d", time.Second, "duration of each workload")
	placement := fs.String("placement", "", "internal: run one placement and print JSON rows")
	noPython := fs.Bool("no-python", false, "skip the Python Pyro4 workloads")
	quick := fs.Bool("quick", false, "skip the 100 MB bulk workloads")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *placement != "" {
		rows, err := benchPass(self, *placement, *dur, !*noPython, *quick, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "flint bench:", err)
			return 1
		}
		_ = json.NewEncoder(stdout).Encode(rows)
		return 0
	}
	var all []benchRow
	for _, pl := range []string{"pinned", "unpinned"} {
		cmdArgs := []string{self, "bench", "-placement", pl, "-d", dur.String()}
		if *noPython {
			cmdArgs = append(cmdArgs, "-no-python")
		}
		if *quick {
			cmdArgs = append(cmdArgs, "-quick")
		}
		if pl == "pinned" {
			if _, err := exec.LookPath("taskset"); err != nil {
				fmt.Fprintln(stderr, "flint bench: taskset not found; skipping the pinned placement")
				continue
			}
			cmdArgs = append([]string{"taskset", "-c", "0"}, cmdArgs...)
		}
		fmt.Fprintf(stderr, "running the %s placement...\n", pl)
		cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
		cmd.Stderr = stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintln(stderr, "flint bench:", err)
			return 1
		}
		var rows []benchRow
		if err := json.Unmarshal(out, &rows); err != nil {
			fmt.Fprintln(stderr, "flint bench:", err)
			return 1
		}
		all = append(all, rows...)
	}
	printTable(stdout, all)
	return 0
}

func printTable(w io.Writer, rows []benchRow) {
	// A row's ceiling is the latest raw row of its workload and placement
	// before it: the raw rows come first, except in alternating rounds,
	// where each peer's raw figure is printed just before its own.
	ceiling := map[string]float64{}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "placement\tworkload\tpeer\tvalue\tunit\tvs raw\t")
	for _, r := range rows {
		if r.Peer == "raw" || r.Peer == "raw TLS" {
			ceiling[r.Peer+"|"+r.Placement+"|"+r.Workload] = r.Value
		}
		ratio := ""
		base := "raw"
		if strings.Contains(r.Peer, "mtls") {
			base = "raw TLS"
		}
		// A returned bulk transfer has the same ceiling as one sent: the
		// raw stream of that size.
		workload := strings.TrimSuffix(r.Workload, " returned")
		if c := ceiling[base+"|"+r.Placement+"|"+workload]; c > 0 && r.Peer != "raw" && r.Peer != "raw TLS" {
			ratio = fmt.Sprintf("%.0f%%", 100*r.Value/c)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%s\t%s\t\n", r.Placement, r.Workload, r.Peer, r.Value, r.Unit, ratio)
	}
	tw.Flush()
}
