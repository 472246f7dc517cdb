package wire

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingWriter counts Write calls.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestWriteMessagesOneWrite(t *testing.T) {
	var w countingWriter
	wr := NewWriter(&w)
	wr.SetAuthenticator(Pyro4HMAC([]byte("k")))
	a := &Message{Type: MsgConnect, Flags: FlagMetaOnConnect, Seq: 1, SerializerID: 4, Data: []byte("hello")}
	b := &Message{Type: MsgInvoke, Seq: 2, SerializerID: 4, Data: []byte("call"),
		Annotations: []Annotation{{Key: "CORR", Value: bytes.Repeat([]byte{7}, 16)}}}
	require.NoError(t, wr.WriteMessages(a, b))
	assert.Equal(t, 1, w.writes, "small messages go out in one write")

	r := NewReader(&w.Buffer, Limits{})
	r.SetAuthenticator(Pyro4HMAC([]byte("k")))
	for _, want := range []*Message{a, b} {
		got, err := r.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, want.Type, got.Type)
		assert.Equal(t, want.Seq, got.Seq)
		assert.Equal(t, want.Data, got.Data)
	}
}

func TestWriteMessagesLargeAndCompressed(t *testing.T) {
	for _, compress := range []bool{false, true} {
		var w countingWriter
		wr := NewWriter(&w)
		wr.SetCompression(compress)
		big := bytes.Repeat([]byte("flint "), 200_000)
		a := &Message{Type: MsgInvoke, Seq: 1, SerializerID: 4, Data: []byte("small")}
		b := &Message{Type: MsgInvoke, Seq: 2, SerializerID: 4, Data: big}
		require.NoError(t, wr.WriteMessages(a, b))
		r := NewReader(&w.Buffer, Limits{})
		for _, want := range []*Message{a, b} {
			got, err := r.ReadMessage()
			require.NoError(t, err)
			assert.Equal(t, want.Seq, got.Seq)
			assert.Equal(t, want.Data, got.Data)
		}
	}
}
