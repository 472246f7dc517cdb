package secure

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// fastObj has methods of many of fastTable's signatures.
type fastObj struct {
	other *fastOther
	n     int
}

type fastOther struct{}

func (fastOther) Ping() {}

func (o *fastObj) Nothing()    { o.n++ }
func (o *fastObj) Fail() error { return errors.New("failed") }
func (o *fastObj) Count() int  { return o.n }
func (o *fastObj) CountErr() (int, error) {
	return 0, &RemoteError{Class: "builtins.ValueError", Args: []any{"no"}}
}
func (o *fastObj) Neg(i int) int                   { return -i }
func (o *fastObj) Neg64(i int64) int64             { return -i }
func (o *fastObj) Half(f float64) float64          { return f / 2 }
func (o *fastObj) Not(b bool) bool                 { return !b }
func (o *fastObj) Upper(s string) string           { return strings.ToUpper(s) }
func (o *fastObj) Echo(v any) any                  { return v }
func (o *fastObj) Store(v any)                     { o.n++ }
func (o *fastObj) Add(a, b int) int                { return a + b }
func (o *fastObj) AddF(a, b float64) float64       { return a + b }
func (o *fastObj) Cat(a, b string) (string, error) { return a + b, nil }
func (o *fastObj) Rep(s string, n int) string      { return strings.Repeat(s, n) }
func (o *fastObj) Pair(k string, v any) any        { return []any{k, v} }
func (o *fastObj) Sum3(a, b, c int) int            { return a + b + c }
func (o *fastObj) Other() any                      { return o.other }
func (o *fastObj) Nil() any                        { return nil }
func (o *fastObj) Boom(i int) int                  { panic(fmt.Sprintf("boom %d", i)) }
func (o *fastObj) Both(a, b bool) bool             { return a && b }
func (o *fastObj) Method(ctx context.Context) (string, error) {
	ci, _ := CallInfoFrom(ctx)
	return ci.Method, nil
}
func (o *fastObj) CtxAdd(ctx context.Context, a, b int) int { return a + b }

var fastMethods = []string{"Nothing", "Fail", "Count", "CountErr", "Neg", "Neg64", "Half", "Not", "Upper", "Echo", "Store",
	"Add", "AddF", "Cat", "Rep", "Pair", "Sum3", "Other", "Nil", "Boom", "Both", "Method", "CtxAdd"}

// untyped are fastObj's methods whose signatures are not in the table.
var untyped = map[string]bool{"Sum3": true, "Both": true, "CtxAdd": true}

// fastArgs are argument lists to try on every method: right and wrong
// counts, types the fast conversions take, and ones only the decoders
// take or refuse.
var fastArgs = [][]any{
	nil,
	{int64(3)},
	{int64(-7), int64(5)},
	{int64(1), int64(2), int64(3)},
	{"ab"},
	{"ab", int64(3)},
	{"ab", "cd"},
	{1.5},
	{1.5, int64(2)},
	{true},
	{true, false},
	{nil},
	{nil, nil},
	{big.NewInt(12)},
	{new(big.Int).Lsh(big.NewInt(1), 70)},
	{int64(math.MaxInt64), int64(1)},
	{value.Tuple{int64(1)}},
	{value.NewDict(0), "x"},
	{int64(1), "x"},
	{"x", 2.5},
	{int64(1), int64(2), int64(3), int64(4)},
}

func fastSetup(t *testing.T) (*serverConn, *entry, string) {
	t.Helper()
	d, _ := callsDaemon(t, nil)
	t.Cleanup(func() { _ = d.Close() })
	other := &fastOther{}
	_, err := d.Register(other, Expose("Ping"))
	require.NoError(t, err)
	uri, err := d.Register(&fastObj{other: other}, Expose(fastMethods...), Params("rep", "s", "n"))
	require.NoError(t, err)
	e, ok := d.lookup(uri.Object)
	require.True(t, ok)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &serverConn{d: d, ctx: ctx}, e, uri.Object
}

// TestFastPathSameAsReflect runs every method on every argument list both
// ways and wants the same result or the same error.
func TestFastPathSameAsReflect(t *testing.T) {
	sc, e, id := fastSetup(t)
	for _, goName := range fastMethods {
		name := value.SnakeCase(goName)
		mt := e.typ.methods[name]
		if untyped[goName] {
			require.Nil(t, mt.bind, "%s is not in the table", goName)
		} else {
			require.NotNil(t, mt.bind, "%s has no typed call", goName)
			require.NotNil(t, mt.fastFor(e.inst), "%s does not bind", goName)
		}
		for _, args := range fastArgs {
			for _, kw := range []*value.Dict{nil, value.NewDict(0), kwDict("n", int64(2))} {
				call := serial.Call{Object: id, Method: name, Args: args, Kwargs: kw}
				info := &CallInfo{Object: id, Method: name}
				ctx := context.WithValue(sc.ctx, callInfoKey{}, info)
				fres, ferr := sc.run(ctx, e.inst, mt, call, true)
				rres, rerr := sc.run(ctx, e.inst, mt, call, false)
				what := fmt.Sprintf("%s%v kw=%v", name, args, kw)
				require.Equal(t, rres, fres, what)
				if rerr == nil {
					require.NoError(t, ferr, what)
					continue
				}
				require.Error(t, ferr, what)
				var rp, fp *panicError
				if errors.As(rerr, &rp) {
					require.ErrorAs(t, ferr, &fp, what)
					require.Equal(t, rp.val, fp.val, what)
					continue
				}
				require.Equal(t, rerr, ferr, what)
				require.Equal(t, sc.exceptionFor(info, rerr), sc.exceptionFor(info, ferr), what)
			}
		}
	}
}

