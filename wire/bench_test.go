package wire

import (
	"io"
	"testing"
)

// loopReader serves the same bytes forever without allocating.
type loopReader struct {
	b   []byte
	off int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.b[l.off:])
	l.off = (l.off + n) % len(l.b)
	return n, nil
}

// benchCall is a real small call: serpent invoke_mixed without HMAC.
func benchCall(b *testing.B) *Message {
	b.Helper()
	for _, v := range allVectors(b) {
		if v.file == "serpent.json" && v.Name == "invoke_mixed" {
			m, err := NewReader(&loopReader{b: v.raw(b)}, Limits{}).ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			return m
		}
	}
	b.Fatal("vector serpent/invoke_mixed not found")
	return nil
}

func benchRead(b *testing.B, m *Message, a Authenticator) {
	raw, err := AppendMessage(nil, m, a)
	if err != nil {
		b.Fatal(err)
	}
	r := NewReader(&loopReader{b: raw}, Limits{})
	r.SetAuthenticator(a)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchWrite(b *testing.B, m *Message, a Authenticator) {
	w := NewWriter(io.Discard)
	w.SetAuthenticator(a)
	raw, _ := AppendMessage(nil, m, a)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteMessage(m); err != nil {
			b.Fatal(err)
		}
	}
}

func bigMessage() *Message {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	m := &Message{Type: MsgResult, Seq: 1, SerializerID: 1, Data: data}
	m.SetAnnotation(KeyCorrelation, make([]byte, 16))
	return m
}

var benchKey = Pyro4HMAC([]byte("bench-key"))

func BenchmarkReadSmall(b *testing.B)      { benchRead(b, benchCall(b), nil) }
func BenchmarkReadSmallHMAC(b *testing.B)  { benchRead(b, benchCall(b), benchKey) }
func BenchmarkRead1MiB(b *testing.B)       { benchRead(b, bigMessage(), nil) }
func BenchmarkRead1MiBHMAC(b *testing.B)   { benchRead(b, bigMessage(), benchKey) }
func BenchmarkWriteSmall(b *testing.B)     { benchWrite(b, benchCall(b), nil) }
func BenchmarkWriteSmallHMAC(b *testing.B) { benchWrite(b, benchCall(b), benchKey) }
func BenchmarkWrite1MiB(b *testing.B)      { benchWrite(b, bigMessage(), nil) }
func BenchmarkWrite1MiBHMAC(b *testing.B)  { benchWrite(b, bigMessage(), benchKey) }
