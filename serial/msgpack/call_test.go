package msgpack

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// genericDecodeCall is serial.DecodeCall without the CallDecoder: the
// value tree, then serial.CallFromValue.
func genericDecodeCall(data []byte, lim serial.Limits) (serial.Call, error) {
	v, err := New().Unmarshal(data, lim)
	if err != nil {
		return serial.Call{}, err
	}
	return serial.CallFromValue(v)
}

// sameOrdinaryCall returns how two decoded calls differ, or "". Empty
// arguments and keyword arguments count as absent, as serial.CallDecoder
// allows.
func sameOrdinaryCall(want, got serial.Call) string {
	switch {
	case want.Object != got.Object || want.Method != got.Method:
		return fmt.Sprintf("call %q.%q, want %q.%q", got.Object, got.Method, want.Object, want.Method)
	case len(want.Args) != len(got.Args):
		return fmt.Sprintf("%d args, want %d", len(got.Args), len(want.Args))
	case len(want.Args) > 0 && diff(want.Args, got.Args) != "":
		return "args: " + diff(want.Args, got.Args)
	case want.Kwargs.Len() != got.Kwargs.Len():
		return fmt.Sprintf("%d kwargs, want %d", got.Kwargs.Len(), want.Kwargs.Len())
	case want.Kwargs.Len() > 0 && diff(want.Kwargs, got.Kwargs) != "":
		return "kwargs: " + diff(want.Kwargs, got.Kwargs)
	case got.Batch != nil:
		return "Batch set"
	}
	return ""
}

// TestUnmarshalCall: calls flint and Pyro4 send decode straight into a
// Call, giving what the generic way gives; every other payload is left to
// the generic way, errors and limits included.
func TestUnmarshalCall(t *testing.T) {
	c := New()
	enc := func(v any) []byte {
		b, err := c.Marshal(nil, v)
		require.NoError(t, err)
		return b
	}
	kw := value.NewDict(2)
	kw.Append("flag", true)
	kw.Append("n", int64(3))
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	long := string(bytes.Repeat([]byte("m"), 300)) // str 16
	largeArg := bytes.Repeat([]byte{7}, 5000)      // beyond smallInput: strings are copied
	for name, tc := range map[string]struct {
		data    []byte
		lim     serial.Limits
		fast    bool
		errWant error
	}{
		"no args":         {data: enc([]any{"obj", "ping", []any{}, value.NewDict(0)}), fast: true},
		"nil kwargs":      {data: enc([]any{"obj", "ping", []any{}, nil}), fast: true},
		"args and kwargs": {data: enc([]any{"obj_1", "add", []any{int64(1), "x", 2.5, nil, true, []byte{1}, []any{"n"}, big1}, kw}), fast: true},
		"long names":      {data: enc([]any{long, "é" + long, []any{int64(1)}, nil}), fast: true},
		"large payload":   {data: enc([]any{"obj", "take", []any{largeArg}, nil}), fast: true},
		"empty names":     {data: enc([]any{"", "", []any{}, nil}), fast: true},
		"args nil":        {data: enc([]any{"obj", "ping", nil, nil})},
		"args not a list": {data: enc([]any{"obj", "ping", "x", nil}), errWant: serial.ErrMalformed},
		"object not str":  {data: enc([]any{int64(1), "ping", []any{}, nil}), errWant: serial.ErrMalformed},
		"method not str":  {data: enc([]any{"obj", []byte("ping"), []any{}, nil}), errWant: serial.ErrMalformed},
		"kwargs not dict": {data: enc([]any{"obj", "ping", []any{}, "x"}), errWant: serial.ErrMalformed},
		"call of three":   {data: enc([]any{"obj", "ping", []any{}}), errWant: serial.ErrMalformed},
		"not an array":    {data: enc("ping"), errWant: serial.ErrMalformed},
		"bad utf-8":       {data: []byte{0x94, 0xa1, 0xff, 0xa1, 'p', 0x90, 0xc0}, errWant: serial.ErrMalformed},
		"trailing":        {data: append(enc([]any{"obj", "ping", []any{}, nil}), 0xc0), errWant: serial.ErrMalformed},
		"truncated":       {data: enc([]any{"obj", "ping", []any{int64(1000)}, nil})[:13], errWant: serial.ErrMalformed},
		"truncated name":  {data: enc([]any{"obj", "ping", []any{}, nil})[:4], errWant: serial.ErrMalformed},
		"huge count":      {data: []byte{0x94, 0xa1, 'o', 0xa1, 'p', 0xdd, 0x7f, 0xff, 0xff, 0xff, 0x01}, errWant: serial.ErrMalformed},
		"too many items": {data: enc([]any{"obj", "add", []any{int64(1), int64(2), int64(3)}, nil}),
			lim: serial.Limits{MaxItems: 6}, errWant: serial.ErrLimit},
		"items enough": {data: enc([]any{"obj", "add", []any{int64(1), int64(2), int64(3)}, nil}),
			lim: serial.Limits{MaxItems: 7}, fast: true},
		"too deep": {data: enc([]any{"obj", "add", []any{[]any{}}, nil}),
			lim: serial.Limits{MaxDepth: 2}, errWant: serial.ErrLimit},
		"deep enough": {data: enc([]any{"obj", "add", []any{[]any{}}, nil}),
			lim: serial.Limits{MaxDepth: 3}, fast: true},
		"no depth for args": {data: enc([]any{"obj", "ping", []any{}, nil}),
			lim: serial.Limits{MaxDepth: 1}, errWant: serial.ErrLimit},
		"too many bytes": {data: enc([]any{"obj", "method", []any{}, nil}),
			lim: serial.Limits{MaxBytes: 8}, errWant: serial.ErrLimit},
		"bytes enough": {data: enc([]any{"obj", "method", []any{}, nil}),
			lim: serial.Limits{MaxBytes: 9}, fast: true},
	} {
		t.Run(name, func(t *testing.T) {
			fast, ok := c.UnmarshalCall(tc.data, tc.lim)
			assert.Equal(t, tc.fast, ok)
			got, err := serial.DecodeCall(c, tc.data, tc.lim)
			want, gerr := genericDecodeCall(tc.data, tc.lim)
			if tc.errWant != nil {
				require.ErrorIs(t, err, tc.errWant)
				require.Error(t, gerr)
				assert.Equal(t, gerr.Error(), err.Error())
				return
			}
			require.NoError(t, err)
			require.NoError(t, gerr)
			require.Empty(t, sameOrdinaryCall(want, got))
			if ok {
				require.Empty(t, sameOrdinaryCall(want, fast))
			}
		})
	}
}