func kwDict(k string, v any) *value.Dict {
	d := value.NewDict(1)
	d.Append(k, v)
	return d
}

// TestFastPathErrors checks a few results of the typed calls directly.
func TestFastPathErrors(t *testing.T) {
	sc, e, id := fastSetup(t)
	run := func(name string, args ...any) (any, error) {
		mt := e.typ.methods[name]
		return sc.run(sc.ctx, e.inst, mt, serial.Call{Object: id, Method: name, Args: args}, true)
	}
	res, err := run("add", int64(2), int64(40))
	require.NoError(t, err)
	require.Equal(t, int64(42), res)

	_, err = run("add", "2", int64(40))
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "builtins.TypeError", re.Class)
	require.Contains(t, fmt.Sprint(re.Args...), "argument 1")

	_, err = run("add", int64(2))
	require.ErrorAs(t, err, &re)
	require.Equal(t, "builtins.TypeError", re.Class)
	require.Contains(t, fmt.Sprint(re.Args...), "takes 2 positional arguments but 1 were given")

	res, err = run("half", int64(3))
	require.NoError(t, err)
	require.Equal(t, 1.5, res)

	res, err = run("other")
	require.NoError(t, err)
	require.True(t, isProxyValue(res), "%#v", res)

	_, err = run("boom", int64(1))
	var pe *panicError
	require.ErrorAs(t, err, &pe)
}

func isProxyValue(v any) bool {
	c, ok := value.ClassName(v)
	return ok && strings.Contains(c, "Proxy")
}

// TestFastTableBinds binds a function of every type in the table and calls
// it: each binder asserts the type it is registered under, decodes its
// arguments as the decoders do and encodes the results as the encoders do.
func TestFastTableBinds(t *testing.T) {
	sc, _, _ := fastSetup(t)
	sample := map[reflect.Type]any{
		reflect.TypeFor[int]():     int64(7),
		reflect.TypeFor[int64]():   int64(-7),
		reflect.TypeFor[float64](): 2.5,
		reflect.TypeFor[string]():  "s",
		reflect.TypeFor[bool]():    true,
		reflect.TypeFor[any]():     value.Tuple{int64(1)},
	}
	require.Greater(t, len(fastTable), 80)
	for ft, bind := range fastTable {
		mt := &method{name: "f"}
		var args []any
		for i := range ft.NumIn() {
			pt := ft.In(i)
			if pt == ctxType {
				require.Zero(t, i, "%s", ft)
				continue
			}
			dec, err := value.DecoderFor(pt)
			require.NoError(t, err)
			mt.params, mt.decs = append(mt.params, pt), append(mt.decs, dec)
			args = append(args, sample[pt])
		}
		var got []reflect.Value
		fn := reflect.MakeFunc(ft, func(in []reflect.Value) []reflect.Value {
			got = in
			out := make([]reflect.Value, ft.NumOut())
			for i := range out {
				if ot := ft.Out(i); ot != errType && len(in) > 0 && in[len(in)-1].Type() == ot {
					out[i] = in[len(in)-1]
				} else {
					out[i] = reflect.Zero(ot)
				}
			}
			return out
		})
		f := bind(fn.Interface(), mt)
		require.NotNil(t, f, "%s", ft)
		ctx := context.WithValue(context.Background(), callInfoKey{}, &CallInfo{})
		res, err := f(sc, ctx, args)
		require.NoError(t, err, "%s", ft)
		require.Len(t, got, ft.NumIn(), "%s", ft)
		j := 0
		for i, v := range got {
			if ft.In(i) == ctxType {
				require.Equal(t, ctx, v.Interface())
				continue
			}
			want := reflect.New(ft.In(i)).Elem()
			require.NoError(t, mt.decs[j](args[j], want))
			require.Equal(t, want.Interface(), v.Interface(), "%s arg %d", ft, i)
			j++
		}
		var want any
		if ft.NumOut() > 0 && ft.Out(0) != errType {
			enc, err := value.EncoderFor(ft.Out(0))
			require.NoError(t, err)
			var last reflect.Value
			if len(got) > 0 && got[len(got)-1].Type() == ft.Out(0) {
				last = got[len(got)-1]
			} else {
				last = reflect.Zero(ft.Out(0))
			}
			want, err = enc(last)
			require.NoError(t, err)
		}
		require.Equal(t, want, res, "%s", ft)
		// A function of another type does not bind.
		require.Nil(t, bind(func(struct{}) {}, mt), "%s", ft)
	}
}
