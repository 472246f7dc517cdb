package wire

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callWriter records every Write call and the slices it was given.
type callWriter struct {
	calls [][]byte
	buf   bytes.Buffer
}

func (c *callWriter) Write(p []byte) (int, error) {
	c.calls = append(c.calls, p)
	return c.buf.Write(p)
}

func TestWriterSmallMessageOneWrite(t *testing.T) {
	cw := &callWriter{}
	w := NewWriter(cw)
	w.SetAuthenticator(Pyro4HMAC([]byte("key")))
	m := &Message{Type: MsgInvoke, Seq: 9, SerializerID: 1, Data: []byte("small payload")}
	m.SetAnnotation(KeyCorrelation, make([]byte, 16))
	require.NoError(t, w.WriteMessage(m))
	require.Len(t, cw.calls, 1)
	want, err := AppendMessage(nil, m, Pyro4HMAC([]byte("key")))
	require.NoError(t, err)
	assert.Equal(t, want, cw.buf.Bytes())

	// The internal buffer is reused: no allocation per small message.
	w = NewWriter(io.Discard)
	allocs := testing.AllocsPerRun(100, func() { _ = w.WriteMessage(m) })
	assert.Zero(t, allocs)
}

func TestWriterLargePayloadNotCopied(t *testing.T) {
	cw := &callWriter{}
	w := NewWriter(cw)
	data := bytes.Repeat([]byte{0x5a}, vectoredMin)
	m := &Message{Type: MsgResult, Seq: 1, SerializerID: 1, Data: data}
	require.NoError(t, w.WriteMessage(m))
	// A plain io.Writer gets header and payload as two calls (a socket gets
	// one writev); the payload call is the caller's own memory.
	require.Len(t, cw.calls, 2)
	assert.Equal(t, unsafe.SliceData(data), unsafe.SliceData(cw.calls[1]), "payload passed through, not copied")
	assert.Len(t, cw.calls[0], HeaderSize)

	back, err := NewReader(&cw.buf, Limits{}).ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, data, back.Data)
}

// TestWriterOverTCP sends small and large messages over a loopback socket
// (the large ones go through writev) and reads them back.
func TestWriterOverTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	key := Pyro4HMAC([]byte("tcp-key"))
	sizes := []int{0, 10, 199, 200, 5000, vectoredMin - 1, vectoredMin, 3 << 20}
	msgs := make([]*Message, len(sizes))
	for i, n := range sizes {
		d := make([]byte, n)
		_, _ = rand.Read(d[:n/2]) // half random, half zeros: compressible
		msgs[i] = &Message{Type: MsgResult, Seq: uint16(i), SerializerID: 2, Data: d}
		msgs[i].SetAnnotation(KeyCorrelation, bytes.Repeat([]byte{byte(i)}, 16))
	}
	errc := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			errc <- err
			return
		}
		defer c.Close()
		w := NewWriter(c)
		w.SetAuthenticator(key)
		for i, m := range msgs {
			w.SetCompression(i%2 == 0)
			if err := w.WriteMessage(m); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	r := NewReader(c, Limits{})
	r.SetAuthenticator(key)
	for i, want := range msgs {
		got, err := r.ReadMessage()
		require.NoError(t, err, "message %d", i)
		assert.Equal(t, want.Seq, got.Seq)
		assert.True(t, bytes.Equal(want.Data, got.Data), "message %d data", i)
		assert.Equal(t, want.Annotations, got.Annotations)
		compressed := got.Flags&FlagCompressed != 0
		assert.Equal(t, i%2 == 0 && sizes[i] >= compressMin, compressed, "message %d of %d bytes", i, sizes[i])
	}
	require.NoError(t, <-errc)
}

func TestWriterCompressionRule(t *testing.T) {
	write := func(m *Message) Header {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.SetCompression(true)
		require.NoError(t, w.WriteMessage(m))
		h, err := ParseHeader(buf.Bytes())
		require.NoError(t, err)
		back, err := NewReader(&buf, Limits{}).ReadMessage()
		require.NoError(t, err)
		if h.Flags&FlagCompressed != 0 && m.Flags&FlagCompressed == 0 {
			assert.Equal(t, m.Data, back.Data)
		}
		return h
	}
	compressible := bytes.Repeat([]byte("abc"), 100)

	h := write(&Message{Type: MsgInvoke, Data: compressible[:199]})
	assert.Zero(t, h.Flags&FlagCompressed, "under 200 bytes: never")
	assert.EqualValues(t, 199, h.DataSize)

	m := &Message{Type: MsgInvoke, Flags: FlagOneway, Data: compressible[:200]}
	h = write(m)
	assert.Equal(t, FlagOneway|FlagCompressed, h.Flags)
	assert.Less(t, int(h.DataSize), 200)
	assert.Equal(t, FlagOneway, m.Flags, "caller's message untouched")

	random := make([]byte, 1000)
	_, _ = rand.Read(random)
	h = write(&Message{Type: MsgInvoke, Data: random})
	assert.Zero(t, h.Flags&FlagCompressed, "not smaller: sent plain")
	assert.EqualValues(t, 1000, h.DataSize)

	// Already compressed by the caller: sent as it is.
	pre := zlibBytes(t, compressible)
	h = write(&Message{Type: MsgInvoke, Flags: FlagCompressed, Data: pre})
	assert.EqualValues(t, len(pre), h.DataSize)
}

