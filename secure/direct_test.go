package secure

import (
	"reflect"
	"runtime"
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

func (badDirect) unexported() int { return 0 }

// TestDirectMethodsChecked: Register refuses entries that name no exported
// method of the type or have another type than the method, and accepts
// (and never uses) entries for exported methods that are not exposed.
func TestDirectMethodsChecked(t *testing.T) {
	d := newTestDaemon(t, insecure())
	t.Cleanup(func() { d.Close() })
	for name, m := range map[string]map[string]any{
		"unknown":                 {"Sub": func(a, b int) int { return a - b }},
		"unexported":              {"unexported": func() int { return 1 }},
		"the hook itself":         {"FlintMethods": func() map[string]any { return nil }},
		"wrong type":              {"Add": func(a, b int64) int64 { return a + b }},
		"not exposed, wrong type": {"Add": badDirect{}.Add, "Hidden": func() string { return "" }},
		"not a func":              {"Add": 42},
		"nil function":            {"Add": nil},
	} {
		_, err := d.Register(badDirect{m: m}, Expose("Add"))
		assert.ErrorIs(t, err, ErrNotRegistrable, name)
	}
	_, err := d.Register(badDirect{m: map[string]any{"Add": badDirect{}.Add}}, Expose("Add"))
	assert.NoError(t, err, "a matching entry is accepted")
	_, err = d.Register(badDirect{m: map[string]any{"Add": badDirect{}.Add, "Hidden": func() int { return 1 }}}, Expose("Add"))
	assert.NoError(t, err, "an entry for an exported method that is not exposed is accepted")
}

// partialDirect has a generated-style FlintMethods listing every exported
// method, on a pointer receiver; direct counts the entries' calls.
type partialDirect struct{ direct *atomic.Int64 }

func (p partialDirect) Add(a, b int) int   { return a + b }
func (p partialDirect) Neg(a int) int      { return -a }
func (p *partialDirect) Set(n int64) int64 { return n }

func (p *partialDirect) FlintMethods() map[string]any {
	return map[string]any{
		"Add": func(a, b int) int { p.direct.Add(1); return p.Add(a, b) },
		"Neg": func(a int) int { p.direct.Add(1); return p.Neg(a) },
		"Set": p.Set,
	}
}

// TestDirectMethodsPartialAndByValue: a FlintMethods map naming more
// methods than the registration exposes is used for the exposed ones; a
// value registration uses the FlintMethods of its pointer type (which
// names Set, a method a value does not have); a pointer registration uses
// it too.
func TestDirectMethodsPartialAndByValue(t *testing.T) {
	d, _ := callsDaemon(t, nil)
	var byValue, byPointer atomic.Int64
	vuri, err := d.Register(partialDirect{direct: &byValue}, Expose("Add"))
	require.NoError(t, err)
	puri, err := d.Register(&partialDirect{direct: &byPointer}, Expose("Neg", "Set"))
	require.NoError(t, err)
	startDaemon(t, d)
	ctx := ctxT(t)

	pv := callsProxy(t, vuri, ProxyConfig{Serializer: "msgpack"})
	n, err := Call[int](ctx, pv, "add", 2, 3)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	res, err := pv.Batch().Add("add", 1, 1).Add("add", 2, 2).Run(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err)
	assert.EqualValues(t, 3, byValue.Load(), "the value registration ran through (*partialDirect).FlintMethods")
	_, err = Call[int](ctx, pv, "neg", 1)
	assert.Error(t, err, "neg is not exposed on the value registration")

	pp := callsProxy(t, puri, ProxyConfig{Serializer: "msgpack"})
	n, err = Call[int](ctx, pp, "neg", 4)
	require.NoError(t, err)
	assert.Equal(t, -4, n)
	assert.EqualValues(t, 1, byPointer.Load())
	_, err = Call[int](ctx, pp, "add", 1, 2)
	assert.Error(t, err, "add is not exposed on the pointer registration")
	assert.EqualValues(t, 1, byPointer.Load())
}

// TestMethodValueBinding: methodValue returns the FlintMethods entry, for
// a pointer and for a value registration (bound to a copy of the value),
// and reflection's method value for an object without FlintMethods.
func TestMethodValueBinding(t *testing.T) {
	// funcName names the code of a func value: reflection's method values
	// all run reflect.methodValueCall.
	funcName := func(fn any) string { return runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name() }
	const trampoline = "reflect.methodValueCall"

	obj := &partialDirect{direct: new(atomic.Int64)}
	ot, err := buildType(reflect.TypeOf(obj), &regOptions{expose: []string{"Set", "Neg"}})
	require.NoError(t, err)
	set := methodValue(reflect.ValueOf(obj), ot.methods["set"])
	assert.NotEqual(t, trampoline, funcName(set))
	assert.Contains(t, funcName(set), "partialDirect).Set", "the method value obj.Set")
	neg := methodValue(reflect.ValueOf(obj), ot.methods["neg"])
	assert.Equal(t, -2, neg.(func(int) int)(2))
	assert.EqualValues(t, 1, obj.direct.Load(), "the entry of FlintMethods ran")

	val := partialDirect{direct: new(atomic.Int64)}
	ot, err = buildType(reflect.TypeOf(val), &regOptions{expose: []string{"Add"}})
	require.NoError(t, err)
	add := methodValue(reflect.ValueOf(val), ot.methods["add"])
	assert.Equal(t, 3, add.(func(int, int) int)(1, 2))
	assert.EqualValues(t, 1, val.direct.Load(), "the entry of (*partialDirect).FlintMethods, on a copy of val")

	ot, err = buildType(reflect.TypeOf(directBench{}), &regOptions{expose: []string{"Add"}})
	require.NoError(t, err)
	assert.NotEqual(t, trampoline, funcName(methodValue(reflect.ValueOf(directBench{}), ot.methods["add"])))
	ot, err = buildType(reflect.TypeOf(benchPlain{}), &regOptions{expose: []string{"Add"}})
	require.NoError(t, err)
	assert.Equal(t, trampoline, funcName(methodValue(reflect.ValueOf(benchPlain{}), ot.methods["add"])),
		"without FlintMethods, reflection's method value")
}

// benchPlain has no FlintMethods.
type benchPlain struct{}

func (benchPlain) Add(a, b int) int { return a + b }

// flintMethodsIface asks for the hook as a remote method.
type flintMethodsIface interface {
	Add(a, b int) int
	FlintMethods() map[string]any
}

// TestFlintMethodsNeverExposed: buildType refuses to publish FlintMethods,
// whether named with Expose or brought in by ExposeInterface.
func TestFlintMethodsNeverExposed(t *testing.T) {
	d := newTestDaemon(t, insecure())
	t.Cleanup(func() { d.Close() })
	obj := &partialDirect{direct: new(atomic.Int64)}
	_, err := d.Register(obj, Expose("Neg", "FlintMethods"))
	assert.ErrorIs(t, err, ErrNotRegistrable)
	assert.ErrorContains(t, err, "FlintMethods")
	_, err = d.Register(obj, ExposeInterface[flintMethodsIface]())
	assert.ErrorIs(t, err, ErrNotRegistrable)
	_, err = d.Register(obj, ExposeInterface[DirectMethods]())
	assert.ErrorIs(t, err, ErrNotRegistrable)
	_, err = d.Register(obj, Expose("Neg"))
	assert.NoError(t, err)
}
