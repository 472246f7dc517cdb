package value_test

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/serpent"
	"github.com/flintrpc/flint/value"
)

// These tests decode the recorded serpent payloads with serial/serpent and
// check the binder and the class-dict helpers against them, byte for byte
// where Pyro4's output is deterministic.

func serpentPayload(t *testing.T, name string) []byte {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "vectors")
	if _, err := os.Stat(filepath.Join(dir, "serpent.json")); err != nil {
		env := os.Getenv("FLINT_VECTORS")
		if env == "" {
			t.Fatalf("test vectors not found at %s and FLINT_VECTORS is not set", dir)
		}
		dir = env
	}
	b, err := os.ReadFile(filepath.Join(dir, "serpent.json"))
	require.NoError(t, err)
	var f struct {
		Vectors []struct {
			Name string `json:"name"`
			Text string `json:"payload_text"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	for _, v := range f.Vectors {
		if v.Name == name {
			return []byte(v.Text)
		}
	}
	t.Fatalf("no serpent vector %q", name)
	return nil
}

func TestSerpentExceptionVectorsRoundTrip(t *testing.T) {
	codec := serpent.New()
	for _, name := range []string{"result_exception", "stream_start_result"} {
		t.Run(name, func(t *testing.T) {
			payload := serpentPayload(t, name)
			v, err := codec.Unmarshal(payload, serial.Limits{})
			require.NoError(t, err)
			e, ok := value.ParseException(v)
			require.True(t, ok)
			require.NoError(t, value.CheckClassName(e.Class))
			out, err := codec.Marshal(nil, e.Value())
			require.NoError(t, err)
			assert.Equal(t, string(payload), string(out), "Value() rebuilds Pyro4's bytes")
		})
	}
}

func TestSerpentBatchVectorRoundTrip(t *testing.T) {
	codec := serpent.New()
	payload := serpentPayload(t, "batch_result")
	v, err := codec.Unmarshal(payload, serial.Limits{})
	require.NoError(t, err)
	results, ok := v.([]any)
	require.True(t, ok)
	require.Len(t, results, 3)
	e, ok := value.ParseExceptionWrapper(results[2])
	require.True(t, ok)
	assert.Equal(t, "builtins.ValueError", e.Class)
	assert.Equal(t, []any{"vector failure", int64(42)}, e.Args)
	results[2] = value.ExceptionWrapperValue(e)
	out, err := codec.Marshal(nil, results)
	require.NoError(t, err)
	assert.Equal(t, string(payload), string(out))
}

// mixedArgs are the parameters of the echo call in invoke_mixed, typed.
type mixedArgs struct {
	Zero     int
	MinusOne int8
	B255     uint8
	Big31    uint32
	MinI64   int64
	Huge     *big.Int
	NegHuge  big.Int
	F        float32
	NegZero  float64
	E100     float64
	Blob     []byte
	Text     string
	List     []any
	Tup      value.Tuple
	Dict     map[string]any
	Set      map[int]struct{}
	None     *string
	T        bool
	F2       bool
}

func TestSerpentInvokeMixedBinds(t *testing.T) {
	codec := serpent.New()
	call, err := serial.DecodeCall(codec, serpentPayload(t, "invoke_mixed"), serial.Limits{})
	require.NoError(t, err)
	require.Len(t, call.Args, 19)
	var a mixedArgs
	targets := []any{&a.Zero, &a.MinusOne, &a.B255, &a.Big31, &a.MinI64, &a.Huge, &a.NegHuge, &a.F, &a.NegZero,
		&a.E100, &a.Blob, &a.Text, &a.List, &a.Tup, &a.Dict, &a.Set, &a.None, &a.T, &a.F2}
	for i, p := range targets {
		require.NoError(t, value.AtPath(value.Bind(call.Args[i], p), "arg"), "arg %d", i)
	}
	assert.Equal(t, -1, int(a.MinusOne))
	assert.Equal(t, uint8(255), a.B255)
	assert.Equal(t, uint32(2147483648), a.Big31)
	assert.Equal(t, "18446744073709551616", a.Huge.String())
	assert.Equal(t, "-1000000000000000000000000000000", a.NegHuge.String())
	assert.Equal(t, float32(1.5), a.F)
	assert.Equal(t, []byte("\x00\x01\xffbytes"), a.Blob, "serpent's base64 dict binds to []byte")
	assert.Equal(t, "héllo wörld ☃ 𝄞 'q' \"dq\" \\ \n\t", a.Text)
	assert.Equal(t, value.Tuple{int64(1), "one"}, a.Tup)
	assert.Equal(t, map[int]struct{}{1: {}, 2: {}, 3: {}}, a.Set)
	assert.Nil(t, a.None)
	assert.True(t, a.T)
	assert.False(t, a.F2)

	// Binding args whose types do not fit reports the path and Python type.
	var small int8
	err = value.AtPath(value.Bind(call.Args[2], &small), "arg 3")
	require.ErrorIs(t, err, value.ErrOverflow)
	assert.EqualError(t, err, "arg 3: cannot use int as int8: out of range")
	var s string
	err = value.AtPath(value.Bind(call.Args[10], &s), "arg 11")
	assert.EqualError(t, err, "arg 11: cannot use dict as string")

	var kw struct {
		Kw1 string
		Kw2 int
	}
	require.NoError(t, value.Bind(call.Kwargs, &kw))
	assert.Equal(t, "välue", kw.Kw1)
	assert.Equal(t, 2, kw.Kw2)
}

// TestSerpentDatetimeBinds sends datetimes the way serpent does (as
// isoformat strings) and binds them back.
func TestSerpentDatetimeBinds(t *testing.T) {
	codec := serpent.New()
	when := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.FixedZone("", 3600))
	m, err := value.From(struct {
		When time.Time
		Day  value.Date
	}{when, value.Date{Year: 2024, Month: 5, Day: 6}})
	require.NoError(t, err)
	payload, err := codec.Marshal(nil, m)
	require.NoError(t, err)
	v, err := codec.Unmarshal(payload, serial.Limits{})
	require.NoError(t, err)
	var back struct {
		When time.Time
		Day  value.Date
	}
	require.NoError(t, value.Bind(v, &back))
	assert.True(t, when.Equal(back.When), "%v vs %v", when, back.When)
	assert.Equal(t, value.Date{Year: 2024, Month: 5, Day: 6}, back.Day)
}
