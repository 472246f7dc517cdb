package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs/certstest"
	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

func nsNeedPython(t *testing.T) {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import Pyro4").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Python Pyro4 required in CI")
		}
		t.Skip("Python Pyro4 not installed")
	}
}

// nsProc is a running name server process.
type nsProc struct {
	cmd  *exec.Cmd
	port int
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *nsProc) output() string { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }

func (p *nsProc) kill() { _ = p.cmd.Process.Kill(); <-p.done }

// startNSProc starts a name server command and waits for "NS running on
// HOST:PORT"; it is killed when the test ends.
func startNSProc(t *testing.T, env []string, name string, args ...string) *nsProc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(cleanEnv(), append([]string{"PYTHONUNBUFFERED=1"}, env...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &nsProc{cmd: cmd, done: make(chan struct{})}
	var stderr bytes.Buffer
	cmd.Stderr = &lockedBuf{mu: &p.mu, b: &stderr}
	require.NoError(t, cmd.Start())
	port := make(chan int, 1)
	re := regexp.MustCompile(`^NS running on \S*:(\d+) `)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				n, _ := strconv.Atoi(m[1])
				port <- n
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	select {
	case p.port = <-port:
		return p
	case <-p.done:
	case <-time.After(20 * time.Second):
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Fatalf("%s %v did not start:\n%s\n%s", name, args, p.out.String(), stderr.String())
	return nil
}

type lockedBuf struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// pyNSC runs /usr/bin/pyro4-nsc and returns stdout and stderr together
// (it prints errors on stdout).
func pyNSC(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/pyro4-nsc", args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

// flintNSC runs `flint nsc` and returns its output (stdout then stderr) and
// exit code.
func flintNSC(t *testing.T, env []string, stdin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, flintBin, append([]string{"nsc"}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String() + errb.String(), code
}

// nscScript is a session of name server commands; each entry is the stdin
// and the arguments.
var nscScript = []struct {
	stdin string
	args  []string
	fails bool
}{
	{"", []string{"ping"}, false},
	{"", []string{"register", "t.one", "PYRO:one@127.0.0.1:5001"}, false},
	{"", []string{"register", "t.one", "PYRO:one@127.0.0.1:5001"}, true},
	{"", []string{"setmeta", "t.one", "tag1"}, false},
	{"", []string{"register", "t.two", "PYRO:two@127.0.0.1:5002"}, false},
	{"", []string{"list"}, false},
	{"", []string{"list", "t."}, false},
	{"", []string{"listmatching", `t\.t.*`}, false},
	{"", []string{"listmeta_all", "tag1"}, false},
	{"", []string{"listmeta_any", "tag1"}, false},
	{"", []string{"lookup", "t.one"}, false},
	{"", []string{"lookup", "nope"}, true},
	{"", []string{"remove", "t.two"}, false},
	{"", []string{"remove", "t.two"}, false},
	{"", []string{"setmeta", "t.one"}, false},
	{"n\n", []string{"removematching", `t\..*`}, false},
	{"y\n", []string{"removematching", `t\..*`}, false},
	{"", []string{"list"}, false},
}

// session runs nscScript with one client against one name server and
// returns the transcript with the name server's URI replaced.
func session(t *testing.T, client string, env []string, ns *nsProc) string {
	t.Helper()
	loc := []string{"-n", "127.0.0.1", "-p", strconv.Itoa(ns.port)}
	var b strings.Builder
	for _, step := range nscScript {
		var out string
		if client == "pyro4-nsc" {
			out = pyNSC(t, env, step.stdin, append(loc, step.args...)...)
		} else {
			var code int
			out, code = flintNSC(t, env, step.stdin, append(loc, step.args...)...)
			want := 0
			if step.fails {
				want = 1
			}
			require.Equal(t, want, code, "flint nsc %v: %s", step.args, out)
		}
		fmt.Fprintf(&b, "$ %s\n%s", strings.Join(step.args, " "), out)
	}
	return strings.ReplaceAll(b.String(), "PYRO:Pyro.NameServer@127.0.0.1:"+strconv.Itoa(ns.port), "<NS>")
}

// TestNSAndNSC: `flint ns` and `flint nsc` are drop-ins for pyro4-ns and
// pyro4-nsc. The same session of commands gives the same transcript with
// every pairing of client (pyro4-nsc, flint nsc) and server (pyro4-ns,
// flint ns), in plaintext and with 2-way TLS.
func TestNSAndNSC(t *testing.T) {
	nsNeedPython(t)
	ca := certstest.NewCA(t)
	srv, cli := ca.WriteFiles(t, t.TempDir())
	type mode struct {
		name                   string
		flintNS, flintC, pyEnv []string
		full                   bool
	}
	pySSL := []string{"PYRO_SSL=1", "PYRO_SSL_REQUIRECLIENTCERT=1", "PYRO_SSL_SERVERCERT=" + srv.Cert, "PYRO_SSL_SERVERKEY=" + srv.Key,
		"PYRO_SSL_CLIENTCERT=" + cli.Cert, "PYRO_SSL_CLIENTKEY=" + cli.Key, "PYRO_SSL_CACERTS=" + srv.CA}
	for _, m := range []mode{
		{name: "plaintext", flintNS: []string{"FLINT_INSECURE=1"}, flintC: []string{"FLINT_INSECURE=1"}, full: true},
		{name: "tls", flintNS: []string{"FLINT_TLS_CERT=" + srv.Cert, "FLINT_TLS_KEY=" + srv.Key, "FLINT_TLS_CA=" + srv.CA},
			flintC: []string{"FLINT_TLS_CERT=" + cli.Cert, "FLINT_TLS_KEY=" + cli.Key, "FLINT_TLS_CA=" + cli.CA}, pyEnv: pySSL},
	} {
		t.Run(m.name, func(t *testing.T) {
			flintNS := startNSProc(t, m.flintNS, flintBin, "ns", "-n", "127.0.0.1", "-p", "0", "-x")
			pyNS := startNSProc(t, m.pyEnv, "/usr/bin/pyro4-ns", "-n", "127.0.0.1", "-p", "0", "-x")
			assert.Contains(t, flintNS.output(), "URI = PYRO:Pyro.NameServer@127.0.0.1:"+strconv.Itoa(flintNS.port))

			reference := session(t, "flint nsc", m.flintC, pyNS)
			assert.Equal(t, reference, session(t, "flint nsc", m.flintC, flintNS), "flint nsc: flint ns vs pyro4-ns")
			if m.full {
				assert.Equal(t, reference, session(t, "pyro4-nsc", m.pyEnv, pyNS), "pyro4-ns: flint nsc vs pyro4-nsc")
				assert.Equal(t, reference, session(t, "pyro4-nsc", m.pyEnv, flintNS), "pyro4-nsc: flint ns vs pyro4-ns")
			}
			for _, want := range []string{
				"$ register t.one PYRO:one@127.0.0.1:5001\nRegistered t.one\n",
				"Error: NamingError - name already registered: t.one\n",
				"$ lookup t.one\nPYRO:one@127.0.0.1:5001\nmetadata: ['tag1']\n",
				"--------START LIST - prefix 't.'\nt.one --> PYRO:one@127.0.0.1:5001\n    metadata: ['tag1']\nt.two --> PYRO:two@127.0.0.1:5002\n--------END LIST - prefix 't.'\n",
				"$ remove t.two\nRemoved t.two\n$ remove t.two\nNothing removed\n",
				"Are you sure (y/n)?1 items removed.\n",
				"$ list\n--------START LIST \nPyro.NameServer --> <NS>\n    metadata: ['class:Pyro4.naming.NameServer']\n--------END LIST \n",
			} {
				assert.Contains(t, reference, want)
			}

			// pyro4-nsc lists the flint name server with registrations.
			_, code := flintNSC(t, m.flintC, "", "-n", "127.0.0.1", "-p", strconv.Itoa(flintNS.port), "register", "visible.name", "PYRO:v@127.0.0.1:1")
			require.Equal(t, 0, code)
			out := pyNSC(t, m.pyEnv, "", "-n", "127.0.0.1", "-p", strconv.Itoa(flintNS.port), "list")
			assert.Contains(t, out, "Pyro.NameServer --> PYRO:Pyro.NameServer@127.0.0.1:"+strconv.Itoa(flintNS.port)+"\n")
			assert.Contains(t, out, "visible.name --> PYRO:v@127.0.0.1:1\n")
		})
	}
}

func TestNSCommandErrors(t *testing.T) {
	_, _, code := runFlint(t, nil, "ns", "--help")
	assert.Equal(t, 0, code)
	_, errOut, code := runFlint(t, []string{"FLINT_INSECURE=1"}, "ns", "-n", "127.0.0.1", "-p", "0", "-s", "dbm:/tmp/x")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "use bolt:PATH")
	_, errOut, code = runFlint(t, []string{"FLINT_INSECURE=1"}, "ns", "-n", "127.0.0.1", "-p", "0", "-k", "secret")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "FLINT_HMAC_KEY")
	assert.NotContains(t, errOut, "secret")
	_, _, code = runFlint(t, []string{"FLINT_INSECURE=1"}, "ns", "extra")
	assert.Equal(t, 2, code)
	_, errOut, code = runFlint(t, nil, "ns", "-n", "127.0.0.1", "-p", "0")
	assert.Equal(t, 1, code, "no way to secure connections")
	assert.Contains(t, errOut, "flint certs init")
	_, errOut, code = runFlint(t, []string{"FLINT_INSECURE=1"}, "ns", "-n", "127.0.0.1", "-p", "0", "--rules", "cn=x:names")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "bad rule")

	for _, args := range [][]string{{}, {"bogus"}, {"register", "only-name"}, {"lookup"}, {"ping", "extra"}, {"-k", "x", "ping"}} {
		out, code := flintNSC(t, []string{"FLINT_INSECURE=1"}, "", args...)
		assert.Equal(t, 2, code, "%v: %s", args, out)
	}
	out, code := flintNSC(t, []string{"FLINT_INSECURE=1"}, "", "-n", "127.0.0.1", "-p", "1", "ping")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "Error: Failed to locate the nameserver")
}

