package secure

import (
	"bytes"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/policy"
)

// callsLog is a concurrency-safe log sink for a daemon under test.
type callsLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *callsLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *callsLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// callsDaemon starts a plaintext loopback daemon with pol (nil: insecure())
// whose warnings go to the returned log.
func callsDaemon(t testing.TB, pol *policy.Policy) (*Daemon, *callsLog) {
	t.Helper()
	if pol == nil {
		pol = insecure()
	}
	lg := &callsLog{}
	d, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: pol,
		Logger: hclog.New(&hclog.LoggerOptions{Output: lg, Level: hclog.Warn})})
	require.NoError(t, err)
	return d, lg
}

// callsProxy returns a plaintext proxy that is closed when the test ends.
func callsProxy(t testing.TB, uri any, cfg ProxyConfig) *Proxy {
	t.Helper()
	if cfg.Policy == nil {
		cfg.Policy = insecure()
	}
	p, err := NewProxy(uri, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}
