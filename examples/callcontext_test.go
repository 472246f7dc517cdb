package examples_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/examples/callcontext"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// hmacPolicy is plaintext with Pyro4's HMAC and the example's key.
func hmacPolicy() *policy.Policy {
	p := insecure()
	p.HMACKey = auth.NewKey([]byte(callcontext.HMACKey))
	p.HMACMode = policy.HMACPyro4
	return p
}

var corrSet = regexp.MustCompile(`correlation id set to: ([0-9a-f-]{36})`)

// checkCorrelation checks that withID of the calls the server saw carried
// the client's correlation id.
func checkCorrelation(t *testing.T, client, server string, withID, calls int) {
	t.Helper()
	m := corrSet.FindStringSubmatch(client)
	require.NotNil(t, m, client)
	assert.Equal(t, withID, strings.Count(server, "context.correlation_id: "+m[1]), server)
	assert.Equal(t, calls, strings.Count(server, "context.correlation_id:"), server)
}

// waitCount waits until a server, which prints each message's lines one
// at a time, has printed substr n times.
func waitCount(t *testing.T, out *lockedBuffer, substr string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Count(out.String(), substr) >= n }, 5*time.Second, 10*time.Millisecond,
		"waiting for %d × %q", n, substr)
}

func TestCallContext(t *testing.T) {
	t.Parallel()
	serve := func(t *testing.T) (string, *lockedBuffer) {
		out := &lockedBuffer{}
		uri, err := callcontext.Register(startDaemon(t, hmacPolicy()), &callcontext.EchoServer{Out: out})
		require.NoError(t, err)
		return uri.String(), out
	}
	t.Run("go client", func(t *testing.T) {
		uri, out := serve(t)
		var w lockedBuffer
		require.NoError(t, callcontext.Client(ctxT(t), &w, secure.ProxyConfig{Policy: hmacPolicy()}, uri))
		got := w.String()
		requireLines(t, got, "correlation id set to:", "Sending a few messages using one proxy...",
			`DDAA -> "custom response annotation set by the daemon"`,
			"Sending a oneway message... (no response, so no annotations)", "(none)",
			`Got response. Annotations: DDAA -> "custom response annotation set by the daemon"`)
		m := corrSet.FindStringSubmatch(got)
		require.NotNil(t, m)
		assert.Equal(t, 7, strings.Count(got, "CORR -> "+m[1]), got)
		out.waitFor(t, "Got Message: hello-ONEWAY-1", 5*time.Second)
		waitCount(t, out, "context.correlation_id:", 9)
		checkCorrelation(t, got, out.String(), 9, 9)
		assert.Equal(t, 9, strings.Count(out.String(), `custom annotation 'XYZZ': "Hello, I am a custom annotation from the proxy!"`))
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		uri, out := serve(t)
		got := runPython(t, nil, "callcontext/python/client.py", uri)
		requireLines(t, got, "DDAA -> b'custom response annotation set by the daemon'",
			"Annotations in response were:  {", "'DDAA': b'custom response annotation set by the daemon'",
			"(should be empty because oneway!)")
		m := corrSet.FindStringSubmatch(got)
		require.NotNil(t, m)
		// echo replies and CONNECTOK replies carry the id
		assert.GreaterOrEqual(t, strings.Count(got, "CORR -> "+m[1]), 7, got)
		out.waitFor(t, "Got Message: hi there ONEWAY", 5*time.Second)
		waitCount(t, out, "context.correlation_id:", 11)
		// Pyro4 runs the async call in another thread, whose context has
		// no correlation id: that call gets a fresh one.
		checkCorrelation(t, got, out.String(), 10, 11)
		assert.Contains(t, out.String(), `custom annotation 'XYZZ': "custom annotation from client via new way(2)"`)
	})
	t.Run("python client without the key", func(t *testing.T) {
		needPython(t)
		uri, out := serve(t)
		// Pyro4 without the key sends no HMAC: the daemon refuses.
		script := "import Pyro4, sys\ntry:\n    Pyro4.Proxy(sys.argv[1]).echo('x')\nexcept Pyro4.errors.CommunicationError as x:\n    print('refused:', type(x).__name__)\n"
		got := runPython(t, nil, "-c", script, uri)
		assert.Contains(t, got, "refused:")
		assert.NotContains(t, out.String(), "Got Message")
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "callcontext/python/server.py", "--until-eof")
		var w lockedBuffer
		require.NoError(t, callcontext.Client(ctxT(t), &w, secure.ProxyConfig{Policy: hmacPolicy()}, py.uris[callcontext.ObjectID]))
		requireLines(t, w.String(), `DDAA -> "custom response annotation set by the daemon"`)
		py.out.waitFor(t, "Got Message: hello-ONEWAY-1", 5*time.Second)
		// The server prints a message's lines one by one: wait for the
		// last message's correlation line too.
		waitCount(t, py.out, "context.correlation_id:", 9)
		checkCorrelation(t, w.String(), py.out.String(), 9, 9)
	})
}
