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

// plain hides a codec's optional interfaces (BatchEncoder, BatchDecoder).
type plain struct{ serial.Serializer }

// TestSafeCodecsBatch runs a batched call through every safe codec, with
// and without the codec's own batch encoding and decoding: the bytes are
// those of the items sent as (method, args, kwargs) tuples, and decoding
// gives the items back.
func TestSafeCodecsBatch(t *testing.T) {
	kw := value.NewDict(1)
	kw.Append("greeting", "hi")
	items := []serial.BatchItem{
		{Method: "add", Args: []any{int64(1), 2}, Kwargs: value.NewDict(0)},
		{Method: "greet", Args: []any{"Alice", []any{2.5, nil}}, Kwargs: kw},
		{Method: "none", Args: []any{}},
	}
	tuples := []any{
		value.Tuple{"add", value.Tuple{int64(1), 2}, value.NewDict(0)},
		value.Tuple{"greet", value.Tuple{"Alice", []any{2.5, nil}}, kw},
		value.Tuple{"none", value.Tuple{}, nil},
	}
	for _, s := range Safe() {
		t.Run(s.Name(), func(t *testing.T) {
			want, err := serial.EncodeCall(s, nil, serial.Call{Object: "obj_1", Method: "<batch>", Args: tuples})
			require.NoError(t, err)
			for _, codec := range []serial.Serializer{s, plain{s}} {
				b, err := serial.EncodeCall(codec, nil, serial.Call{Object: "obj_1", Method: "<batch>", Batch: items})
				require.NoError(t, err)
				assert.Equal(t, want, b)
				got, err := serial.DecodeBatchCall(codec, b, serial.Limits{})
				require.NoError(t, err)
				assert.Equal(t, "obj_1", got.Object)
				assert.Equal(t, "<batch>", got.Method)
				assert.Nil(t, got.Args)
				require.Len(t, got.Batch, len(items))
				for i, it := range items {
					g := got.Batch[i]
					assert.Equal(t, it.Method, g.Method)
					assert.False(t, g.Malformed)
					assert.True(t, value.Equal(it.Args, g.Args), "item %d args %#v", i, g.Args)
					if it.Kwargs == nil {
						assert.Nil(t, g.Kwargs)
					} else {
						assert.True(t, value.Equal(it.Kwargs, g.Kwargs), "item %d kwargs %#v", i, g.Kwargs)
					}
				}
			}
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
