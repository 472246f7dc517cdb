package examples_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/examples/exceptions"
)

var exceptionLines = []string{
	"0.2222222222222222",
	"DIVIDE BY ZERO: division by zero",
	"VALUERROR: a valueerror! Great!",
	"ValueError('a valueerror! Great!'), a valueerror! Great!",
	"ANOTHER ERROR: a runtime error!",
	"UNSERIALIZABLE ERROR: ",
	"*** invoking server method that crashes, catching traceback ***",
	"CAUGHT ERROR  >>> ",
	"Printing Pyro traceback >>>>>>",
	"<<<<<<< end of Pyro traceback",
}

func TestExceptions(t *testing.T) {
	t.Parallel()
	serve := func(t *testing.T, exposeTracebacks bool) string {
		pol := insecure()
		pol.ExposeTracebacks = exposeTracebacks
		uri, err := exceptions.Register(startDaemon(t, pol))
		require.NoError(t, err)
		return uri.String()
	}
	t.Run("go client", func(t *testing.T) {
		var w lockedBuffer
		require.NoError(t, exceptions.Client(ctxT(t), &w, proxyConfig(), serve(t, true)))
		got := w.String()
		requireLines(t, got, exceptionLines...)
		requireLines(t, got, "UNSERIALIZABLE ERROR: this error can't be serialized",
			"CAUGHT ERROR  >>> panic: runtime error: index out of range",
			"Foo.crash2", "Foo.crash", "TestClass.Complexerror", "<<<<<<< end")
	})
	t.Run("go client, no tracebacks", func(t *testing.T) {
		var w lockedBuffer
		require.NoError(t, exceptions.Client(ctxT(t), &w, proxyConfig(), serve(t, false)))
		got := w.String()
		requireLines(t, got, exceptionLines...)
		requireLines(t, got, "CAUGHT ERROR  >>> internal error in remote method", "(the server sends no tracebacks)")
		assert.NotContains(t, got, "crash2")
	})
	t.Run("python client", func(t *testing.T) {
		needPython(t)
		got := runPython(t, nil, "exceptions/python/client.py", serve(t, true))
		requireLines(t, got, exceptionLines...)
		// Pyro4 cannot rebuild the unknown exception class.
		requireLines(t, got, "UNSERIALIZABLE ERROR: unsupported serialized class: excep.UnserializableError",
			"CAUGHT ERROR  >>> panic: runtime error: index out of range",
			"Remote traceback:", "Foo.crash2")
	})
	t.Run("go client, python server", func(t *testing.T) {
		needPython(t)
		py := startPyServer(t, nil, "exceptions/python/server.py", "--until-eof")
		var w lockedBuffer
		require.NoError(t, exceptions.Client(ctxT(t), &w, proxyConfig(), py.uris[exceptions.ObjectID]))
		requireLines(t, w.String(), exceptionLines...)
		requireLines(t, w.String(), "UNSERIALIZABLE ERROR: this error can't be serialized",
			"CAUGHT ERROR  >>> unsupported operand type(s) for //: 'str' and 'int'",
			"Traceback (most recent call last)", "in crash2", "TypeError")
	})
}
