package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var flintBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flint-cmd-test")
	if err != nil {
		panic(err)
	}
	flintBin = filepath.Join(dir, "flint")
	if out, err := exec.Command("go", "build", "-o", flintBin, ".").CombinedOutput(); err != nil {
		panic("building flint: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runFlint(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, flintBin, args...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// cleanEnv drops FLINT_* variables so tests do not depend on the caller's.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FLINT_") {
			env = append(env, kv)
		}
	}
	return env
}

func TestVersionAndUsage(t *testing.T) {
	out, _, code := runFlint(t, nil, "version")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "flint "+Version)
	_, errOut, code := runFlint(t, nil, "no-such-command")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "no-such-command"`)
	_, errOut, code = runFlint(t, nil)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "echoserver")
}

func TestCheckConfig(t *testing.T) {
	out, _, code := runFlint(t, nil, "check-config")
	assert.Equal(t, 1, code, "the secure default without TLS material cannot start a TCP daemon")
	assert.Contains(t, out, "flint certs init")
	out, _, code = runFlint(t, []string{"FLINT_INSECURE=1", "FLINT_HMAC_KEY=s3cret-value", "FLINT_SERIALIZERS_ACCEPTED=serpent,msgpack"}, "check-config")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "serpent,msgpack")
	assert.Contains(t, out, "set (value not shown)")
	assert.Contains(t, out, "strong")
	assert.NotContains(t, out, "s3cret-value")
	_, errOut, code := runFlint(t, []string{"FLINT_HMAC_MODE=weird"}, "check-config")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "unknown HMAC mode")
}

func TestCertsCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	out, errOut, code := runFlint(t, nil, "certs", "init", dir)
	require.Equal(t, 0, code, out+errOut)
	out, _, code = runFlint(t, nil, "certs", "inspect", filepath.Join(dir, "server.pem"))
	require.Equal(t, 0, code)
	assert.Contains(t, out, "127.0.0.1")
}

// TestEchoServerWithPythonClient runs `flint echoserver` and calls it with
// the real Pyro4 client, like pyro4-test-echoserver.
func TestEchoServerWithPythonClient(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import Pyro4").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Python Pyro4 required in CI")
		}
		t.Skip("Python Pyro4 not installed")
	}
	cmd := exec.Command(flintBin, "echoserver", "-host", "127.0.0.1", "-port", "0", "-allow-shutdown")
	cmd.Env = append(cleanEnv(), "FLINT_INSECURE=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	uriCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "echo uri: "); ok {
				uriCh <- u
			}
		}
	}()
	var uri string
	select {
	case uri = <-uriCh:
	case <-time.After(20 * time.Second):
		t.Fatal("echoserver did not start")
	}
	script := `
import sys, Pyro4
p = Pyro4.Proxy(sys.argv[1])
print(p.echo("hello"))
print(p.echo([1, (2, 3)]))
try:
    p.error()
except ValueError as e:
    print("ValueError:", e)
print(list(p.generator()))
p.oneway_echo("fire")
print(p.verbose)
p.shutdown()
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, uri).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "hello\n[1, (2, 3)]\nValueError: expected error from echoserver error() method\n['one', 'two', 'three']\nFalse\n", string(out))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "echoserver exits cleanly after shutdown()")
	case <-time.After(15 * time.Second):
		t.Fatal("echoserver did not stop after shutdown()")
	}
}