// TestPythonInflatesOurDeflate checks CPython's zlib (which Pyro4 uses) can
// inflate what the Writer compresses.
func TestPythonInflatesOurDeflate(t *testing.T) {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil && os.Getenv("CI") == "" {
		t.Skip("no /usr/bin/python3")
	}
	payload := []byte(strings.Repeat("# serpent utf-8 python3.2\n('obj','method',(1,2,3),{})\n", 40))
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetCompression(true)
	require.NoError(t, w.WriteMessage(&Message{Type: MsgInvoke, SerializerID: 1, Data: payload}))
	h, err := ParseHeader(buf.Bytes())
	require.NoError(t, err)
	require.NotZero(t, h.Flags&FlagCompressed)
	deflated := buf.Bytes()[HeaderSize:]

	cmd := exec.Command(py, "-c", "import sys,zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))")
	cmd.Stdin = bytes.NewReader(deflated)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, payload, out)
}

// failWriter accepts n bytes, then fails.
type failWriter struct{ n int }

var errBroken = errors.New("broken pipe")

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	k := f.n
	f.n = 0
	return k, errBroken
}

func TestWriterErrors(t *testing.T) {
	fw := &failWriter{n: 10}
	w := NewWriter(fw)
	m := &Message{Type: MsgPing, SerializerID: 42, Data: []byte("ping")}
	err := w.WriteMessage(m)
	require.ErrorIs(t, err, errBroken)
	fw.n = 1000
	require.ErrorIs(t, w.WriteMessage(m), errBroken, "write errors are sticky")

	// Encoding errors are not: nothing was written.
	var buf bytes.Buffer
	w = NewWriter(&buf)
	require.ErrorIs(t, w.WriteMessage(&Message{Annotations: []Annotation{{Key: "bad"}}}), ErrAnnotations)
	assert.Zero(t, buf.Len())
	require.NoError(t, w.WriteMessage(m))
	got, err := NewReader(&buf, Limits{}).ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "ping", string(got.Data))
}

func TestAppendMessageRefusesBadChunks(t *testing.T) {
	hm := Pyro4HMAC([]byte("k"))
	cases := []struct {
		name string
		anns []Annotation
		auth Authenticator
	}{
		{"short key", []Annotation{{Key: "abc"}}, nil},
		{"long key", []Annotation{{Key: "abcde"}}, nil},
		{"non-ASCII key", []Annotation{{Key: "ab\xc3\xa9"}}, nil},
		{"repeated key", []Annotation{{Key: "CORR"}, {Key: "STRM"}, {Key: "CORR"}}, nil},
		{"HMAC without authenticator", []Annotation{{Key: "HMAC", Value: make([]byte, 20)}}, nil},
		{"HMAC with authenticator", []Annotation{{Key: "HMAC", Value: make([]byte, 20)}}, hm},
		{"value too long", []Annotation{{Key: "BIG!", Value: make([]byte, 65536)}}, nil},
		{"chunks too long", []Annotation{{Key: "BIG1", Value: make([]byte, 40000)}, {Key: "BIG2", Value: make([]byte, 40000)}}, nil},
		{"no room for the MAC", []Annotation{{Key: "BIG1", Value: make([]byte, 65535-6-10)}}, hm},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := []byte("keep")
			out, err := AppendMessage(dst, &Message{Type: MsgInvoke, Annotations: c.anns}, c.auth)
			require.ErrorIs(t, err, ErrAnnotations)
			assert.Equal(t, "keep", string(out))
		})
	}
	// The largest chunk set that fits is accepted and reads back.
	m := &Message{Type: MsgInvoke, Annotations: []Annotation{{Key: "BIG1", Value: make([]byte, 65535-6-26)}}}
	out, err := AppendMessage(nil, m, hm)
	require.NoError(t, err)
	h, err := ParseHeader(out)
	require.NoError(t, err)
	assert.EqualValues(t, 65535, h.AnnotationsSize)
	_, err = readOne(out, Limits{}, hm)
	require.NoError(t, err)
}

