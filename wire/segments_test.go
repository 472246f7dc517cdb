package wire

import (
	"bytes"
	"crypto/rand"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainSigner is an Authenticator without SignSegments, so the Writer must
// join the pieces before signing.
type plainSigner struct{ Authenticator }

func segmentsFixture(t *testing.T) (segs [][]byte, joined []byte) {
	t.Helper()
	big1 := make([]byte, vectoredMin+17)
	big2 := make([]byte, 3*vectoredMin)
	_, err := rand.Read(big1)
	require.NoError(t, err)
	_, err = rand.Read(big2)
	require.NoError(t, err)
	segs = [][]byte{[]byte("head"), big1, {}, []byte("mid"), []byte("dle"), big2, []byte("tail")}
	for _, s := range segs {
		joined = append(joined, s...)
	}
	return segs, joined
}

// TestWriterSegments checks that a payload in pieces goes out exactly as
// the same payload in one piece would, with and without a MAC, with and
// without compression, and that long pieces are passed through uncopied.
func TestWriterSegments(t *testing.T) {
	segs, joined := segmentsFixture(t)
	key := Pyro4HMAC([]byte("segment key"))
	cases := []struct {
		name     string
		auth     Authenticator
		compress bool
	}{
		{"plain", nil, false},
		{"pyro4 hmac", key, false},
		{"signer without segments", plainSigner{key}, false},
		{"compressed", key, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{Type: MsgResult, Seq: 3, SerializerID: 6, Segments: segs}
			m.SetAnnotation(KeyCorrelation, make([]byte, 16))
			cw := &callWriter{}
			w := NewWriter(cw)
			w.SetAuthenticator(tc.auth)
			w.SetCompression(tc.compress)
			require.NoError(t, w.WriteMessage(m))

			one := &Message{Type: MsgResult, Seq: 3, SerializerID: 6, Data: joined, Annotations: m.Annotations}
			var want bytes.Buffer
			w2 := NewWriter(&want)
			w2.SetAuthenticator(tc.auth)
			w2.SetCompression(tc.compress)
			require.NoError(t, w2.WriteMessage(one))
			assert.Equal(t, want.Bytes(), cw.buf.Bytes(), "same bytes as the joined payload")

			r := NewReader(&cw.buf, Limits{})
			r.SetAuthenticator(tc.auth)
			back, err := r.ReadMessage()
			require.NoError(t, err)
			assert.Equal(t, joined, back.Data)
			if !tc.compress {
				// head+chunks+"head", big1, "middle", big2, "tail"
				require.Len(t, cw.calls, 5)
				assert.Equal(t, unsafe.SliceData(segs[1]), unsafe.SliceData(cw.calls[1]))
				assert.Equal(t, []byte("middle"), cw.calls[2])
				assert.Equal(t, unsafe.SliceData(segs[5]), unsafe.SliceData(cw.calls[3]))
				assert.Equal(t, []byte("tail"), cw.calls[4])
			}
		})
	}
}

func TestAppendMessageSegments(t *testing.T) {
	segs, joined := segmentsFixture(t)
	key := Pyro4HMAC([]byte("k"))
	got, err := AppendMessage(nil, &Message{Type: MsgInvoke, Segments: segs}, key)
	require.NoError(t, err)
	want, err := AppendMessage(nil, &Message{Type: MsgInvoke, Data: joined}, key)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, len(joined), (&Message{Segments: segs}).PayloadLen())

	_, err = AppendMessage(nil, &Message{Type: MsgInvoke, Data: []byte("x"), Segments: segs}, nil)
	assert.ErrorContains(t, err, "both Data and Segments")
}

// TestWriteMessagesWithSegments checks that a segmented message among
// others is written in order.
func TestWriteMessagesWithSegments(t *testing.T) {
	segs, joined := segmentsFixture(t)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	a := &Message{Type: MsgPing, Data: []byte("a")}
	b := &Message{Type: MsgResult, Seq: 1, Segments: segs}
	require.NoError(t, w.WriteMessages(a, b))
	r := NewReader(&buf, Limits{})
	m1, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, []byte("a"), m1.Data)
	m2, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, joined, m2.Data)
}
