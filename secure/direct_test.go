package secure

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// directCalc counts the calls that came through its FlintMethods entries.
type directCalc struct{ direct atomic.Int64 }

func (c *directCalc) Add(a, b int) int         { return a + b }
func (c *directCalc) Echo(s string) string     { return s }
func (c *directCalc) Pair(a int, s string) int { return a + len(s) }

func (c *directCalc) FlintMethods() map[string]any {
	return map[string]any{
		"Add":  func(a, b int) int { c.direct.Add(1); return c.Add(a, b) },
		"Echo": func(s string) string { c.direct.Add(1); return c.Echo(s) },
	}
}

// TestDirectMethodsAreCalled: entries of FlintMethods are what the daemon
// calls, in plain calls and in batches; a method without an entry still
// works through reflection.
func TestDirectMethodsAreCalled(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	c := &directCalc{}
	uri, err := d.Register(c, Expose("Add", "Echo", "Pair"))
	require.NoError(t, err)
	startDaemon(t, d)
	p := callsProxy(t, uri, ProxyConfig{Serializer: "msgpack"})
	ctx := ctxT(t)

	n, err := Call[int](ctx, p, "add", 2, 3)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	s, err := Call[string](ctx, p, "echo", "hi")
	require.NoError(t, err)
	assert.Equal(t, "hi", s)
	res, err := p.Batch().Add("add", 1, 1).Add("add", 2, 2).Add("pair", 1, "ab").Run(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err)
	assert.Equal(t, []any{int64(2), int64(4), int64(3)}, res.Values)
	assert.EqualValues(t, 4, c.direct.Load(), "add and echo ran through FlintMethods")

	_, err = Call[int](ctx, p, "add", "x", 1)
	assert.ErrorContains(t, err, "TypeError", "argument checks are unchanged")
	assert.EqualValues(t, 4, c.direct.Load())
}

type badDirect struct{ m map[string]any }

func (badDirect) Add(a, b int) int               { return a + b }
func (badDirect) Hidden() int                    { return 0 }
func (b badDirect) FlintMethods() map[string]any { return b.m }

// TestDirectMethodsChecked: Register refuses entries that name no exposed
// method or have another type than the method.
func TestDirectMethodsChecked(t *testing.T) {
	d := newTestDaemon(t, insecure())
	t.Cleanup(func() { d.Close() })
	for name, m := range map[string]map[string]any{
		"not exposed":  {"Hidden": func() int { return 1 }},
		"unknown":      {"Sub": func(a, b int) int { return a - b }},
		"wrong type":   {"Add": func(a, b int64) int64 { return a + b }},
		"not a func":   {"Add": 42},
		"nil function": {"Add": nil},
	} {
		_, err := d.Register(badDirect{m: m}, Expose("Add"))
		assert.ErrorIs(t, err, ErrNotRegistrable, name)
	}
	_, err := d.Register(badDirect{m: map[string]any{"Add": badDirect{}.Add}}, Expose("Add"))
	assert.NoError(t, err, "a matching entry is accepted")
}
