package naming

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/certs/certstest"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// udpVector is common.json's recorded GET_NSURI exchange.
type udpVector struct {
	RequestHex string `json:"request_hex"`
	ReplyHex   string `json:"reply_hex"`
	ReplyText  string `json:"reply_text"`
}

func loadUDPVector(t testing.TB) udpVector {
	t.Helper()
	b, err := os.ReadFile("/work/shared/vectors/common.json")
	if err != nil {
		b, err = os.ReadFile("../../shared/vectors/common.json")
	}
	if err != nil {
		t.Skipf("vectors not available: %v", err)
	}
	var f struct {
		UDP []udpVector `json:"udp"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.UDP)
	return f.UDP[0]
}

// startResponder runs a broadcast responder on 127.0.0.1 until the test
// ends.
func startResponder(t testing.TB, uri secure.URI, cfg BroadcastConfig) *BroadcastServer {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	b, err := NewBroadcastServer(uri, cfg)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- b.Serve(context.Background()) }()
	t.Cleanup(func() {
		require.NoError(t, b.Close())
		require.NoError(t, <-done)
	})
	return b
}

// ask sends req n times to addr and returns the replies received within
// wait, or as soon as n replies are in.
func ask(t testing.TB, addr net.Addr, req []byte, n int, wait time.Duration) []string {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	for range n {
		_, err := c.WriteTo(req, addr)
		require.NoError(t, err)
	}
	var out []string
	buf := make([]byte, 1024)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
	for {
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			return out
		}
		out = append(out, string(buf[:k]))
		if len(out) == n {
			return out
		}
	}
}

func TestBroadcastResponderVector(t *testing.T) {
	v := loadUDPVector(t)
	req, err := hex.DecodeString(v.RequestHex)
	require.NoError(t, err)
	want, err := hex.DecodeString(v.ReplyHex)
	require.NoError(t, err)
	b := startResponder(t, secure.MustParseURI(v.ReplyText), BroadcastConfig{})
	got := ask(t, b.Addr(), req, 1, 2*time.Second)
	require.Len(t, got, 1)
	assert.Equal(t, string(want), got[0], "byte-identical to Pyro4's reply")
	u, ok := parseBroadcastReply(want)
	require.True(t, ok)
	assert.Equal(t, v.ReplyText, u.String())

	// Anything but the exact request is ignored.
	for _, junk := range []string{"GET_NSURI\n", "get_nsuri", "GET_NSUR", "", "GET_NSURIGET_NSURI", "\x00"} {
		assert.Empty(t, ask(t, b.Addr(), []byte(junk), 1, 100*time.Millisecond), "%q", junk)
	}
	st := b.Stats()
	assert.Equal(t, uint64(1), st.Answered)
	assert.Equal(t, uint64(6), st.Ignored)
}

func TestBroadcastRateLimit(t *testing.T) {
	b := startResponder(t, secure.MustParseURI("PYRO:Pyro.NameServer@127.0.0.1:9999"), BroadcastConfig{Rate: 2, Burst: 5})
	got := ask(t, b.Addr(), []byte(broadcastRequest), 40, 500*time.Millisecond)
	// The burst, plus at most what refills in the half second.
	assert.GreaterOrEqual(t, len(got), 5)
	assert.LessOrEqual(t, len(got), 7)
	st := b.Stats()
	assert.Equal(t, uint64(len(got)), st.Answered)
	assert.Equal(t, uint64(40), st.Answered+st.Dropped)
	// Tokens come back with time.
	time.Sleep(600 * time.Millisecond)
	assert.Len(t, ask(t, b.Addr(), []byte(broadcastRequest), 1, time.Second), 1)
}

func TestBroadcastUnspecifiedHost(t *testing.T) {
	b := startResponder(t, secure.MustParseURI("PYRO:Pyro.NameServer@0.0.0.0:4321"), BroadcastConfig{})
	got := ask(t, b.Addr(), []byte(broadcastRequest), 1, 2*time.Second)
	require.Len(t, got, 1)
	assert.Equal(t, "PYRO:Pyro.NameServer@127.0.0.1:4321", got[0], "the interface facing the asker is put in")
}

func TestBroadcastConfigErrors(t *testing.T) {
	_, err := NewBroadcastServer(secure.MustParseURI("PYRONAME:x"), BroadcastConfig{Addr: "127.0.0.1:0"})
	require.Error(t, err)
	_, err = NewBroadcastServer(secure.MustParseURI("PYRO:Pyro.NameServer@./u:/tmp/s"), BroadcastConfig{Addr: "127.0.0.1:0"})
	require.Error(t, err)
	b := startResponder(t, secure.MustParseURI("PYRO:Pyro.NameServer@127.0.0.1:1"), BroadcastConfig{})
	_, err = NewBroadcastServer(secure.MustParseURI("PYRO:Pyro.NameServer@127.0.0.1:1"), BroadcastConfig{Addr: "256.0.0.1:1"})
	require.Error(t, err)
	_ = b
}

// TestLocateByBroadcast finds a name server by broadcast on loopback, in
// plaintext and under 2-way TLS.
func TestLocateByBroadcast(t *testing.T) {
	for _, m := range modes(t) {
		t.Run(m.name, func(t *testing.T) {
			srv := startServer(t, ServerConfig{Daemon: secureCfg(m.server), Broadcast: &BroadcastConfig{Addr: "127.0.0.1:0"}})
			bcPort := srv.Broadcast().Addr().(*net.UDPAddr).Port
			p, err := Locate(ctxT(t), LocateOptions{Port: closedPort(t), Broadcast: true, BroadcastAddrs: []string{"127.0.0.1"},
				BroadcastPort: bcPort, Policy: m.client})
			require.NoError(t, err)
			defer p.Close()
			assert.Equal(t, srv.URI(), p.URI())
			require.NoError(t, NewClient(p).Ping(ctxT(t)))
		})
	}
}

// TestLocateSkipsImpostor: a second responder announces a name server
// whose certificate is not from our CA. Whichever reply comes first,
// Locate returns the genuine name server, because only it passes the gate.
func TestLocateSkipsImpostor(t *testing.T) {
	m := modes(t)[1]
	srv := startServer(t, ServerConfig{Daemon: secureCfg(m.server), Broadcast: &BroadcastConfig{Addr: "127.0.0.1:0"}})
	bcPort := srv.Broadcast().Addr().(*net.UDPAddr).Port
	// The impostor: a name server with a certificate from another CA, and
	// a responder for it on 127.0.0.2, same port.
	other := certstest.NewCA(t)
	osrv, _ := other.WriteFiles(t, t.TempDir())
	fake := startServer(t, ServerConfig{Daemon: secureCfg(&policy.Policy{TLS: osrv})})
	impostor := startResponder(t, fake.URI(), BroadcastConfig{Addr: "127.0.0.2:" + strconv.Itoa(bcPort)})
	for range 3 {
		p, err := Locate(ctxT(t), LocateOptions{Port: closedPort(t), Broadcast: true, BroadcastAddrs: []string{"127.0.0.2", "127.0.0.1"},
			BroadcastPort: bcPort, Policy: m.client})
		require.NoError(t, err)
		assert.Equal(t, srv.URI(), p.URI())
		p.Close()
	}
	assert.Equal(t, uint64(3), impostor.Stats().Answered, "the impostor did answer")
	// With only the impostor answering, Locate fails: it is never trusted.
	_, err := Locate(ctxT(t), LocateOptions{Port: closedPort(t), Broadcast: true, BroadcastAddrs: []string{"127.0.0.2"},
		BroadcastPort: bcPort, BroadcastTimeout: 100 * time.Millisecond, Policy: m.client})
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, err, secure.ErrNaming)
	assert.Contains(t, err.Error(), "found by broadcast")
}

func TestLocateNotFound(t *testing.T) {
	start := time.Now()
	_, err := Locate(ctxT(t), LocateOptions{Host: "127.0.0.1", Port: closedPort(t), Policy: plaintext()})
	require.ErrorIs(t, err, ErrNotFound)
	var se *secure.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, secure.ErrNaming, se.Kind)
	assert.Less(t, time.Since(start), 2*time.Second, "no broadcast without asking for it")

	// Broadcast with nobody answering: 3 rounds of BroadcastTimeout.
	start = time.Now()
	_, err = Locate(ctxT(t), LocateOptions{Port: closedPort(t), Broadcast: true, BroadcastAddrs: []string{"127.0.0.1"},
		BroadcastPort: closedPort(t), BroadcastTimeout: 100 * time.Millisecond, Policy: plaintext()})
	require.ErrorIs(t, err, ErrNotFound)
	el := time.Since(start)
	assert.GreaterOrEqual(t, el, 250*time.Millisecond)
	assert.Less(t, el, 3*time.Second)

	// A cancelled context stops discovery at once.
	ctx, cancel := context.WithTimeout(ctxT(t), 150*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = Locate(ctx, LocateOptions{Port: closedPort(t), Broadcast: true, BroadcastAddrs: []string{"127.0.0.1"},
		BroadcastPort: closedPort(t), Policy: plaintext()})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), err)
	assert.Less(t, time.Since(start), time.Second)
}

func TestLocateOptionsFromEnv(t *testing.T) {
	t.Setenv("FLINT_INSECURE", "1")
	t.Setenv(EnvNSHost, "")
	t.Setenv(EnvNSPort, "")
	t.Setenv(EnvNSBroadcast, "")
	t.Setenv(EnvBroadcastAddrs, "127.0.0.1, 127.0.0.2")
	t.Setenv(EnvNSBCPort, "9999")
	o, err := LocateOptionsFromEnv()
	require.NoError(t, err)
	assert.True(t, o.Broadcast)
	assert.Equal(t, []string{"127.0.0.1", "127.0.0.2"}, o.BroadcastAddrs)
	assert.Equal(t, 9999, o.BroadcastPort)
	assert.True(t, o.Policy.AllowInsecurePlaintext)
	t.Setenv(EnvNSHost, "ns.example")
	t.Setenv(EnvNSPort, "1234")
	o, err = LocateOptionsFromEnv()
	require.NoError(t, err)
	assert.False(t, o.Broadcast, "an explicit host turns broadcast off")
	assert.Equal(t, "ns.example", o.Host)
	assert.Equal(t, 1234, o.Port)
	t.Setenv(EnvNSBroadcast, "1")
	o, _ = LocateOptionsFromEnv()
	assert.True(t, o.Broadcast)
	for k, v := range map[string]string{EnvNSPort: "x", EnvNSBCPort: "70000", EnvNSBroadcast: "maybe"} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := LocateOptionsFromEnv()
			require.Error(t, err)
		})
	}
}

func FuzzParseBroadcastReply(f *testing.F) {
	f.Add([]byte("PYRO:Pyro.NameServer@localhost:47090"))
	f.Add([]byte("PYRO:Pyro.NameServer@[::1]:9090"))
	f.Add([]byte("PYRO:Pyro.NameServer@./u:/tmp/ns"))
	f.Add([]byte("PYRO:other@localhost:9090"))
	f.Add([]byte("PYRONAME:Pyro.NameServer"))
	f.Add([]byte("PYRO:Pyro.NameServer@h\xe9:1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, ok := parseBroadcastReply(b)
		if !ok {
			return
		}
		if u.Protocol != secure.ProtoPyro || u.Object != ObjectID || u.Host == "" || u.Port < 1 || len(b) > maxReplyLen {
			t.Fatalf("accepted %q as %#v", b, u)
		}
		again, err := secure.ParseURI(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("%q: %v %v", b, again, err)
		}
	})
}
