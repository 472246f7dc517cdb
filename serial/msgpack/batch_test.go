package msgpack

import (
	"bytes"
	"fmt"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// genericBatchCall is the value tree serial.EncodeCall builds for a batch
// when the serializer has no BatchEncoder.
func genericBatchCall(c serial.Call) any {
	var kw any
	if c.Kwargs != nil {
		kw = c.Kwargs
	}
	return []any{c.Object, c.Method, serial.BatchArgs(c.Batch), kw}
}

func batchCalls() []serial.Call {
	kw := value.NewDict(2)
	kw.Append("flag", false)
	kw.Append("n", int64(-7))
	long := make([]any, 40)
	for i := range long {
		long[i] = i * 1000
	}
	many := make([]serial.BatchItem, 70000) // array 32 header
	for i := range many {
		many[i] = serial.BatchItem{Method: "add", Args: []any{i, int64(1)}, Kwargs: value.NewDict(0)}
	}
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	return []serial.Call{
		{Object: "o", Method: "<batch>", Batch: []serial.BatchItem{}},
		{Object: "obj_1", Method: "<batch>", Batch: []serial.BatchItem{
			{Method: "add", Args: []any{1, 2}, Kwargs: value.NewDict(0)},
			{Method: "opts", Args: []any{"y"}, Kwargs: kw},
			{Method: "none", Args: nil},
			{Method: "nested", Args: []any{[]any{value.Tuple{"t", 2.5}, kw}, []byte{0, 1}, nil, true, big1}},
			{Method: "long", Args: long, Kwargs: kw},
			{Malformed: true},
			{Method: "é" + string(make([]byte, 40)), Args: []any{}},
		}, Kwargs: kw},
		{Object: "many", Method: "<batch>", Batch: many},
	}
}

// TestAppendBatchCall: the direct encoding is the generic one, byte for
// byte, and EncodeCall uses it.
func TestAppendBatchCall(t *testing.T) {
	c := New()
	for i, call := range batchCalls() {
		want, err := c.Marshal([]byte("prefix"), genericBatchCall(call))
		require.NoError(t, err)
		got, err := c.AppendBatchCall([]byte("prefix"), call)
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "call %d", i)
		viaCall, err := serial.EncodeCall(c, []byte("prefix"), call)
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, viaCall), "call %d", i)
		var items []byte
		for _, it := range call.Batch {
			items, err = c.AppendBatchItem(items, it)
			require.NoError(t, err)
		}
		framed, err := c.AppendBatchFrame([]byte("prefix"), call, len(call.Batch), items)
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, framed), "call %d", i)
	}
	// Errors leave dst as it was.
	for _, call := range []serial.Call{
		{Object: "o", Method: "<batch>", Batch: []serial.BatchItem{{Method: "m", Args: []any{make(chan int)}}}},
		{Object: "o", Method: "<batch>", Batch: []serial.BatchItem{{Method: "bad\xff", Args: []any{}}}},
		{Object: "bad\xff", Method: "<batch>", Batch: []serial.BatchItem{}},
	} {
		dst := []byte("prefix")
		out, err := c.AppendBatchCall(dst, call)
		require.ErrorIs(t, err, serial.ErrUnsupported)
		assert.Equal(t, "prefix", string(out))
		_, gerr := c.Marshal(nil, genericBatchCall(call))
		assert.Equal(t, gerr.Error(), err.Error())
		if len(call.Batch) > 0 {
			out, err = c.AppendBatchItem(dst, call.Batch[0])
			require.ErrorIs(t, err, serial.ErrUnsupported)
			assert.Equal(t, "prefix", string(out))
		} else {
			out, err = c.AppendBatchFrame(dst, call, 0, nil)
			require.ErrorIs(t, err, serial.ErrUnsupported)
			assert.Equal(t, "prefix", string(out))
		}
	}
}

// genericBatchDecode is serial.DecodeBatchCall without the BatchDecoder.
func genericBatchDecode(data []byte, lim serial.Limits) (serial.Call, error) {
	call, err := genericDecodeCall(data, lim)
	if err != nil {
		return serial.Call{}, err
	}
	call.Batch, call.Args = serial.BatchItems(call.Args), nil
	return call, nil
}

