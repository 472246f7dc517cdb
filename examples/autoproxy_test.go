package examples_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/autoproxy"
)

var autoproxyServerLines = []string{
	"Thingy 1 says: I am the first",
	"Thingy 2 says: I am second",
	"Thingy 3 says: I am last then...",
}

func TestAutoproxy(t *testing.T) {
	t.Parallel()
	serve := func(t *testing.T) (string, *lockedBuffer) {
		out := &lockedBuffer{}
		uri, err := autoproxy.Register(startDaemon(t, nil), out)
		require.NoError(t, err)
		return uri.String(), out
	}
	t.Run("go client", func(t *testing.T) {
		uri, out := serve(t)
		var w lockedBuffer
		require.NoError(t, autoproxy.Client(ctxT(t), &w, proxyConfig(), uri))
		requireLines(t, w.String(), "Creating things.", "thing1 is <flint proxy PYRO:obj_", "thing3 is", "Speaking stuff.")
		requireLines(t, out.String(), autoproxyServerLines...)
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		uri, out := serve(t)
		got := runPython(t, nil, "autoproxy/python/client.py", uri)
		requireLines(t, got, "thing1 is a proxy", "thing2 is a proxy", "thing3 is a proxy", "Speaking stuff.")
		requireLines(t, out.String(), autoproxyServerLines...)
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "autoproxy/python/server.py", "--until-eof")
		var w lockedBuffer
		require.NoError(t, autoproxy.Client(ctxT(t), &w, proxyConfig(), py.uris[autoproxy.ObjectID]))
		requireLines(t, w.String(), "thing1 is <flint proxy PYRO:obj_", "Speaking stuff.")
		for _, l := range autoproxyServerLines {
			py.out.waitFor(t, l, 5*time.Second)
		}
	})
}