func TestMessageHelpers(t *testing.T) {
	var m Message
	_, ok := m.Annotation("CORR")
	assert.False(t, ok)
	_, ok = m.CorrelationID()
	assert.False(t, ok)
	m.SetAnnotation("USER", []byte("1"))
	m.SetAnnotation(KeyCorrelation, []byte("short"))
	_, ok = m.CorrelationID()
	assert.False(t, ok, "CORR must be 16 bytes")
	id := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	m.SetAnnotation(KeyCorrelation, id[:])
	m.SetAnnotation("USER", []byte("2"))
	require.Len(t, m.Annotations, 2, "replaced in place")
	assert.Equal(t, "USER", m.Annotations[0].Key)
	v, ok := m.Annotation("USER")
	assert.True(t, ok)
	assert.Equal(t, "2", string(v))
	got, ok := m.CorrelationID()
	assert.True(t, ok)
	assert.Equal(t, id, got)
}

func TestStrings(t *testing.T) {
	assert.Equal(t, "CONNECT", MsgConnect.String())
	assert.Equal(t, "CONNECTOK", MsgConnectOK.String())
	assert.Equal(t, "CONNECTFAIL", MsgConnectFail.String())
	assert.Equal(t, "INVOKE", MsgInvoke.String())
	assert.Equal(t, "RESULT", MsgResult.String())
	assert.Equal(t, "PING", MsgPing.String())
	assert.Equal(t, "MsgType(0)", MsgType(0).String())
	assert.Equal(t, "MsgType(7)", MsgType(7).String())
	assert.Equal(t, "0", Flags(0).String())
	assert.Equal(t, "EXCEPTION|ITEMSTREAMRESULT", (FlagException | FlagItemStreamResult).String())
	assert.Equal(t, "COMPRESSED|ONEWAY|BATCH|META_ON_CONNECT|KEEPSERIALIZED",
		(FlagCompressed | FlagOneway | FlagBatch | FlagMetaOnConnect | FlagKeepSerialized).String())
	assert.Equal(t, "ONEWAY|0x8080", (FlagOneway | 0x8080).String())
	assert.Equal(t, "0x100", Flags(0x100).String())
}

func TestPyro4HMACKeepsKeySecret(t *testing.T) {
	key := []byte("super-secret-key")
	a := Pyro4HMAC(key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		s := fmt.Sprintf(verb, a)
		assert.NotContains(t, s, "super-secret")
		assert.NotContains(t, s, fmt.Sprintf("%x", key))
	}
	// The key is copied.
	mac1, err := a.Sign(nil, nil, []byte("data"))
	require.NoError(t, err)
	key[0] = 'X'
	mac2, err := a.Sign(nil, nil, []byte("data"))
	require.NoError(t, err)
	assert.Equal(t, mac1, mac2)

	assert.Panics(t, func() { Pyro4HMAC(nil) })
	assert.Panics(t, func() { Pyro4HMAC([]byte{}) })
}

// TestPyro4HMACMatchesPython computes Pyro4's MAC with Python's hmac module
// for several chunk orders, including more chunks than the small-sort path.
func TestPyro4HMACMatchesPython(t *testing.T) {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil && os.Getenv("CI") == "" {
		t.Skip("no /usr/bin/python3")
	}
	for _, n := range []int{0, 1, 3, smallDupScan, smallDupScan + 5} {
		var anns []Annotation
		var pyAnns []string
		for i := 0; i < n; i++ {
			// Keys in descending order so sorting matters.
			k := fmt.Sprintf("K%03d", 999-i*37%1000)
			v := fmt.Sprintf("value-%d", i)
			anns = append(anns, Annotation{Key: k, Value: []byte(v)})
			pyAnns = append(pyAnns, fmt.Sprintf("%q: b%q", k, v))
		}
		data := "payload data"
		script := fmt.Sprintf(`import hmac,hashlib
anns = {%s}
m = hmac.new(b"py-key", b%q, digestmod=hashlib.sha1)
for k, v in sorted(anns.items()):
    m.update(v)
print(m.hexdigest())`, strings.Join(pyAnns, ", "), data)
		out, err := exec.Command(py, "-c", script).Output()
		require.NoError(t, err)
		mac, err := Pyro4HMAC([]byte("py-key")).Sign(nil, anns, []byte(data))
		require.NoError(t, err)
		assert.Equal(t, strings.TrimSpace(string(out)), fmt.Sprintf("%x", mac), "%d chunks", n)
	}
}
