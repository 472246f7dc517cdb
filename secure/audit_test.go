package secure

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/certs/certstest"
	"github.com/flintrpc/flint/policy"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

type whoami struct{}

func (whoami) Who(ctx context.Context) (string, error) {
	ci, ok := CallInfoFrom(ctx)
	if !ok {
		return "", NewRemoteError("builtins.RuntimeError", "no call info")
	}
	return ci.Peer.CommonName + "|" + ci.Peer.Fingerprint, nil
}

func (whoami) Secret() string { return "top secret" }

func (whoami) Fail() error { return NewRemoteError("builtins.ValueError", "nope") }

// TestAuditLogIdentityAndTracebacks checks, under mTLS with a rule: the
// peer's certificate identity reaches the method, accepted and refused
// connections and denied calls are logged with the peer and the reason,
// the HMAC key never appears in the log, and tracebacks stay home by
// default.
func TestAuditLogIdentityAndTracebacks(t *testing.T) {
	ca := certstest.NewCA(t)
	srvFiles, cliFiles := ca.WriteFiles(t, t.TempDir())
	var logs syncBuf
	logger := hclog.New(&hclog.LoggerOptions{Output: &logs, JSONFormat: true, Level: hclog.Info})
	rule, err := auth.ParseRule("any:who:who,fail")
	require.NoError(t, err)
	key := "do-not-log-this-key"
	srv := &policy.Policy{TLS: srvFiles, Rules: auth.Rules{rule}, Logger: logger, HMACKey: auth.NewKey([]byte(key))}
	d := newTestDaemon(t, srv)
	uri, err := d.Register(whoami{}, Expose("Who", "Secret", "Fail"), WithID("who"))
	require.NoError(t, err)
	startDaemon(t, d)

	cli := &policy.Policy{TLS: cliFiles, HMACKey: auth.NewKey([]byte(key))}
	p, err := NewProxy(uri, ProxyConfig{Policy: cli})
	require.NoError(t, err)
	defer p.Close()
	who, err := Call[string](ctxT(t), p, "who")
	require.NoError(t, err)
	cn, fp, _ := strings.Cut(who, "|")
	assert.Equal(t, "flint-client", cn)
	assert.Len(t, fp, 64)

	_, err = p.Call(ctxT(t), "secret")
	require.ErrorIs(t, err, ErrSecurity)

	_, err = p.Call(ctxT(t), "fail")
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "nope", re.Message())
	assert.Empty(t, re.Traceback, "no traceback unless the policy allows it")

	// A client with the wrong key is refused and logged.
	bad, err := NewProxy(uri, ProxyConfig{Policy: &policy.Policy{TLS: cliFiles, HMACKey: auth.NewKey([]byte("wrong"))}, ReconnectAttempts: -1})
	require.NoError(t, err)
	defer bad.Close()
	_, err = bad.Call(ctxT(t), "who")
	require.Error(t, err)
	p.Close()
	bad.Close()
	require.NoError(t, d.Close())

	var accepted, refused, denied bool
	for _, l := range logs.lines(t) {
		switch l["@message"] {
		case "connection accepted":
			accepted = accepted || strings.Contains(l["peer"].(string), "cn=flint-client")
		case "connection refused":
			refused = refused || l["reason"] != ""
		case "call denied":
			denied = denied || (l["method"] == "secret" && strings.Contains(l["peer"].(string), "flint-client"))
		}
	}
	assert.True(t, accepted, "accepted connection logged with the peer identity")
	assert.True(t, refused, "refused connection logged with a reason")
	assert.True(t, denied, "denied call logged with peer and method")
	logs.mu.Lock()
	assert.NotContains(t, logs.b.String(), key)
	logs.mu.Unlock()
}
