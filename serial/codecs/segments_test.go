package codecs

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// TestSegmentsJoinToMarshal checks, for every safe codec, that the call
// and result encodings in pieces join to exactly the one-piece encoding,
// that the codecs whose encoding carries bytes verbatim (marshal, msgpack)
// leave long byte strings out and alias them, and that the others fall
// back to one piece.
func TestSegmentsJoinToMarshal(t *testing.T) {
	long := bytes.Repeat([]byte{0xab}, 1000)
	d := value.NewDict(1)
	d.Append("blob", long)
	call := serial.Call{Object: "obj", Method: "put", Args: []any{long, "name", value.Tuple{int64(1), long}}, Kwargs: d}
	for _, c := range Safe() {
		if c.ID() == serial.IDJSON {
			continue // Pyro4's json serializer carries no bytes
		}
		t.Run(c.Name(), func(t *testing.T) {
			want, err := serial.EncodeCall(c, []byte("pre"), call)
			require.NoError(t, err)
			buf, segs, err := serial.EncodeCallSegments(c, []byte("pre"), call, 1000)
			require.NoError(t, err)
			_, segmenting := c.(serial.SegmentMarshaler)
			if !segmenting {
				assert.Nil(t, segs)
				assert.Equal(t, want, buf)
				return
			}
			require.NotNil(t, segs)
			assert.Equal(t, want, append([]byte("pre"), bytes.Join(segs, nil)...))
			aliased := 0
			for _, s := range segs {
				if unsafe.SliceData(s) == unsafe.SliceData(long) {
					aliased++
				}
			}
			assert.Equal(t, 3, aliased)
			assert.Less(t, len(buf), 3+200, "long bytes left out of buf")

			// A threshold above every byte string: one piece.
			buf, segs, err = serial.MarshalSegments(c, nil, call.Args, 1001)
			require.NoError(t, err)
			assert.Nil(t, segs)
			plain, err := c.Marshal(nil, call.Args)
			require.NoError(t, err)
			assert.Equal(t, plain, buf)
		})
	}
}
