package serpent

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileInput: payloads an attacker might send are refused quickly
// with the right sentinel, never with a panic or a stack overflow.
func TestHostileInput(t *testing.T) {
	const hdr = Header
	cases := []struct {
		name string
		in   string
		lim  serial.Limits
		want error
	}{
		{"deep lists", hdr + strings.Repeat("[", 1_000_000), serial.Limits{}, serial.ErrLimit},
		{"deep parens", hdr + strings.Repeat("(", 1_000_000) + "1" + strings.Repeat(")", 1_000_000), serial.Limits{}, serial.ErrLimit},
		{"deep dicts", hdr + strings.Repeat("{1:", 100_000), serial.Limits{}, serial.ErrLimit},
		{"deep tuple keys", hdr + "{" + strings.Repeat("(", 100_000), serial.Limits{}, serial.ErrLimit},
		{"deep set()", hdr + strings.Repeat("[set(),", 100), serial.Limits{MaxDepth: 10}, serial.ErrLimit},
		{"depth just over", hdr + "[[[1]]]", serial.Limits{MaxDepth: 2}, serial.ErrLimit},
		{"many items", hdr + "[" + strings.Repeat("0,", 1001) + "]", serial.Limits{MaxItems: 1000}, serial.ErrLimit},
		{"many dict items", hdr + "{" + strings.Repeat("1:2,", 1001) + "}", serial.Limits{MaxItems: 1000}, serial.ErrLimit},
		{"items across containers", hdr + "[[1,2],[3,4],[5,6]]", serial.Limits{MaxItems: 8}, serial.ErrLimit},
		{"long string", hdr + "'" + strings.Repeat("a", 101) + "'", serial.Limits{MaxBytes: 100}, serial.ErrLimit},
		{"long escaped string", hdr + "'" + strings.Repeat("\\x41", 101) + "'", serial.Limits{MaxBytes: 100}, serial.ErrLimit},
		{"bytes across strings", hdr + "['" + strings.Repeat("a", 60) + "','" + strings.Repeat("b", 60) + "']", serial.Limits{MaxBytes: 100}, serial.ErrLimit},
		{"concatenated", hdr + strings.Repeat("'aaaaaaaaaa' ", 11), serial.Limits{MaxBytes: 100}, serial.ErrLimit},
		{"long bytes literal", hdr + "b'" + strings.Repeat("a", 101) + "'", serial.Limits{MaxBytes: 100}, serial.ErrLimit},
		{"1 MB int", hdr + strings.Repeat("7", 1<<20), serial.Limits{}, serial.ErrLimit},
		{"1 MB hex int", hdr + "0x" + strings.Repeat("f", 1<<20), serial.Limits{}, serial.ErrLimit},
		{"1 MB negative int", hdr + "-" + strings.Repeat("7", 1<<20), serial.Limits{}, serial.ErrLimit},
		{"huge exponent", hdr + "1e" + strings.Repeat("9", 1<<16), serial.Limits{}, nil},
		{"unterminated string", hdr + "'abc", serial.Limits{}, serial.ErrMalformed},
		{"unterminated at eof", hdr + "'", serial.Limits{}, serial.ErrMalformed},
		{"unterminated triple", hdr + "'''abc''", serial.Limits{}, serial.ErrMalformed},
		{"unterminated escape", hdr + "'abc\\", serial.Limits{}, serial.ErrMalformed},
		{"newline in string", hdr + "'abc\ndef'", serial.Limits{}, serial.ErrMalformed},
		{"unterminated list", hdr + "[1,2", serial.Limits{}, serial.ErrMalformed},
		{"unterminated dict", hdr + "{'a':", serial.Limits{}, serial.ErrMalformed},
		{"NUL byte", hdr + "'a\x00b'", serial.Limits{}, serial.ErrMalformed},
		{"NUL outside string", hdr + "1\x00", serial.Limits{}, serial.ErrMalformed},
		{"invalid UTF-8", hdr + "'\xff'", serial.Limits{}, serial.ErrMalformed},
		{"encoded surrogate", hdr + "'\xed\xa0\x80'", serial.Limits{}, serial.ErrMalformed},
		{"import call", hdr + "__import__('os')", serial.Limits{}, serial.ErrMalformed},
		{"system call", hdr + "__import__('os').system('id')", serial.Limits{}, serial.ErrMalformed},
		{"call in list", hdr + "[1, eval('1')]", serial.Limits{}, serial.ErrMalformed},
		{"name", hdr + "os", serial.Limits{}, serial.ErrMalformed},
		{"attribute", hdr + "().__class__", serial.Limits{}, serial.ErrMalformed},
		{"subscript", hdr + "[1][0]", serial.Limits{}, serial.ErrMalformed},
		{"lambda", hdr + "lambda: 0", serial.Limits{}, serial.ErrMalformed},
		{"comprehension", hdr + "[x for x in ()]", serial.Limits{}, serial.ErrMalformed},
		{"f-string", hdr + "f'{1}'", serial.Limits{}, serial.ErrMalformed},
		{"power", hdr + "10**100000000", serial.Limits{}, serial.ErrMalformed},
		{"multiplication", hdr + "'a'*100000000", serial.Limits{}, serial.ErrMalformed},
		{"unhashable key", hdr + "{[]:1}", serial.Limits{}, serial.ErrMalformed},
		{"lone surrogate", hdr + "'\\ud800'", serial.Limits{}, serial.ErrUnsupported},
		{"named escape", hdr + "'\\N{BULLET}'", serial.Limits{}, serial.ErrUnsupported},
		{"ellipsis", hdr + "...", serial.Limits{}, serial.ErrUnsupported},
		{"empty", "", serial.Limits{}, serial.ErrMalformed},
		{"header only", hdr, serial.Limits{}, serial.ErrMalformed},
		{"trailing garbage", hdr + "1 2", serial.Limits{}, serial.ErrMalformed},
		{"second line", hdr + "1\n2", serial.Limits{}, serial.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			v, err := codec.Unmarshal([]byte(c.in), c.lim)
			assert.Less(t, time.Since(start), 2*time.Second)
			if c.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err, "decoded %#v", v)
			require.ErrorIs(t, err, c.want)
			var de *DecodeError
			require.True(t, errors.As(err, &de))
			require.LessOrEqual(t, de.Offset, len(c.in))
		})
	}
}