// sameCall returns how two decoded batch calls differ, or "". fast says
// got is from UnmarshalBatchCall, which gives nil for an item's empty
// keyword arguments.
func sameCall(want, got serial.Call, fast bool) string {
	switch {
	case want.Object != got.Object || want.Method != got.Method:
		return fmt.Sprintf("call %q.%q, want %q.%q", got.Object, got.Method, want.Object, want.Method)
	case want.Kwargs.Len() != got.Kwargs.Len() || want.Kwargs.Len() > 0 && diff(want.Kwargs, got.Kwargs) != "":
		return "call kwargs differ" // empty ones may come back as nil (serial.CallDecoder)
	case got.Args != nil:
		return "Args set"
	case len(want.Batch) != len(got.Batch):
		return fmt.Sprintf("%d items, want %d", len(got.Batch), len(want.Batch))
	}
	for i, w := range want.Batch {
		g := got.Batch[i]
		switch {
		case w.Method != g.Method || w.Malformed != g.Malformed:
			return fmt.Sprintf("item %d: %q/%v, want %q/%v", i, g.Method, g.Malformed, w.Method, w.Malformed)
		case (w.Args == nil) != (g.Args == nil):
			return fmt.Sprintf("item %d: args nil %v, want %v", i, g.Args == nil, w.Args == nil)
		case w.Args != nil && diff(w.Args, g.Args) != "":
			return fmt.Sprintf("item %d: args %s", i, diff(w.Args, g.Args))
		case fast && w.Kwargs.Len() == 0 && g.Kwargs != nil:
			return fmt.Sprintf("item %d: empty kwargs not nil", i) // the fast path gives nil
		case !fast && (w.Kwargs == nil) != (g.Kwargs == nil):
			return fmt.Sprintf("item %d: kwargs nil %v, want %v", i, g.Kwargs == nil, w.Kwargs == nil)
		case w.Kwargs.Len() != g.Kwargs.Len() || w.Kwargs.Len() > 0 && diff(w.Kwargs, g.Kwargs) != "":
			return fmt.Sprintf("item %d: kwargs differ", i)
		}
	}
	return ""
}

func TestUnmarshalBatchCall(t *testing.T) {
	c := New()
	for i, call := range batchCalls() {
		data, err := c.AppendBatchCall(nil, call)
		require.NoError(t, err)
		want, err := genericBatchDecode(data, serial.Limits{})
		require.NoError(t, err)
		fast, ok := c.UnmarshalBatchCall(data, serial.Limits{})
		if i == 1 {
			// the malformed item (None) is not the shape it handles
			require.False(t, ok)
		} else {
			require.True(t, ok, "call %d", i)
			require.Empty(t, sameCall(want, fast, true), "call %d", i)
		}
		got, err := serial.DecodeBatchCall(c, data, serial.Limits{})
		require.NoError(t, err)
		require.Empty(t, sameCall(want, got, ok), "call %d", i)
	}
}

