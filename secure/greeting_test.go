package secure

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type greeter interface {
	GetFortune(name string) string
}

type greetingMaker struct{ calls int }

func (g *greetingMaker) GetFortune(name string) string {
	return fmt.Sprintf("Hello, %s. Here is your fortune message:\nBe brave.", name)
}

func (g *greetingMaker) Hidden() string { return "not exposed" }

type calc struct{}

func (calc) Add(a, b int) int { return a + b }
func (calc) Div(a, b float64) (float64, error) {
	if b == 0 {
		return 0, NewRemoteError("builtins.ZeroDivisionError", "division by zero")
	}
	return a / b, nil
}
func (calc) Sum(nums ...int) int {
	s := 0
	for _, n := range nums {
		s += n
	}
	return s
}
func (calc) Opts(ctx context.Context, name string, kw Kwargs) string {
	return fmt.Sprintf("%s %v", name, kw["flag"])
}
func (calc) Boom() string { panic("kaboom") }
func (calc) Fail() error  { return errors.New("plain go error") }

func TestGoToGoGreeting(t *testing.T) {
	for _, ser := range []string{"serpent", "json", "marshal", "msgpack"} {
		t.Run(ser, func(t *testing.T) {
			d := newTestDaemon(t, insecure())
			uri, err := d.Register(&greetingMaker{}, ExposeInterface[greeter](), WithID("example.greeting"))
			require.NoError(t, err)
			_, err = d.Register(calc{}, Expose("Add", "Div", "Sum", "Opts", "Boom", "Fail"), WithID("calc"))
			require.NoError(t, err)
			startDaemon(t, d)
			ctx := ctxT(t)
			p, err := NewProxy(uri.String(), ProxyConfig{Policy: insecure(), Serializer: ser})
			require.NoError(t, err)
			defer p.Close()
			s, err := Call[string](ctx, p, "get_fortune", "Alice")
			require.NoError(t, err)
			assert.Equal(t, "Hello, Alice. Here is your fortune message:\nBe brave.", s)

			_, err = p.Call(ctx, "hidden")
			var re *RemoteError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.AttributeError", re.Class)

			c, err := NewProxy(d.URIFor("calc"), ProxyConfig{Policy: insecure(), Serializer: ser})
			require.NoError(t, err)
			defer c.Close()
			n, err := Call[int](ctx, c, "add", 2, 3)
			require.NoError(t, err)
			assert.Equal(t, 5, n)
			n, err = Call[int](ctx, c, "sum", 1, 2, 3, 4)
			require.NoError(t, err)
			assert.Equal(t, 10, n)
			o, err := c.CallKw(ctx, "opts", []any{"x"}, map[string]any{"flag": true})
			require.NoError(t, err)
			assert.Equal(t, "x true", o)
			_, err = c.Call(ctx, "div", 1.0, 0.0)
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.ZeroDivisionError", re.Class)
			assert.Equal(t, "division by zero", re.Message())
			_, err = c.Call(ctx, "add", 1)
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.TypeError", re.Class)
			_, err = c.Call(ctx, "add", "x", 1)
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.TypeError", re.Class, re.Error())
			_, err = c.Call(ctx, "boom")
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "builtins.RuntimeError", re.Class)
			assert.NotEmpty(t, re.Traceback)
			_, err = c.Call(ctx, "fail")
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "plain go error", re.Message())
			// the daemon still serves after all of that
			n, err = Call[int](ctx, c, "add", 20, 22)
			require.NoError(t, err)
			assert.Equal(t, 42, n)
		})
	}
}
