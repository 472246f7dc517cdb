package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// seedVectors adds every recorded and every negative vector.
func seedVectors(f *testing.F, add func(raw []byte, keyed bool)) {
	for _, v := range allVectors(f) {
		add(v.raw(f), v.HMACKey != nil)
	}
	for _, nv := range negativeVectors(f) {
		add(mustHex(f, nv.MessageHex), nv.ReceiverHMACKey != nil)
	}
}

// fuzzKey is the key of the signed vectors, so signed seeds verify.
const fuzzKey = "vector-hmac-key"

func FuzzParseHeader(f *testing.F) {
	seedVectors(f, func(raw []byte, _ bool) { f.Add(raw[:HeaderSize]) })
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if len(b) < HeaderSize && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("short header: %v", err)
			}
			return
		}
		// A parsed header writes back to the same bytes.
		if got := h.Append(nil); !bytes.Equal(got, b[:HeaderSize]) {
			t.Fatalf("Append(ParseHeader(b)) = %x, want %x", got, b[:HeaderSize])
		}
		if h.Checksum != h.ComputeChecksum() {
			t.Fatal("accepted a wrong checksum")
		}
	})
}

func FuzzReadMessage(f *testing.F) {
	seedVectors(f, func(raw []byte, keyed bool) {
		f.Add(raw, keyed)
		f.Add(raw, !keyed)
	})
	f.Fuzz(func(t *testing.T, b []byte, keyed bool) {
		var a Authenticator
		if keyed {
			a = Pyro4HMAC([]byte(fuzzKey))
		}
		lim := Limits{MaxMessageSize: 1 << 20, MaxDecompressedSize: 1 << 20}
		r := NewReader(bytes.NewReader(b), lim)
		r.SetAuthenticator(a)
		for {
			m, err := r.ReadMessage()
			if err != nil {
				// Errors are sticky, except a clean EOF.
				if _, err2 := r.ReadMessage(); err != io.EOF && err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				return
			}
			if len(m.Data) > lim.MaxDecompressedSize {
				t.Fatalf("payload of %d bytes over the limit", len(m.Data))
			}
			// Re-encode the decoded message (as sent plain if it was
			// compressed) and decode it again: nothing may change.
			again := *m
			again.Flags &^= FlagCompressed
			enc, err := AppendMessage(nil, &again, a)
			if err != nil {
				t.Fatalf("cannot re-encode an accepted message: %v", err)
			}
			r2 := NewReader(bytes.NewReader(enc), Limits{MaxMessageSize: 2 << 20})
			r2.SetAuthenticator(a)
			back, err := r2.ReadMessage()
			if err != nil {
				t.Fatalf("re-encoded message refused: %v", err)
			}
			if back.Type != again.Type || back.Flags != again.Flags || back.Seq != again.Seq ||
				back.SerializerID != again.SerializerID || !bytes.Equal(back.Data, again.Data) ||
				len(back.Annotations) != len(again.Annotations) {
				t.Fatalf("round trip changed the message: %+v vs %+v", back, again)
			}
			for i := range back.Annotations {
				if back.Annotations[i].Key != again.Annotations[i].Key || !bytes.Equal(back.Annotations[i].Value, again.Annotations[i].Value) {
					t.Fatalf("chunk %d changed", i)
				}
			}
		}
	})
}