// TestDecodeBatchCallShapes: payloads outside the common shape decode as
// the generic way decodes them, errors included.
func TestDecodeBatchCallShapes(t *testing.T) {
	c := New()
	enc := func(v any) []byte {
		b, err := c.Marshal(nil, v)
		require.NoError(t, err)
		return b
	}
	kw := value.NewDict(0)
	for name, tc := range map[string]struct {
		data    []byte
		lim     serial.Limits
		fast    bool
		items   []serial.BatchItem
		errWant error
	}{
		"common": {data: enc([]any{"o", "<batch>", []any{[]any{"a", []any{int64(1)}, kw}, []any{"b", []any{}, nil}}, nil}), fast: true,
			items: []serial.BatchItem{{Method: "a", Args: []any{int64(1)}, Kwargs: kw}, {Method: "b", Args: []any{}}}},
		"item of two": {data: enc([]any{"o", "<batch>", []any{[]any{"a", []any{}}, []any{"b", []any{}, kw}}, nil}),
			items: []serial.BatchItem{{Malformed: true}}}, // a batch stops at a malformed item
		"not an array": {data: enc([]any{"o", "<batch>", []any{[]any{"b", []any{}, kw}, "a", int64(3)}, nil}),
			items: []serial.BatchItem{{Method: "b", Args: []any{}, Kwargs: kw}, {Malformed: true}}},
		"odd parts": {data: enc([]any{"o", "<batch>", []any{[]any{int64(1), nil, "x"}}, nil}),
			items: []serial.BatchItem{{}}},
		"no items":        {data: enc([]any{"o", "<batch>", nil, nil}), items: []serial.BatchItem{}},
		"args not a list": {data: enc([]any{"o", "<batch>", "x", nil}), errWant: serial.ErrMalformed},
		"call of three":   {data: enc([]any{"o", "<batch>", []any{}}), errWant: serial.ErrMalformed},
		"method not str":  {data: enc([]any{"o", int64(1), []any{}, nil}), errWant: serial.ErrMalformed},
		"kwargs not dict": {data: enc([]any{"o", "<batch>", []any{}, "x"}), errWant: serial.ErrMalformed},
		"trailing":        {data: append(enc([]any{"o", "<batch>", []any{}, nil}), 0xc0), errWant: serial.ErrMalformed},
		"truncated":       {data: enc([]any{"o", "<batch>", []any{[]any{"a", []any{int64(1)}, kw}}, nil})[:12], errWant: serial.ErrMalformed},
		"too many items": {data: enc([]any{"o", "<batch>", []any{[]any{"a", []any{int64(1)}, kw}, []any{"a", []any{int64(1)}, kw}}, nil}),
			lim: serial.Limits{MaxItems: 9}, errWant: serial.ErrLimit},
		"too deep": {data: enc([]any{"o", "<batch>", []any{[]any{"a", []any{[]any{}}, kw}}, nil}),
			lim: serial.Limits{MaxDepth: 4}, errWant: serial.ErrLimit},
		"deep enough": {data: enc([]any{"o", "<batch>", []any{[]any{"a", []any{int64(1)}, kw}}, nil}),
			lim: serial.Limits{MaxDepth: 4}, fast: true, items: []serial.BatchItem{{Method: "a", Args: []any{int64(1)}, Kwargs: kw}}},
		"too many bytes": {data: enc([]any{"o", "<batch>", []any{[]any{"abcdef", []any{}, kw}}, nil}),
			lim: serial.Limits{MaxBytes: 13}, errWant: serial.ErrLimit},
		"huge count": {data: []byte{0x94, 0xa1, 'o', 0xa1, 'b', 0xdd, 0x7f, 0xff, 0xff, 0xff, 0x93}, errWant: serial.ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			_, ok := c.UnmarshalBatchCall(tc.data, tc.lim)
			assert.Equal(t, tc.fast, ok)
			got, err := serial.DecodeBatchCall(c, tc.data, tc.lim)
			want, gerr := genericBatchDecode(tc.data, tc.lim)
			if tc.errWant != nil {
				require.ErrorIs(t, err, tc.errWant)
				require.Error(t, gerr)
				assert.Equal(t, gerr.Error(), err.Error())
				return
			}
			require.NoError(t, err)
			require.NoError(t, gerr)
			require.Empty(t, sameCall(want, got, ok))
			require.Empty(t, sameCall(serial.Call{Object: "o", Method: want.Method, Batch: tc.items}, got, ok))
		})
	}
}

// FuzzUnmarshalBatchCall: whatever UnmarshalBatchCall accepts, the generic
// decoding accepts too and gives the same call, which AppendBatchCall
// encodes as Marshal encodes its generic tree; what it refuses,
// DecodeBatchCall decodes the generic way.
func FuzzUnmarshalBatchCall(f *testing.F) {
	addSeeds(f)
	c := New()
	for _, call := range batchCalls()[:2] {
		b, _ := c.AppendBatchCall(nil, call)
		f.Add(b)
	}
	f.Add([]byte{0x94, 0xa1, 'o', 0xa1, 'b', 0x91, 0x93, 0xa1, 'a', 0x92, 0x01, 0xcd, 0x01, 0x00, 0x80, 0xc0})
	f.Add([]byte{0x94, 0xa1, 'o', 0xa1, 'b', 0xdc, 0x00, 0x02, 0x93, 0xa0, 0x90, 0xc0, 0x92, 0xa0, 0x90, 0xc0})
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		fast, ok := c.UnmarshalBatchCall(data, fuzzLimits)
		if !bytes.Equal(orig, data) {
			t.Fatal("UnmarshalBatchCall modified its input")
		}
		want, gerr := genericBatchDecode(data, fuzzLimits)
		got, err := serial.DecodeBatchCall(c, data, fuzzLimits)
		if !sameOutcome(t, "DecodeBatchCall", ok, err, gerr) {
			return
		}
		if d := sameCall(want, got, ok); d != "" {
			t.Fatalf("DecodeBatchCall differs from the generic decoding: %s", d)
		}
		if !ok {
			return
		}
		if d := sameCall(want, fast, true); d != "" {
			t.Fatalf("UnmarshalBatchCall differs from the generic decoding: %s", d)
		}
		e1, err := c.AppendBatchCall(nil, fast)
		if err != nil {
			t.Fatalf("AppendBatchCall of a decoded call: %v", err)
		}
		if e2 := mustMarshal(t, genericBatchCall(fast)); !bytes.Equal(e1, e2) {
			t.Fatalf("AppendBatchCall %x, Marshal %x", e1, e2)
		}
	})
}
