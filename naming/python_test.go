package naming

import (
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/secure"
)

// pyOps runs testdata/pyns.py's battery of name server calls against the
// name server at 127.0.0.1:port and returns the JSON result with nsURI
// replaced by "<NS>", so the results of two name servers compare.
func pyOps(t *testing.T, env []string, port int, nsURI string) map[string]any {
	t.Helper()
	out := runPython(t, env, "testdata/pyns.py", "ops", "127.0.0.1", strconv.Itoa(port))
	out = strings.ReplaceAll(out, nsURI, "<NS>")
	var m map[string]any
	decodeJSON(t, out, &m)
	return m
}

// TestPythonAgainstFlintNS: real Pyro4 against a flint name server, in
// plaintext and with 2-way TLS. Pyro4's clients see exactly what they see
// from Pyro4's own name server (the same calls are made against pyro4-ns
// and the results compared); locateNS finds it by host and by broadcast;
// pyro4-nsc lists it; Python and Go servers register, and Python and Go
// clients resolve PYRONAME and PYROMETA URIs through it.
func TestPythonAgainstFlintNS(t *testing.T) {
	needPython(t)
	for _, m := range modes(t) {
		t.Run(m.name, func(t *testing.T) {
			srv := startServer(t, ServerConfig{Daemon: secureCfg(m.server), Broadcast: &BroadcastConfig{Addr: "127.0.0.1:0"}})
			port := srv.URI().Port
			ctx := ctxT(t)

			// The same battery against both name servers.
			ours := pyOps(t, m.pyEnv, port, srv.URI().String())
			pyPort := startPyNS(t, m.pyEnv)
			theirs := pyOps(t, m.pyEnv, pyPort, "PYRO:Pyro.NameServer@127.0.0.1:"+strconv.Itoa(pyPort))
			assert.Equal(t, "<NS>", ours["ns_uri"])
			// Regex error texts come from different engines; the class is
			// what matters.
			for _, r := range []map[string]any{ours, theirs} {
				if e, ok := r["bad_regex"].(map[string]any); ok {
					delete(e, "msg")
				}
			}
			assert.Equal(t, theirs, ours)
			assert.Equal(t, map[string]any{"err": "Pyro4.errors.NamingError", "msg": "unknown name: no.such.name"}, ours["unknown"])
			assert.Equal(t, map[string]any{"err": "Pyro4.errors.NamingError"}, ours["bad_regex"])
			if m.name == "plaintext" {
				// Pyro4's other serializers see the same results.
				for _, ser := range []string{"json", "marshal"} {
					got := pyOps(t, append([]string{"PYRO_SERIALIZER=" + ser}, m.pyEnv...), port, srv.URI().String())
					if e, ok := got["bad_regex"].(map[string]any); ok {
						delete(e, "msg")
					}
					assert.Equal(t, ours, got, ser)
				}
			}

			// locateNS by broadcast on loopback: the direct attempt on
			// PYRO_NS_PORT fails, the broadcast on PYRO_NS_BCPORT answers.
			bcPort := srv.Broadcast().Addr().(*net.UDPAddr).Port
			env := append([]string{"PYRO_NS_PORT=" + strconv.Itoa(closedPort(t)), "PYRO_NS_BCPORT=" + strconv.Itoa(bcPort)}, m.pyEnv...)
			found := strings.TrimSpace(runPython(t, env, "testdata/pyns.py", "locate"))
			assert.Equal(t, srv.URI().String(), found)
			assert.Equal(t, strings.TrimSpace(runPython(t, m.pyEnv, "testdata/pyns.py", "locate", "127.0.0.1", strconv.Itoa(port))), found)

			// Servers register: one Python, one Go.
			c := dialNS(t, srv, m.client)
			goURI, _ := startGreeter(t, m.server, "Go")
			require.NoError(t, c.Register(ctx, "example.go.greeting", goURI, RegisterOptions{Metadata: []string{"greeting.go"}}))
			cmd := exec.Command(python, "testdata/pyns.py", "server", "127.0.0.1", strconv.Itoa(port))
			cmd.Env = pyEnv(m.pyEnv...)
			_, pyURI := startProc(t, cmd, regexp.MustCompile(`^READY (\S+)`))
			got, meta, err := c.LookupMeta(ctx, "example.py.greeting")
			require.NoError(t, err)
			assert.Equal(t, pyURI, got.String())
			assert.Equal(t, []string{"greeting.python"}, meta)

			// pyro4-nsc shows them.
			nsc := exec.Command("/usr/bin/pyro4-nsc", "-n", "127.0.0.1", "-p", strconv.Itoa(port), "list")
			nsc.Env = pyEnv(m.pyEnv...)
			out, err := nsc.CombinedOutput()
			require.NoError(t, err, string(out))
			assert.True(t, hasLine(string(out), "Pyro.NameServer --> "+srv.URI().String()), string(out))
			assert.True(t, hasLine(string(out), "    metadata: ['class:Pyro4.naming.NameServer']"), string(out))
			assert.True(t, hasLine(string(out), "example.go.greeting --> "+goURI.String()), string(out))
			assert.True(t, hasLine(string(out), "    metadata: ['greeting.python']"), string(out))

			// Python clients resolve both.
			loc := "@127.0.0.1:" + strconv.Itoa(port)
			var calls []map[string]any
			decodeJSON(t, runPython(t, m.pyEnv, "testdata/pyns.py", "call",
				"PYRONAME:example.py.greeting"+loc, "PYROMETA:greeting.python"+loc,
				"PYRONAME:example.go.greeting"+loc, "PYROMETA:greeting.go"+loc, "PYRONAME:no.such"+loc), &calls)
			require.Len(t, calls, 5)
			fromPy := "Hello, Py. Here is your fortune message from Python."
			assert.Equal(t, map[string]any{"ok": fromPy}, calls[0])
			assert.Equal(t, map[string]any{"ok": fromPy}, calls[1])
			assert.Equal(t, map[string]any{"ok": "Hello, Py. Here is your fortune message from Go."}, calls[2])
			assert.Equal(t, map[string]any{"ok": "Hello, Py. Here is your fortune message from Go."}, calls[3])
			assert.Equal(t, "Pyro4.errors.NamingError", calls[4]["err"])

			// Go clients resolve both, by host and by broadcast.
			byHost := secure.ProxyConfig{Policy: m.client, Resolver: NewResolver(LocateOptions{Host: "127.0.0.1", Port: port, Policy: m.client})}
			byBroadcast := secure.ProxyConfig{Policy: m.client, Resolver: NewResolver(LocateOptions{Port: closedPort(t), Broadcast: true,
				BroadcastAddrs: []string{"127.0.0.1"}, BroadcastPort: bcPort, Policy: m.client})}
			for _, cfg := range []secure.ProxyConfig{byHost, byBroadcast} {
				for uri, want := range map[string]string{
					"PYRONAME:example.py.greeting": "Hello, Go. Here is your fortune message from Python.",
					"PYROMETA:greeting.python":     "Hello, Go. Here is your fortune message from Python.",
					"PYRONAME:example.go.greeting": "Hello, Go. Here is your fortune message from Go.",
					"PYROMETA:greeting.go":         "Hello, Go. Here is your fortune message from Go.",
				} {
					got, err := fortune(ctx, uri, cfg)
					require.NoError(t, err, uri)
					assert.Equal(t, want, got, uri)
				}
			}
			_, err = fortune(ctx, "PYROMETA:no.such.tag", byHost)
			require.ErrorIs(t, err, secure.ErrNaming)
			_, err = fortune(ctx, "PYRONAME:example.go.greeting"+loc, secure.ProxyConfig{Policy: m.client, Resolver: NewResolver(LocateOptions{Policy: m.client})})
			require.NoError(t, err, "the name server in the URI wins over the options")
		})
	}
}