// TestNSRulesAndUnixSocket: --rules restricts writes, here on a Unix socket
// admitted by uid.
func TestNSRulesAndUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ns.sock")
	uid := strconv.Itoa(os.Getuid())
	env := []string{"FLINT_UNIX_UIDS=" + uid}
	cmd := exec.Command(flintBin, "ns", "-u", sock, "--rules", "uid="+uid+":mine.*:*; *:*:lookup")
	cmd.Env = append(cleanEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	require.Eventually(t, func() bool { _, err := os.Stat(sock); return err == nil }, 10*time.Second, 20*time.Millisecond)
	o, code := flintNSC(t, env, "", "-u", sock, "register", "mine.x", "PYRO:x@127.0.0.1:1")
	assert.Equal(t, 0, code, o)
	o, code = flintNSC(t, env, "", "-u", sock, "register", "theirs.x", "PYRO:x@127.0.0.1:1")
	assert.Equal(t, 1, code)
	assert.Contains(t, o, "Error: SecurityError - not allowed to register theirs.x")
	o, code = flintNSC(t, env, "", "-u", sock, "lookup", "mine.x")
	assert.Equal(t, 0, code)
	assert.Equal(t, "PYRO:x@127.0.0.1:1\n", o)
}

// TestNSBoltKill: `flint ns -s bolt:FILE` killed with SIGKILL comes back
// with every registration.
func TestNSBoltKill(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ns.db")
	env := []string{"FLINT_INSECURE=1"}
	ns := startNSProc(t, env, flintBin, "ns", "-n", "127.0.0.1", "-p", "0", "-x", "-s", "bolt:"+file)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pol := &policy.Policy{AllowInsecurePlaintext: true}
	var wg sync.WaitGroup
	const workers, each = 8, 50
	for w := range workers {
		p, err := naming.Locate(ctx, naming.LocateOptions{Host: "127.0.0.1", Port: ns.port, Policy: pol})
		require.NoError(t, err)
		c := naming.NewClient(p)
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				u := secure.MustParseURI(fmt.Sprintf("PYRO:o%d@127.0.0.1:%d", i, 1000+w))
				assert.NoError(t, c.Register(ctx, fmt.Sprintf("kill.%d.%d", w, i), u, naming.RegisterOptions{Metadata: []string{"w" + strconv.Itoa(w)}}))
			}
		}()
	}
	wg.Wait()
	ns.kill()
	ns = startNSProc(t, env, flintBin, "ns", "-n", "127.0.0.1", "-p", "0", "-x", "-s", "bolt:"+file)
	assert.Contains(t, ns.output(), fmt.Sprintf("Persistent store contains %d existing registrations.", workers*each+1))
	out, code := flintNSC(t, env, "", "-n", "127.0.0.1", "-p", strconv.Itoa(ns.port), "listmeta_all", "w3")
	require.Equal(t, 0, code, out)
	assert.Equal(t, each, strings.Count(out, " --> PYRO:o"), out)
	out, code = flintNSC(t, env, "", "-n", "127.0.0.1", "-p", strconv.Itoa(ns.port), "lookup", "kill.7.49")
	require.Equal(t, 0, code, out)
	assert.Equal(t, "PYRO:o49@127.0.0.1:1007\nmetadata: ['w7']\n", out)
}

