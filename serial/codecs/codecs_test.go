package codecs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

func TestSafe(t *testing.T) {
	ss := Safe()
	var ids []uint16
	var names []string
	for _, s := range ss {
		ids = append(ids, s.ID())
		names = append(names, s.Name())
	}
	assert.Equal(t, []uint16{serial.IDSerpent, serial.IDJSON, serial.IDMarshal, serial.IDMsgpack}, ids)
	assert.Equal(t, []string{"serpent", "json", "marshal", "msgpack"}, names)
}

// TestSafeCodecsWork runs a call through every safe codec, so the list
// holds real, working codecs.
func TestSafeCodecsWork(t *testing.T) {
	kw := value.NewDict(1)
	kw.Append("greeting", "hi")
	call := serial.Call{Object: "obj_123", Method: "get_fortune", Args: []any{"Alice", int64(42)}, Kwargs: kw}
	for _, s := range Safe() {
		t.Run(s.Name(), func(t *testing.T) {
			b, err := serial.EncodeCall(s, nil, call)
			require.NoError(t, err)
			got, err := serial.DecodeCall(s, b, serial.Limits{})
			require.NoError(t, err)
			assert.Equal(t, call.Object, got.Object)
			assert.Equal(t, call.Method, got.Method)
			assert.True(t, value.Equal(call.Args, got.Args), "args %#v", got.Args)
			assert.True(t, value.Equal(call.Kwargs, got.Kwargs), "kwargs %#v", got.Kwargs)
		})
	}
}

func TestRegistryHasNoPickle(t *testing.T) {
	r := Registry()
	assert.Equal(t, []string{"json", "marshal", "msgpack", "serpent"}, r.Names())
	for _, id := range []uint16{serial.IDPickle, serial.IDDill, serial.IDCloudpickle} {
		_, err := r.ByID(id)
		require.ErrorIs(t, err, serial.ErrUnknownSerializer)
	}
	_, err := r.ByName("pickle")
	require.ErrorIs(t, err, serial.ErrUnknownSerializer)
	s, err := r.ByID(serial.IDMsgpack)
	require.NoError(t, err)
	assert.Equal(t, "msgpack", s.Name())
}

// named is a stand-in for a plugin codec: only its id and name matter to
// the registry.
type named struct {
	serial.Serializer
	id   uint16
	name string
}

func (n named) ID() uint16   { return n.id }
func (n named) Name() string { return n.name }

func TestRegistryExtra(t *testing.T) {
	plugin := named{id: serial.IDPickle, name: "pickle"}
	override := named{id: serial.IDJSON, name: "json"}
	r := Registry(plugin, override)
	s, err := r.ByName("pickle")
	require.NoError(t, err)
	assert.Equal(t, plugin, s)
	s, err = r.ByID(serial.IDJSON)
	require.NoError(t, err)
	assert.Equal(t, override, s, "a later codec replaces a safe one")
	assert.Len(t, r.Names(), 5)
}
