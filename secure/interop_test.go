package secure

import (
	"context"
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/value"
)

func (calc) Echo(v any) any { return v }

var calcMethods = Expose("Add", "Div", "Sum", "Opts", "Boom", "Fail", "Echo")

// TestPythonClientToGoDaemon runs the real Pyro4 client against a flint
// daemon with every serializer.
func TestPythonClientToGoDaemon(t *testing.T) {
	needPython(t)
	py := startPyServer(t, nil)
	for _, ser := range []string{"serpent", "json", "marshal", "msgpack"} {
		t.Run(ser, func(t *testing.T) {
			d := newTestDaemon(t, insecure())
			g, err := d.Register(&greetingMaker{}, ExposeInterface[greeter]())
			require.NoError(t, err)
			c, err := d.Register(calc{}, calcMethods, Params("opts", "name"))
			require.NoError(t, err)
			startDaemon(t, d)
			out := decodeJSON(t, runPython(t, nil, "testdata/pyclient.py", ser, g.String(), c.String(), py.URI))
			assert.Equal(t, "Hello, Alice. Here is your fortune message:\nBe brave.", out["fortune"])
			assert.EqualValues(t, 5, out["add"])
			assert.EqualValues(t, 10, out["sum"])
			assert.Equal(t, "x true", out["opts"])
			class := func(k string) string { return out[k].(map[string]any)["class"].(string) }
			assert.Equal(t, "builtins.AttributeError", class("hidden"))
			assert.Equal(t, "builtins.ZeroDivisionError", class("div0"))
			assert.Equal(t, "division by zero", out["div0"].(map[string]any)["msg"])
			assert.Contains(t, out["div0"].(map[string]any)["tb"], "Remote traceback")
			assert.Equal(t, "builtins.TypeError", class("argcount"))
			assert.Equal(t, "builtins.TypeError", class("argtype"))
			assert.Equal(t, "builtins.AttributeError", class("unknown"))
			assert.Equal(t, "builtins.RuntimeError", class("boom"))
			assert.Equal(t, "builtins.Exception", class("fail"))
			for _, e := range out["echo"].([]any) {
				row := e.([]any)
				assert.True(t, row[1].(bool), "echo of %s: go %s, python %s", row[0], row[2], row[3])
			}
			assert.EqualValues(t, 42, out["after"])
		})
	}
}

// TestGoClientToPythonDaemon runs a flint proxy against the real Pyro4
// daemon with every serializer.
func TestGoClientToPythonDaemon(t *testing.T) {
	needPython(t)
	py := startPyServer(t, nil)
	for _, ser := range []string{"serpent", "json", "marshal", "msgpack"} {
		t.Run(ser, func(t *testing.T) {
			ctx := ctxT(t)
			p, err := NewProxy(py.URI, ProxyConfig{Policy: insecure(), Serializer: ser})
			require.NoError(t, err)
			defer p.Close()
			s, err := Call[string](ctx, p, "get_fortune", "Bob")
			require.NoError(t, err)
			assert.Equal(t, "Hello, Bob. Here is your fortune message:\nBe brave.", s)
			n, err := Call[int](ctx, p, "sum", 1, 2, 3)
			require.NoError(t, err)
			assert.Equal(t, 6, n)
			o, err := p.CallKw(ctx, "opts", []any{"y"}, map[string]any{"flag": false})
			require.NoError(t, err)
			assert.Equal(t, "y False", o)
			big, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
			d := value.NewDict(2)
			d.Append("k", int64(1))
			d.Append("nested", []any{[]any{"t", 2.5}})
			values := []any{nil, true, false, int64(-5), int64(1) << 40, big, 2.5, math.Inf(-1), math.Copysign(0, -1),
				"text ☃ 'quotes' \"dq\" \\ \n", "", []any{int64(1), "a"}, []any{}, d}
			if ser != "json" {
				// json has no bytes, complex, tuples or sets (they come back as lists)
				values = append(values, []byte{0, 1, 2, 255}, complex(1, -2), value.Tuple{int64(1), "x"}, value.Tuple{})
				if ser != "msgpack" {
					values = append(values, value.Set{int64(3)})
				}
			}
			for _, v := range values {
				got, err := p.Call(ctx, "echo", v)
				require.NoError(t, err)
				if b, ok := v.([]byte); ok && ser == "serpent" {
					var gb []byte
					require.NoError(t, bindTo(got, &gb))
					assert.Equal(t, b, gb)
					continue
				}
				if ser == "msgpack" {
					if tu, ok := v.(value.Tuple); ok {
						v = []any(tu) // msgpack has no tuples
					}
				}
				assert.True(t, value.Equal(v, got), "echo %#v: got %#v", v, got)
			}
			_, err = p.Call(ctx, "fail")
			var re *RemoteError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.ValueError", re.Class)
			assert.Equal(t, []any{"python failure", int64(42)}, re.Args)
			assert.Contains(t, re.RemoteTraceback(), "python failure")
			_, err = p.Call(ctx, "naming_fail")
			require.ErrorIs(t, err, ErrNaming)
			require.ErrorIs(t, err, ErrPyro)
			_, err = p.Call(ctx, "nosuch")
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.AttributeError", re.Class)
			_, err = p.Call(ctx, "add", 1)
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.TypeError", re.Class)
			_, err = p.Call(ctx, "add", 1, "x")
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.TypeError", re.Class)
			n, err = Call[int](context.Background(), p, "add", 40, 2)
			require.NoError(t, err)
			assert.Equal(t, 42, n)

			// A batch: the Python daemon decodes flint's items, and
			// stops at the first failure. (Pyro4's marshal serializer
			// cannot send the wrapped exception of a failed batch call:
			// the daemon answers "unmarshallable object".)
			b := p.Batch().Add("add", 1, 2).Add("add", 1<<40, -300).Add("sum", 1, 2, 3).
				AddKw("opts", []any{"y"}, map[string]any{"flag": false}).Add("echo", d)
			if ser != "marshal" {
				b.Add("echo").Add("add", 1, 1)
			}
			res, err := b.Run(ctx)
			require.NoError(t, err)
			assert.True(t, value.Equal([]any{int64(3), int64(1)<<40 - 300, int64(6), "y False", d}, res.Values), "%#v", res.Values)
			if ser != "marshal" {
				require.ErrorAs(t, res.Err, &re)
				assert.Equal(t, "builtins.TypeError", re.Class)
			} else {
				assert.NoError(t, res.Err)
			}
		})
	}
}