// TestNSBroadcast: with --bchost the responder runs even on loopback, and
// `flint nsc -p BCPORT` finds the name server by broadcast.
func TestNSBroadcast(t *testing.T) {
	env := []string{"FLINT_INSECURE=1"}
	ns := startNSProc(t, env, flintBin, "ns", "-n", "127.0.0.1", "-p", "0", "--bchost", "127.0.0.1", "--bcport", "0")
	m := regexp.MustCompile(`Broadcast server running on 127\.0\.0\.1:(\d+)`).FindStringSubmatch(ns.output())
	require.NotNil(t, m, ns.output())
	out, code := flintNSC(t, append(env, "FLINT_BROADCAST_ADDRS=127.0.0.1"), "", "-v", "-p", m[1], "ping")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "Name server found: PYRO:Pyro.NameServer@127.0.0.1:"+strconv.Itoa(ns.port))
	assert.Contains(t, out, "Name server ping ok.")

	// On loopback without --bchost there is no responder, as in pyro4-ns.
	ns2 := startNSProc(t, env, flintBin, "ns", "-n", "127.0.0.1", "-p", "0")
	assert.Contains(t, ns2.output(), "Not starting broadcast server for localhost.")
}

// TestNSPyro4HMAC: with FLINT_HMAC_MODE=pyro4 the name server and client
// talk to Pyro4's PYRO_HMAC_KEY tools; a wrong key is refused both ways.
func TestNSPyro4HMAC(t *testing.T) {
	nsNeedPython(t)
	flintEnv := []string{"FLINT_INSECURE=1", "FLINT_HMAC_KEY=sekrit", "FLINT_HMAC_MODE=pyro4"}
	flintNS := startNSProc(t, flintEnv, flintBin, "ns", "-n", "127.0.0.1", "-p", "0", "-x")
	pyNS := startNSProc(t, []string{"PYRO_HMAC_KEY=sekrit"}, "/usr/bin/pyro4-ns", "-n", "127.0.0.1", "-p", "0", "-x")
	out := pyNSC(t, []string{"PYRO_HMAC_KEY=sekrit"}, "", "-n", "127.0.0.1", "-p", strconv.Itoa(flintNS.port), "ping")
	assert.Equal(t, "Name server ping ok.\n", out)
	out = pyNSC(t, []string{"PYRO_HMAC_KEY=wrong"}, "", "-n", "127.0.0.1", "-p", strconv.Itoa(flintNS.port), "ping")
	assert.Contains(t, out, "Error: Failed to locate the nameserver")
	out, code := flintNSC(t, flintEnv, "", "-n", "127.0.0.1", "-p", strconv.Itoa(pyNS.port), "ping")
	assert.Equal(t, 0, code, out)
	out, code = flintNSC(t, []string{"FLINT_INSECURE=1", "FLINT_HMAC_KEY=wrong", "FLINT_HMAC_MODE=pyro4"}, "", "-n", "127.0.0.1", "-p", strconv.Itoa(pyNS.port), "ping")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "hmac")
}
