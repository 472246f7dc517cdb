package examples_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/timeout"
	"github.com/flintrpc/flint/secure"
)

var timeoutLines = []string{
	"No timeout is configured. Calling delay with 2 units.", "slept 0.5 seconds",
	"Calling delay with 2 units.", "TimeoutError! As expected!",
	"Calling delay with 2 units.", "TimeoutError! As expected!",
	"No timeout is configured. Calling delay with 3 units.", "slept 0.75 seconds",
	"Trying to connect to the frozen daemon.", "TimeoutError! As expected!",
}

var afterUnits = regexp.MustCompile(`\(after ([0-9.]+) units\)`)

// checkTimeoutClient checks the output and the measured times: the calls
// took their 2 and 3 units, the timeouts fired after about one unit.
func checkTimeoutClient(t *testing.T, out string) {
	t.Helper()
	requireLines(t, out, timeoutLines...)
	var got []float64
	for _, m := range afterUnits.FindAllStringSubmatch(out, -1) {
		f, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		got = append(got, f)
	}
	require.Len(t, got, 5, out)
	for i, want := range []float64{2, 1, 1, 3, 1} {
		assert.GreaterOrEqual(t, got[i], want-0.15, "step %d: %s", i, out)
		assert.Less(t, got[i], want+1.5, "step %d: %s", i, out)
	}
}

// TestTimeout measures times, so it does not run in parallel with the
// other examples (its own three parts do).
func TestTimeout(t *testing.T) {
	const unit = 250 * time.Millisecond
	serve := func(t *testing.T) (string, string) {
		d := startDaemon(t, nil)
		uri, err := timeout.Register(d, &timeout.TimeoutServer{Out: &lockedBuffer{}}, timeout.ObjectID)
		require.NoError(t, err)
		frozen, err := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: insecure()})
		require.NoError(t, err)
		t.Cleanup(func() { frozen.Close() })
		frozenURI, err := timeout.Register(frozen, &timeout.TimeoutServer{}, timeout.FrozenID)
		require.NoError(t, err)
		return uri.String(), frozenURI.String()
	}
	t.Run("go client", func(t *testing.T) {
		t.Parallel()
		uri, frozen := serve(t)
		var w lockedBuffer
		require.NoError(t, timeout.Client(ctxT(t), &w, proxyConfig(), uri, frozen, unit))
		checkTimeoutClient(t, w.String())
	})
	t.Run("python client", func(t *testing.T) {
		t.Parallel()
		needPython(t)
		uri, frozen := serve(t)
		checkTimeoutClient(t, runPython(t, nil, "timeout/python/client.py", uri, frozen, fmt.Sprint(unit.Seconds())))
	})
	t.Run("go client, python server", func(t *testing.T) {
		t.Parallel()
		needPython(t)
		py := startPyServer(t, nil, "timeout/python/server.py", "--until-eof")
		var w lockedBuffer
		require.NoError(t, timeout.Client(ctxT(t), &w, proxyConfig(), py.uris[timeout.ObjectID], py.uris[timeout.FrozenID], unit))
		checkTimeoutClient(t, w.String())
	})
}
