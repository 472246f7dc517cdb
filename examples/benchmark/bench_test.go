package benchmark

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

const pyroExamples = "/usr/share/doc/pyro4/examples"

// TestPyro4BenchmarkClientUnchanged runs Pyro4's own benchmark client (from
// Debian's pyro4-examples package, not a copy) against the Go object.
func TestPyro4BenchmarkClientUnchanged(t *testing.T) {
	client := pyroExamples + "/benchmark/client.py"
	if _, err := os.Stat(client); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pyro4-examples is required in CI: %v", err)
		}
		t.Skip("pyro4-examples not installed")
	}
	d, err := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: &policy.Policy{AllowInsecurePlaintext: true}})
	require.NoError(t, err)
	uri, err := Register(d)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	defer func() { cancel(); <-done }()

	cctx, ccancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer ccancel()
	cmd := exec.CommandContext(cctx, "/usr/bin/python3", "client.py")
	cmd.Dir = pyroExamples + "/benchmark"
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stdin = strings.NewReader(uri.String() + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), "stdout: %s\nstderr: %s", out.String(), errb.String())
	assert.Contains(t, out.String(), "call #12, 1000 times")
	assert.Contains(t, out.String(), "total method calls: 12000")
	t.Logf("Pyro4 benchmark client against flint:\n%s", out.String())
}

func TestBenchSemantics(t *testing.T) {
	var b Bench
	assert.Equal(t, 13, b.Length("Irmen de Jong"))
	v, err := b.Timestwo(int64(21))
	require.NoError(t, err)
	assert.Equal(t, int64(42), v)
	assert.Equal(t, int64(120), b.Manyargs(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
	assert.Len(t, b.Bigreply(), 4500)
	assert.Equal(t, 4, b.Varargs("een", 2, 3, 4))
}
