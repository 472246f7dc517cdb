package serpent

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// TestAppendCallSegmentsMatchesTree: the typed call encoder writes the
// bytes Marshal writes for the tuple serial.EncodeCall would build, and
// EncodeCall uses it.
func TestAppendCallSegmentsMatchesTree(t *testing.T) {
	kw := value.NewDict(2)
	kw.Append("flag", true)
	kw.Append("blob", []byte{0, 1, 2})
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	c := New()
	for _, call := range []serial.Call{
		{Object: "obj", Method: "ping"},
		{Object: "obj", Method: "ping", Args: []any{}, Kwargs: value.NewDict(0)},
		{Object: "obj_1", Method: "add", Args: []any{int64(1), 2, "x"}},
		{Object: "o'\"\\é", Method: "one", Args: []any{value.Tuple{"t"}}}, // quoting, one-element tuple
		{Object: "o", Method: "put", Args: []any{[]byte("bytes"), value.Tuple{2.5, nil}, []any{big1, true}}, Kwargs: kw},
	} {
		var kwv any
		if call.Kwargs != nil {
			kwv = call.Kwargs
		}
		args := call.Args
		if args == nil {
			args = []any{}
		}
		want, err := c.Marshal([]byte("p"), value.Tuple{call.Object, call.Method, value.Tuple(args), kwv})
		require.NoError(t, err)
		buf, segs, err := c.AppendCallSegments([]byte("p"), call, 1)
		require.NoError(t, err)
		assert.Nil(t, segs)
		assert.Equal(t, string(want), string(buf), "%s", call.Method)
		enc, err := serial.EncodeCall(c, []byte("p"), call)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(enc))
	}
	out, _, err := c.AppendCallSegments([]byte("keep"), serial.Call{Object: "o", Method: "m", Args: []any{make(chan int)}}, 0)
	require.ErrorIs(t, err, serial.ErrUnsupported)
	assert.Equal(t, "keep", string(out), "dst unchanged on error")
	bad := value.NewDict(1)
	bad.Append([]any{"unhashable"}, 1)
	out, _, err = c.AppendCallSegments([]byte("keep"), serial.Call{Object: "o", Method: "m", Kwargs: bad}, 0)
	require.ErrorIs(t, err, serial.ErrUnsupported)
	assert.Equal(t, "keep", string(out), "dst unchanged on error")
}

// FuzzAppendCallSegments: for any payload that decodes as a call, the
// typed encoder writes what Marshal writes for the call's tuple.
func FuzzAppendCallSegments(f *testing.F) {
	c := New()
	for _, v := range []any{
		value.Tuple{"obj", "ping", value.Tuple{}, nil},
		value.Tuple{"obj_1", "add", value.Tuple{int64(1), "x", []any{2.5}}, value.NewDict(0)},
	} {
		b, _ := c.Marshal(nil, v)
		f.Add(b)
	}
	f.Add([]byte("('o','m',(1,(2,),{3},[b'x']),{'k':{'a':None}})"))
	lim := serial.Limits{MaxDepth: 24, MaxItems: 1 << 12, MaxBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		call, err := serial.DecodeCall(c, data, lim)
		if err != nil {
			return
		}
		var kwv any
		if call.Kwargs != nil {
			kwv = call.Kwargs
		}
		want, werr := c.Marshal(nil, value.Tuple{call.Object, call.Method, value.Tuple(call.Args), kwv})
		got, _, gerr := c.AppendCallSegments(nil, call, 0)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("Marshal: %v, AppendCallSegments: %v", werr, gerr)
		}
		if werr == nil && string(want) != string(got) {
			t.Fatalf("AppendCallSegments %q, Marshal %q", got, want)
		}
	})
}