// TestLimitsBoundaries: exactly at a limit is accepted.
func TestLimitsBoundaries(t *testing.T) {
	_, err := codec.Unmarshal([]byte("[[1]]"), serial.Limits{MaxDepth: 2})
	require.NoError(t, err)
	_, err = codec.Unmarshal([]byte("[1,2,3]"), serial.Limits{MaxItems: 3})
	require.NoError(t, err)
	_, err = codec.Unmarshal([]byte("['ab','cd']"), serial.Limits{MaxBytes: 4})
	require.NoError(t, err)
	_, err = codec.Unmarshal([]byte(strings.Repeat("1", 4300)), serial.Limits{})
	require.NoError(t, err)
	// Default depth is serial.DefaultMaxDepth.
	deep := strings.Repeat("[", serial.DefaultMaxDepth) + strings.Repeat("]", serial.DefaultMaxDepth)
	_, err = codec.Unmarshal([]byte(deep), serial.Limits{})
	require.NoError(t, err)
	_, err = codec.Unmarshal([]byte("["+deep+"]"), serial.Limits{})
	require.ErrorIs(t, err, serial.ErrLimit)
}

// TestDuplicateKeys follows Python: first key position, last value.
func TestDuplicateKeys(t *testing.T) {
	v, err := codec.Unmarshal([]byte("{1:'a',2:'b',1.0:'c',True:'d',(1+0j):'e'}"), serial.Limits{})
	require.NoError(t, err)
	d := v.(*value.Dict)
	require.Len(t, d.Items, 2)
	assert.Equal(t, value.Item{Key: int64(1), Value: "e"}, d.Items[0])
	assert.Equal(t, value.Item{Key: int64(2), Value: "b"}, d.Items[1])

	// Large dicts take the map path; keys equal only in Python's eyes.
	src := "{" + strings.Repeat("'k':0,", 20) + "0:1,0.0:2,-0.0:3,False:4,b'k':5,(1,2):6,(1.0,2.0):7,18446744073709551616:8,18446744073709551616.0:9}"
	v, err = codec.Unmarshal([]byte(src), serial.Limits{})
	require.NoError(t, err)
	d = v.(*value.Dict)
	require.Len(t, d.Items, 5)
	assert.Equal(t, []any{"k", int64(0), []byte("k"), value.Tuple{int64(1), int64(2)}}, []any{d.Items[0].Key, d.Items[1].Key, d.Items[2].Key, d.Items[3].Key})
	assert.Equal(t, []any{int64(0), int64(4), int64(5), int64(7), int64(9)},
		[]any{d.Items[0].Value, d.Items[1].Value, d.Items[2].Value, d.Items[3].Value, d.Items[4].Value})

	v, err = codec.Unmarshal([]byte("{1,1.0,True,2,'a','a',(1,),(1.0,)}"), serial.Limits{})
	require.NoError(t, err)
	assert.Equal(t, value.Set{int64(1), int64(2), "a", value.Tuple{int64(1)}}, v)
}

// TestDuplicateKeysLinear: many distinct keys that round to the same
// float64 (and so share a float bucket) stay fast, as do many duplicates.
func TestDuplicateKeysLinear(t *testing.T) {
	base := new(big.Int).Lsh(big.NewInt(1), 100)
	var b strings.Builder
	b.WriteString("{")
	for i := range 100_000 {
		b.WriteString(new(big.Int).Add(base, big.NewInt(int64(i))).String())
		b.WriteString(":1,")
	}
	for range 100_000 {
		b.WriteString("'dup':2,")
	}
	b.WriteString("}")
	start := time.Now()
	v, err := codec.Unmarshal([]byte(b.String()), serial.Limits{})
	require.NoError(t, err)
	require.Equal(t, 100_001, v.(*value.Dict).Len())
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestNaNDict(t *testing.T) {
	for _, src := range []string{
		"{'__class__':'float','value':'nan'}",
		"{'value':'nan','__class__':'float'}",
		"{'__class__':'float','value':'NaN'}",
		"{'__class__':'float','value':'-nan'}",
	} {
		v, err := codec.Unmarshal([]byte(src), serial.Limits{})
		require.NoError(t, err)
		f, ok := v.(float64)
		require.True(t, ok && math.IsNaN(f), "%s -> %#v", src, v)
	}
	for _, src := range []string{
		"{'__class__':'float','value':'inf'}",
		"{'__class__':'float','value':'nan','x':1}",
		"{'__class__':'float2','value':'nan'}",
		"{'__class__':'float','value':1}",
	} {
		v, err := codec.Unmarshal([]byte(src), serial.Limits{})
		require.NoError(t, err)
		_, ok := v.(*value.Dict)
		require.True(t, ok, "%s stays a dict", src)
	}
}
