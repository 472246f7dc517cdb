package secure

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type inner struct{}

func (inner) Promoted() string { return "from the embedded type" }

type outer struct {
	inner
	Public string
}

func (outer) Own() string          { return "own" }
func (outer) unexported() string   { return "never" }
func (o outer) Mixed(x int) string { return o.unexported() }

func TestRegistrationRefusesWhatMustNotBeCallable(t *testing.T) {
	d := newTestDaemon(t, insecure())
	defer d.Close()
	cases := map[string][]Option{
		"nothing exposed":        nil,
		"promoted method":        {Expose("Promoted")},
		"unexported method":      {Expose("unexported")},
		"missing method":         {Expose("Nope")},
		"underscore remote name": {Expose("Own"), Rename("Own", "_own")},
		"dotted remote name":     {Expose("Own"), Rename("Own", "a.b")},
		"oneway of unexposed":    {Expose("Own"), Oneway("mixed")},
		"bad id":                 {Expose("Own"), WithID("has space")},
	}
	for name, opts := range cases {
		_, err := d.Register(&outer{}, opts...)
		assert.ErrorIs(t, err, ErrNotRegistrable, name)
	}
	_, err := d.Register(nil, Expose("Own"))
	assert.ErrorIs(t, err, ErrNotRegistrable)
	uri, err := d.Register(&outer{}, Expose("Own"), WithID("o"))
	require.NoError(t, err)
	_, err = d.Register(&outer{}, Expose("Own"), WithID("o"))
	assert.ErrorIs(t, err, ErrDaemon, "duplicate id")
	startDaemon(t, d)
	p, err := NewProxy(uri, ProxyConfig{Policy: insecure()})
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.Connect(ctxT(t)))
	assert.Equal(t, []string{"own"}, p.Metadata().Methods)
	// Even a hand-made call to something else is refused by the daemon.
	cc, err := p.conn(ctxT(t))
	require.NoError(t, err)
	for _, m := range []string{"promoted", "mixed", "unexported", "_own", "__init__", "public"} {
		_, err := p.roundTrip(ctxT(t), cc, callOf("o", m), 0)
		var re *RemoteError
		require.ErrorAs(t, err, &re, m)
		assert.Equal(t, "builtins.AttributeError", re.Class, m)
	}
}

type slow struct{ done atomic.Int32 }

func (s *slow) Work(ctx context.Context, d float64) string {
	time.Sleep(time.Duration(d * float64(time.Second)))
	s.done.Add(1)
	return "finished"
}

func TestGracefulShutdownFinishesCallsInFlight(t *testing.T) {
	d := newTestDaemon(t, insecure())
	obj := &slow{}
	uri, err := d.Register(obj, Expose("Work"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx) }()
	p, err := NewProxy(uri, ProxyConfig{Policy: insecure()})
	require.NoError(t, err)
	defer p.Close()
	res := make(chan error, 1)
	go func() { _, err := Call[string](context.Background(), p, "work", 0.3); res <- err }()
	time.Sleep(100 * time.Millisecond) // the call is running
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	require.NoError(t, d.Shutdown(sctx))
	require.NoError(t, <-res, "the call in flight finished")
	assert.EqualValues(t, 1, obj.done.Load())
	cancel()
	require.NoError(t, <-served)
	_, err = p.Call(context.Background(), "work", 0.0)
	require.Error(t, err, "a stopped daemon serves no more calls")
}

func TestNATAddressInURIs(t *testing.T) {
	d, err := NewDaemon(DaemonConfig{Host: "127.0.0.1", NATHost: "gateway.example", NATPort: 4242, Policy: insecure()})
	require.NoError(t, err)
	defer d.Close()
	uri, err := d.Register(&outer{}, Expose("Own"), WithID("natted"))
	require.NoError(t, err)
	assert.Equal(t, "PYRO:natted@gateway.example:4242", uri.String())
	assert.NotContains(t, d.Addr().String(), "gateway")
}