// TestGoAgainstPythonNS: flint's Client and Resolver against Pyro4's own
// name server (pyro4-ns), in plaintext and with 2-way TLS.
func TestGoAgainstPythonNS(t *testing.T) {
	needPython(t)
	for _, m := range modes(t) {
		t.Run(m.name, func(t *testing.T) {
			port := startPyNS(t, m.pyEnv)
			ctx := ctxT(t)
			p, err := Locate(ctx, LocateOptions{Host: "127.0.0.1", Port: port, Policy: m.client})
			require.NoError(t, err)
			c := NewClient(p)
			defer c.Close()
			require.NoError(t, c.Ping(ctx))
			n, err := c.Count(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			self, meta, err := c.LookupMeta(ctx, ObjectID)
			require.NoError(t, err)
			assert.Equal(t, "PYRO:Pyro.NameServer@127.0.0.1:"+strconv.Itoa(port), self.String())
			assert.Equal(t, []string{selfMeta}, meta)

			goURI, _ := startGreeter(t, m.server, "Go")
			require.NoError(t, c.Register(ctx, "example.go.greeting", goURI, RegisterOptions{Safe: true, Metadata: []string{"greeting.go", "lang.go"}}))
			err = c.Register(ctx, "example.go.greeting", goURI, RegisterOptions{Safe: true})
			require.ErrorIs(t, err, secure.ErrNaming)
			got, err := c.Lookup(ctx, "example.go.greeting")
			require.NoError(t, err)
			assert.Equal(t, goURI, got)
			_, err = c.Lookup(ctx, "no.such")
			require.ErrorIs(t, err, secure.ErrNaming)
			lm, err := c.ListMeta(ctx, Filter{Prefix: "example."})
			require.NoError(t, err)
			assert.Equal(t, map[string]Listing{"example.go.greeting": {URI: goURI.String(), Meta: []string{"greeting.go", "lang.go"}}}, lm)
			l, err := c.List(ctx, Filter{MetadataAny: []string{"lang.go", "x"}})
			require.NoError(t, err)
			assert.Equal(t, []string{"example.go.greeting"}, keys(l))
			l, err = c.List(ctx, Filter{Regex: `example\..*`})
			require.NoError(t, err)
			assert.Len(t, l, 1)
			require.NoError(t, c.SetMetadata(ctx, "example.go.greeting", []string{"greeting.go"}))

			cfg := secure.ProxyConfig{Policy: m.client, Resolver: NewResolver(LocateOptions{Host: "127.0.0.1", Port: port, Policy: m.client})}
			for _, uri := range []string{"PYRONAME:example.go.greeting", "PYROMETA:greeting.go"} {
				got, err := fortune(ctx, uri, cfg)
				require.NoError(t, err, uri)
				assert.Equal(t, "Hello, Go. Here is your fortune message from Go.", got)
			}
			k, err := c.RemoveRegex(ctx, `example\.`)
			require.NoError(t, err)
			assert.Equal(t, 1, k)
			k, err = c.Remove(ctx, ObjectID)
			require.NoError(t, err)
			assert.Equal(t, 0, k)
		})
	}
}

// TestResolverFollowsReregistration: a proxy re-resolves its PYRONAME on
// every reconnect, so it follows a server that moved.
func TestResolverFollowsReregistration(t *testing.T) {
	srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext())})
	c := dialNS(t, srv, plaintext())
	ctx := ctxT(t)
	first, stopFirst := startGreeter(t, plaintext(), "first")
	require.NoError(t, c.Register(ctx, "moving", first, RegisterOptions{}))
	p, err := secure.NewProxy("PYRONAME:moving", secure.ProxyConfig{Policy: plaintext(),
		Resolver: NewResolver(LocateOptions{Host: "127.0.0.1", Port: srv.URI().Port, Policy: plaintext()})})
	require.NoError(t, err)
	defer p.Close()
	got, err := secure.Call[string](ctx, p, "get_fortune", "x")
	require.NoError(t, err)
	assert.Contains(t, got, "from first")
	assert.Equal(t, "PYRONAME:moving", p.URI().String(), "the proxy keeps its logical URI")

	// The server moves: the old one stops, a new one registers the name.
	second, _ := startGreeter(t, plaintext(), "second")
	require.NoError(t, c.Register(ctx, "moving", second, RegisterOptions{}))
	stopFirst()
	// The call that meets the broken connection may fail (get_fortune is
	// not idempotent); the reconnect resolves the name again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err = secure.Call[string](ctx, p, "get_fortune", "x")
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	require.NoError(t, err)
	assert.Contains(t, got, "from second")
}
