package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// program is one example's server and client, run as the programs they
// are: built, configured from the environment, stopped with SIGINT.
type program struct {
	name       string
	serverArgs []string
	uris       int                          // PYRO URIs the server prints
	clientArgs func(uris []string) []string // from the printed URIs
	env        []string
	want       string // in the client's output
}

var pyroURI = regexp.MustCompile(`PYRO:[^\s]+@[^\s]+`)

var programs = []program{
	{name: "oneway", serverArgs: []string{"-tick", "50ms"}, uris: 1,
		clientArgs: func(u []string) []string { return []string{"-tick", "50ms", u[0]} },
		want:       "getting the result from the server: The result :)"},
	{name: "batchedcalls", uris: 1,
		clientArgs: func(u []string) []string { return []string{"-loops", "200", "-delay", "50ms", u[0]} },
		want:       "A divide by zero error occurred during the batch! (expected)"},
	{name: "async", serverArgs: []string{"-delay", "100ms"}, uris: 1,
		clientArgs: func(u []string) []string { return []string{"-delay", "100ms", u[0]} },
		want:       "resultvalues= [20 11 277]"},
	{name: "streaming", serverArgs: []string{"-slow", "5ms"}, uris: 1,
		clientArgs: func(u []string) []string { return u },
		want:       "[0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181]"},
	{name: "autoproxy", uris: 1, clientArgs: func(u []string) []string { return u }, want: "Speaking stuff."},
	{name: "instancemode", uris: 3,
		clientArgs: func(u []string) []string { return []string{u[0][len("PYRO:instance.single@"):]} },
		want:       "instances over both proxies: 1"},
	{name: "attributes", uris: 1, clientArgs: func(u []string) []string { return u },
		want: "value gotten from p.prop_sub= {'name': 'value'}   (should be unchanged!)"},
	{name: "timeout", uris: 2,
		clientArgs: func(u []string) []string { return []string{"-unit", "100ms", u[0], u[1]} },
		want:       "Trying to connect.\nTimeoutError! As expected!"},
	{name: "callcontext", uris: 1, clientArgs: func(u []string) []string { return u },
		env:  []string{"FLINT_HMAC_KEY=secr3t_k3y", "FLINT_HMAC_MODE=pyro4"},
		want: `DDAA -> "custom response annotation set by the daemon"`},
	{name: "exceptions", uris: 1, clientArgs: func(u []string) []string { return u },
		env: []string{"FLINT_EXPOSE_TRACEBACKS=1"}, want: "Foo.crash2"},
	{name: "callback", serverArgs: []string{"-unit", "20ms"}, uris: 2,
		clientArgs: func(u []string) []string { return u }, want: "both callbacks arrived"},
}

// buildPrograms builds every example's server and client, two at a time.
func buildPrograms(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, p := range programs {
		for _, kind := range []string{"server", "client"} {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				args := []string{"build", "-o", filepath.Join(dir, p.name+"-"+kind)}
				if raceEnabled {
					args = append(args, "-race")
				}
				cmd := exec.Command("go", append(args, "./examples/"+p.name+"/"+kind)...)
				cmd.Dir = ".."
				if out, err := cmd.CombinedOutput(); err != nil {
					mu.Lock()
					failures = append(failures, p.name+"/"+kind+": "+err.Error()+"\n"+string(out))
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	require.Empty(t, failures)
	return dir
}

// TestPrograms builds the example programs and runs each server with its
// client over plaintext loopback, configured from the environment as a
// user would; each server must stop cleanly on SIGINT.
func TestPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 22 programs")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := buildPrograms(t)
	for _, p := range programs {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			env := append(os.Environ(), "FLINT_INSECURE=1", "FLINT_HOST=127.0.0.1")
			env = append(env, p.env...)
			srv := exec.Command(filepath.Join(dir, p.name+"-server"), p.serverArgs...)
			srv.Env = env
			stdout, err := srv.StdoutPipe()
			require.NoError(t, err)
			var stderr lockedBuffer
			srv.Stderr = &stderr
			require.NoError(t, srv.Start())
			exited := make(chan error, 1)
			found := make(chan []string, 1)
			go func() {
				var uris []string
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					if len(uris) == p.uris {
						continue // already reported; keep draining
					}
					uris = append(uris, pyroURI.FindAllString(sc.Text(), -1)...)
					if len(uris) >= p.uris {
						uris = uris[:p.uris]
						found <- uris
					}
				}
				exited <- srv.Wait()
			}()
			stopped := false
			defer func() {
				if !stopped {
					_ = srv.Process.Kill()
					<-exited
				}
			}()
			var uris []string
			select {
			case uris = <-found:
			case err := <-exited:
				stopped = true
				t.Fatalf("server exited: %v\n%s", err, stderr.String())
			case <-time.After(30 * time.Second):
				t.Fatalf("server printed no URIs: %s", stderr.String())
			}

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cli := exec.CommandContext(ctx, filepath.Join(dir, p.name+"-client"), p.clientArgs(uris)...)
			cli.Env = env
			var out, errb bytes.Buffer
			cli.Stdout, cli.Stderr = &out, &errb
			require.NoError(t, cli.Run(), "client failed:\n%s\n%s", out.String(), errb.String())
			assert.Contains(t, out.String(), p.want)

			require.NoError(t, srv.Process.Signal(syscall.SIGINT))
			select {
			case err := <-exited:
				stopped = true
				assert.NoError(t, err, "server did not exit cleanly: %s", stderr.String())
			case <-time.After(15 * time.Second):
				t.Error("server did not stop on SIGINT")
			}
		})
	}
}
