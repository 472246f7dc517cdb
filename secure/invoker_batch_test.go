package secure

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/value"
)

func fastDaemon(t *testing.T) URI {
	t.Helper()
	d, _ := callsDaemon(t, nil)
	uri, err := d.Register(&fastObj{other: &fastOther{}}, Expose(fastMethods...), Params("rep", "s", "n"))
	require.NoError(t, err)
	startDaemon(t, d)
	return uri
}

// TestBatchTypedCalls: typed calls, keyword arguments, a method that reads
// its CallInfo and a TypeError that stops the batch, with every
// serializer.
func TestBatchTypedCalls(t *testing.T) {
	uri := fastDaemon(t)
	for _, ser := range []string{"serpent", "msgpack", "json", "marshal"} {
		t.Run(ser, func(t *testing.T) {
			p := callsProxy(t, uri, ProxyConfig{Serializer: ser})
			res, err := p.Batch().
				Add("add", 1, 2).
				AddKw("rep", []any{"ab"}, map[string]any{"n": 3}).
				Add("method").
				Add("half", 3).
				Add("upper", "x").
				Add("nothing").
				Add("add", "1", 2).
				Add("add", 5, 5).
				Run(ctxT(t))
			require.NoError(t, err)
			require.Equal(t, 6, len(res.Values), "%v", res.Values)
			assert.EqualValues(t, 3, res.Values[0])
			assert.Equal(t, "ababab", res.Values[1])
			assert.Equal(t, "method", res.Values[2])
			assert.EqualValues(t, 1.5, res.Values[3])
			assert.Equal(t, "X", res.Values[4])
			assert.Nil(t, res.Values[5])
			var re *RemoteError
			require.ErrorAs(t, res.Err, &re)
			assert.Equal(t, "builtins.TypeError", re.Class)
			assert.Contains(t, re.Error(), "argument 1")

			res, err = p.Batch().Add("add", 1).Run(ctxT(t))
			require.NoError(t, err)
			assert.Nil(t, res.Values)
			require.ErrorAs(t, res.Err, &re)
			assert.Equal(t, "builtins.TypeError", re.Class)
		})
	}
}

// TestBatchErrors: a call that cannot be encoded fails the batch at Run
// with ErrSerialize and sends nothing; a batch can be run again, and an
// empty one gives no results, with every serializer.
func TestBatchErrors(t *testing.T) {
	uri := fastDaemon(t)
	for _, ser := range []string{"serpent", "msgpack", "json", "marshal"} {
		t.Run(ser, func(t *testing.T) {
			p := callsProxy(t, uri, ProxyConfig{Serializer: ser})
			for _, b := range []*Batch{
				p.Batch().Add("add", 1, 2).Add("upper", "bad \xff"),
				p.Batch().Add("add", 1, 2).Add("add", make(chan int), 1),
				p.Batch().AddKw("rep", []any{"ab"}, map[string]any{"n": make(chan int)}),
			} {
				_, err := b.Run(ctxT(t))
				require.ErrorIs(t, err, ErrSerialize)
				require.ErrorIs(t, b.RunOneway(ctxT(t)), ErrSerialize)
			}
			b := p.Batch()
			assert.Equal(t, 0, b.Len())
			res, err := b.Run(ctxT(t))
			require.NoError(t, err)
			assert.Empty(t, res.Values)
			assert.NoError(t, res.Err)
			b.Add("add", 1, 2).AddKw("rep", []any{"ab"}, map[string]any{"n": 2}).Add("add", 300, 1<<40)
			assert.Equal(t, 3, b.Len())
			for range 2 {
				res, err = b.Run(ctxT(t))
				require.NoError(t, err)
				require.NoError(t, res.Err)
				assert.True(t, value.Equal([]any{int64(3), "abab", int64(300 + 1<<40)}, res.Values), "%#v", res.Values)
			}
		})
	}
}

const pyBatch = `
import json, sys
import Pyro4
import Pyro4.errors

Pyro4.config.SERIALIZER = sys.argv[1]
p = Pyro4.Proxy(sys.argv[2])
b = Pyro4.batch(p)
b.add(1, 2)
b.rep("ab", n=3)
b.method()
b.half(3)
b.add("1", 2)
b.add(5, 5)
out = []
try:
    for r in b():
        out.append(r)
except Exception as e:
    out.append({"class": type(e).__module__ + "." + type(e).__name__, "msg": str(e)})
big = Pyro4.batch(p)
for j in range(2000):
    big.add(j, 1)
total = sum(big())
print(json.dumps({"out": out, "total": total}))
`

// TestPythonBatchToGoDaemon: Pyro4's own batch against the typed calls.
func TestPythonBatchToGoDaemon(t *testing.T) {
	needPython(t)
	uri := fastDaemon(t)
	script := filepath.Join(t.TempDir(), "batch.py")
	require.NoError(t, os.WriteFile(script, []byte(pyBatch), 0o600))
	// Pyro4's marshal serializer cannot send a batch (its dumpsCall needs
	// a kwargs dict, and a batch passes None).
	for _, ser := range []string{"serpent", "msgpack", "json"} {
		t.Run(ser, func(t *testing.T) {
			var got struct {
				Out   []any
				Total int
			}
			out := runPython(t, nil, script, ser, uri.String())
			require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(out)), &got), out)
			require.Len(t, got.Out, 5, "%v", got.Out)
			assert.EqualValues(t, 3, got.Out[0])
			assert.Equal(t, "ababab", got.Out[1])
			assert.Equal(t, "method", got.Out[2])
			assert.EqualValues(t, 1.5, got.Out[3])
			exc := got.Out[4].(map[string]any)
			assert.Equal(t, "builtins.TypeError", exc["class"])
			assert.Contains(t, exc["msg"], "argument 1")
			assert.Equal(t, 2000*2001/2, got.Total)
		})
	}
}
