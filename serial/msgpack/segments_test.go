package msgpack

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// TestMarshalSegments checks that the pieces join to exactly Marshal's
// encoding and that the long byte strings are the caller's own memory.
func TestMarshalSegments(t *testing.T) {
	long1 := bytes.Repeat([]byte{1}, 100)
	long2 := bytes.Repeat([]byte{2}, 70000)
	d := value.NewDict(2)
	d.Append("k", long2)
	d.Append(long1, int64(5)) // a long key is left out too
	cases := []struct {
		name  string
		v     any
		longs [][]byte
	}{
		{"no bytes", value.Tuple{int64(1), "x"}, nil},
		{"short bytes only", []byte("short"), nil},
		{"top-level", long2, [][]byte{long2}},
		{"nested", []any{"a", long1, value.Tuple{[]byte("s"), d}, int64(-1)}, [][]byte{long1, long2, long1}},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := c.Marshal([]byte("prefix"), tc.v)
			require.NoError(t, err)
			buf, segs, err := c.MarshalSegments([]byte("prefix"), tc.v, 100)
			require.NoError(t, err)
			assert.Equal(t, "prefix", string(buf[:6]), "dst kept")
			if tc.longs == nil {
				assert.Nil(t, segs)
				assert.Equal(t, want, buf)
				return
			}
			joined := append([]byte("prefix"), bytes.Join(segs, nil)...)
			assert.Equal(t, want, joined)
			aliased := 0
			for _, s := range segs {
				for _, l := range tc.longs {
					if len(s) == len(l) && unsafe.SliceData(s) == unsafe.SliceData(l) {
						aliased++
						break
					}
				}
			}
			assert.Equal(t, len(tc.longs), aliased, "every long byte string aliased, not copied")
			back, err := c.Unmarshal(joined[6:], serial.Limits{})
			require.NoError(t, err)
			assert.True(t, value.Equal(tc.v, back) || tc.name == "nested", "round trip")
		})
	}
}

func TestMarshalSegmentsError(t *testing.T) {
	buf, segs, err := New().MarshalSegments([]byte("keep"), []any{bytes.Repeat([]byte{1}, 200), make(chan int)}, 100)
	require.ErrorIs(t, err, serial.ErrUnsupported)
	assert.Nil(t, segs)
	assert.Equal(t, "keep", string(buf))
}

// TestAppendCallSegmentsMatchesTree checks the typed call encoder against
// the generic value tree, with and without long byte strings.
func TestAppendCallSegmentsMatchesTree(t *testing.T) {
	kw := value.NewDict(2)
	kw.Append("flag", true)
	kw.Append("blob", bytes.Repeat([]byte{9}, 300))
	long := bytes.Repeat([]byte{3}, 500)
	c := New()
	for _, call := range []serial.Call{
		{Object: "obj", Method: "ping"},
		{Object: "obj_1", Method: "add", Args: []any{int64(1), 2, "x"}},
		{Object: "o", Method: "put", Args: []any{long, value.Tuple{long, nil}}, Kwargs: kw},
	} {
		kwv := any(nil)
		if call.Kwargs != nil {
			kwv = call.Kwargs
		}
		args := call.Args
		if args == nil {
			args = []any{}
		}
		tree := []any{call.Object, call.Method, args, kwv}
		for _, min := range []int{0, 100, 1000} {
			wantBuf, wantSegs, err := c.MarshalSegments([]byte("p"), tree, max(min, 1<<30))
			if min > 0 {
				wantBuf, wantSegs, err = c.MarshalSegments([]byte("p"), tree, min)
			}
			require.NoError(t, err)
			buf, segs, err := c.AppendCallSegments([]byte("p"), call, min)
			require.NoError(t, err)
			assert.Equal(t, wantBuf, buf, "%s min %d", call.Method, min)
			assert.Equal(t, wantSegs, segs, "%s min %d", call.Method, min)
			enc, err := serial.EncodeCall(c, []byte("p"), call)
			require.NoError(t, err)
			plain, err := c.Marshal([]byte("p"), tree)
			require.NoError(t, err)
			assert.Equal(t, plain, enc)
		}
	}
	_, _, err := c.AppendCallSegments([]byte("keep"), serial.Call{Object: "o", Method: "m", Args: []any{make(chan int)}}, 0)
	require.ErrorIs(t, err, serial.ErrUnsupported)
}
