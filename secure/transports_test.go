package secure

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs/certstest"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/transport"
)

// mtls returns daemon and proxy policies for 2-way TLS with a fresh CA: the
// secure default, no opt-outs.
func mtls(t testing.TB) (server, client *policy.Policy) {
	ca := certstest.NewCA(t)
	s, c := ca.WriteFiles(t, t.TempDir())
	return &policy.Policy{TLS: s}, &policy.Policy{TLS: c}
}

// callSuite is the same short conversation run over every transport.
func callSuite(t *testing.T, p *Proxy) {
	ctx := ctxT(t)
	s, err := Call[string](ctx, p, "get_fortune", "Eve")
	require.NoError(t, err)
	assert.Contains(t, s, "Hello, Eve.")
	_, err = p.Call(ctx, "hidden")
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	for i := range 20 {
		s, err := Call[string](ctx, p, "get_fortune", fmt.Sprint(i))
		require.NoError(t, err)
		assert.Contains(t, s, fmt.Sprintf("Hello, %d.", i))
	}
}

func TestEveryTransportUnderSecureDefault(t *testing.T) {
	srvPol, cliPol := mtls(t)
	dir := t.TempDir()
	cases := []struct {
		name   string
		listen func(t *testing.T) net.Listener
	}{
		{"tcp4", func(t *testing.T) net.Listener {
			ln, err := transport.Listen(context.Background(), transport.Endpoint{Network: "tcp", Address: "127.0.0.1:0"}, transport.ListenOptions{})
			require.NoError(t, err)
			return ln
		}},
		{"tcp6", func(t *testing.T) net.Listener {
			ln, err := transport.Listen(context.Background(), transport.Endpoint{Network: "tcp", Address: "[::1]:0"}, transport.ListenOptions{})
			if err != nil {
				t.Skipf("no IPv6 loopback: %v", err)
			}
			return ln
		}},
		{"unix", func(t *testing.T) net.Listener {
			ln, err := transport.Listen(context.Background(), transport.Endpoint{Network: "unix", Address: filepath.Join(dir, "d.sock")}, transport.ListenOptions{})
			require.NoError(t, err)
			return ln
		}},
		{"abstract", func(t *testing.T) net.Listener {
			ln, err := transport.Listen(context.Background(), transport.Endpoint{Network: "unix", Address: fmt.Sprintf("@flint-test-%d", os.Getpid())}, transport.ListenOptions{})
			require.NoError(t, err)
			return ln
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln := tc.listen(t)
			d, err := NewDaemon(DaemonConfig{Listener: ln, Policy: srvPol})
			require.NoError(t, err)
			uri, err := d.Register(&greetingMaker{}, ExposeInterface[greeter](), WithID("greeting"))
			require.NoError(t, err)
			startDaemon(t, d)
			cfg := ProxyConfig{Policy: cliPol}
			if uri.Sockname != "" {
				cfg.ServerName = "localhost"
			}
			p, err := NewProxy(uri, cfg)
			require.NoError(t, err)
			defer p.Close()
			callSuite(t, p)
		})
	}
	for _, kind := range []string{"socketpair", "net.Conn"} {
		t.Run(kind, func(t *testing.T) {
			var a, b net.Conn
			var err error
			if kind == "socketpair" {
				a, b, err = transport.SocketPair()
				require.NoError(t, err)
			} else {
				// Any existing connection works; here a TCP one made by hand.
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				acc := make(chan net.Conn, 1)
				go func() { c, _ := ln.Accept(); acc <- c }()
				b, err = net.Dial("tcp", ln.Addr().String())
				require.NoError(t, err)
				a = <-acc
				ln.Close()
			}
			d, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", Policy: srvPol})
			require.NoError(t, err)
			_, err = d.Register(&greetingMaker{}, ExposeInterface[greeter](), WithID("greeting"))
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan struct{})
			go func() { d.ServeConn(ctx, a); close(served) }()
			used := false
			p, err := NewProxy("PYRO:greeting@./u:socketpair", ProxyConfig{Policy: cliPol, ServerName: "localhost",
				Network:           map[bool]string{true: "unix", false: "tcp"}[kind == "socketpair"],
				ReconnectAttempts: -1,
				Dialer: func(context.Context) (net.Conn, error) {
					if used {
						return nil, fmt.Errorf("the connection was used already")
					}
					used = true
					return b, nil
				}})
			require.NoError(t, err)
			callSuite(t, p)
			p.Close()
			<-served
			cancel()
			require.NoError(t, d.Close())
		})
	}
}