// TestUnmarshalCallAllocations: a call without arguments costs one
// allocation (the names' shared copy), not a box per field.
func TestUnmarshalCallAllocations(t *testing.T) {
	c := New()
	data, err := c.Marshal(nil, []any{"bench", "ping", []any{}, nil})
	require.NoError(t, err)
	n := testing.AllocsPerRun(100, func() {
		if _, ok := c.UnmarshalCall(data, serial.Limits{}); !ok {
			t.Fatal("not decoded")
		}
	})
	assert.LessOrEqual(t, n, 1.0)
}

// sameOutcome checks a decoding with a fast path (err; fastOK tells
// whether the fast path accepted the payload) against the generic one
// (gerr): both fail, with the same message and a classified error, or
// neither does, and the fast path accepts nothing the generic way refuses.
// It reports whether both succeeded.
func sameOutcome(t *testing.T, name string, fastOK bool, err, gerr error) bool {
	t.Helper()
	if (err == nil) != (gerr == nil) || err != nil && err.Error() != gerr.Error() {
		t.Fatalf("%s: %v, generic: %v", name, err, gerr)
	}
	if err == nil {
		return true
	}
	if !errors.Is(err, serial.ErrMalformed) && !errors.Is(err, serial.ErrLimit) && !errors.Is(err, serial.ErrUnsupported) {
		t.Fatalf("unclassified error: %v", err)
	}
	if fastOK {
		t.Fatalf("the fast path of %s accepted what the generic decoding refuses", name)
	}
	return false
}

// FuzzUnmarshalCall: whatever UnmarshalCall accepts, the generic decoding
// accepts too and gives the same call; what it refuses, DecodeCall decodes
// the generic way, with the same result or error.
func FuzzUnmarshalCall(f *testing.F) {
	addSeeds(f)
	c := New()
	for _, v := range []any{
		[]any{"obj", "ping", []any{}, nil},
		[]any{"obj_1", "add", []any{int64(1), "x", []any{2.5}}, value.NewDict(0)},
		[]any{"o", "m", nil, nil},
	} {
		b, _ := c.Marshal(nil, v)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		fast, ok := c.UnmarshalCall(data, fuzzLimits)
		if !bytes.Equal(orig, data) {
			t.Fatal("UnmarshalCall modified its input")
		}
		want, gerr := genericDecodeCall(data, fuzzLimits)
		got, err := serial.DecodeCall(c, data, fuzzLimits)
		if !sameOutcome(t, "DecodeCall", ok, err, gerr) {
			return
		}
		if d := sameOrdinaryCall(want, got); d != "" {
			t.Fatalf("DecodeCall differs from the generic decoding: %s", d)
		}
		if ok {
			if d := sameOrdinaryCall(want, fast); d != "" {
				t.Fatalf("UnmarshalCall differs from the generic decoding: %s", d)
			}
		}
	})
}
