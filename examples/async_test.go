package examples_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/async"
)

// asyncLines are what both clients print, in order, whichever server.
var asyncLines = []string{
	"result= 20",
	"result value available? False", "resultvalue= 20",
	"client does normal call:  100", "client does normal call:  150", "resultvalue= 20",
	"got exception (expected): builtins.ZeroDivisionError",
	"status after waiting= False", "status after waiting= True", "available= True", "resultvalue= 20",
	"result= 14", "result= 16", "result= 20", "result= 25", "result= 33",
	"final value= 23",
	"final value= 26",
	"resultvalues= ",
	"done.",
}

func TestAsync(t *testing.T) {
	t.Parallel()
	const delay = 200 * time.Millisecond
	out := &lockedBuffer{}
	d := startDaemon(t, nil)
	uri, err := async.Register(d, &async.Thingy{Delay: delay, Out: out})
	require.NoError(t, err)

	t.Run("go client", func(t *testing.T) {
		var w lockedBuffer
		require.NoError(t, async.Client(ctxT(t), &w, proxyConfig(), uri.String(), delay))
		got := fixBools(w.String())
		requireLines(t, got, asyncLines...)
		assert.Contains(t, got, "resultvalues= [20 11 277]")
		// The five concurrent divisions overlap on one proxy (pipelining).
		var took float64
		_, err := fmt.Sscanf(got[strings.Index(got, "five calls took"):], "five calls took %g times", &took)
		require.NoError(t, err)
		assert.Less(t, took, 3.0, "five pipelined divisions should overlap")
		requireLines(t, out.String(), "dividing 100 by 5 after a slight delay", "multiply 5 by 20, no delay", "adding 1 to 20, no delay")
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		got := runPython(t, nil, "async/python/client.py", uri.String(), fmt.Sprint(delay.Seconds()))
		requireLines(t, got, asyncLines...)
		assert.Contains(t, got, "resultvalues= [20, 11, 277]")
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "async/python/server.py", "--delay", fmt.Sprint(delay.Seconds()), "--until-eof")
		var w lockedBuffer
		require.NoError(t, async.Client(ctxT(t), &w, proxyConfig(), py.uris[async.ObjectID], delay))
		requireLines(t, fixBools(w.String()), asyncLines...)
		requireLines(t, py.out.String(), "dividing 100 by 0 after a slight delay", "adding 3 to 23, no delay")
	})
}

func TestFloorDiv(t *testing.T) {
	for _, c := range [][3]int64{{100, 3, 33}, {100, -3, -34}, {-100, 3, -34}, {-100, -3, 33}, {9, 3, 3}, {-9, 3, -3}, {0, -5, 0}} {
		assert.Equal(t, c[2], async.FloorDiv(c[0], c[1]), "%d // %d", c[0], c[1])
	}
}
