package examples_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/attributes"
)

var attributesLines = []string{
	"p.prop_value= 42", "adding 500 to p.prop_value", "p.prop_value= 542",
	"actual remote value:  542  (via p.getValue() remote method call)",
	"Accessing unexposed attributes:",
	"accessing p.sub...", "ok, got expected error:",
	"accessing p.value...", "ok, got expected error:",
	"accessing p._value...", "ok, got expected error:",
	"accessing p.__value...", "ok, got expected error:",
	"value gotten from p.prop_sub= {'name': 'value'}",
	"value gotten from p.prop_sub= {'name': 'value'}   (should be unchanged!)",
	"Trying to set the read-only p.prop_sub...", "ok, got expected error:",
}

func TestAttributes(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, nil)
	uri, err := attributes.Register(d)
	require.NoError(t, err)

	t.Run("go client", func(t *testing.T) {
		var w lockedBuffer
		require.NoError(t, attributes.Client(ctxT(t), &w, proxyConfig(), uri.String()))
		requireLines(t, w.String(), attributesLines...)
		requireLines(t, w.String(), "calling p.__dunder__()....:  yep")
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		// A new connection gets a new Thingy (session mode), so it starts
		// at 42 again.
		got := runPython(t, nil, "attributes/python/client.py", uri.String())
		requireLines(t, got, attributesLines...)
		requireLines(t, got, "calling p.__dunder__()....:  yep", "ok, got expected error (local only):")
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "attributes/python/server.py", "--until-eof")
		var w lockedBuffer
		require.NoError(t, attributes.Client(ctxT(t), &w, proxyConfig(), py.uris[attributes.ObjectID]))
		requireLines(t, w.String(), attributesLines...)
	})
	t.Run("python client, python server", func(t *testing.T) {
		// The reference: the same script against Pyro4 itself.
		needPython(t)
		py := startPyServer(t, nil, "attributes/python/server.py", "--until-eof")
		got := runPython(t, nil, "attributes/python/client.py", py.uris[attributes.ObjectID])
		requireLines(t, got, attributesLines...)
		requireLines(t, got, "calling p.__dunder__()....:  yep")
	})
}
