package serpent

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flintrpc/flint/internal/pytest"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueEntry is one entry of testdata/serpent-values.json (a copy of
// shared/vectors/serpent-values.json).
type valueEntry struct {
	Name        string `json:"name"`
	ValueRepr   string `json:"value_repr"`
	SerpentText string `json:"serpent_text"`
	SerpentHex  string `json:"serpent_hex"`
	LoadsRepr   string `json:"loads_repr"`
	DumpsError  string `json:"dumps_error"`
}

func loadValueVectors(t testing.TB) []valueEntry {
	t.Helper()
	raw, err := os.ReadFile("testdata/serpent-values.json")
	require.NoError(t, err)
	var f struct {
		Values []valueEntry `json:"values"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.NotEmpty(t, f.Values)
	return f.Values
}

// messageVector is one entry of testdata/serpent.json.
type messageVector struct {
	Name           string `json:"name"`
	MessageHex     string `json:"message_hex"`
	PayloadRawRepr string `json:"payload_raw_repr"`
	Header         struct {
		Flags           int `json:"flags"`
		DataSize        int `json:"data_size"`
		SerializerID    int `json:"serializer_id"`
		AnnotationsSize int `json:"annotations_size"`
	} `json:"header"`
}

// payload returns the (inflated) serpent payload of a recorded message and
// whether it was compressed.
func (m messageVector) payload(t testing.TB) ([]byte, bool) {
	t.Helper()
	msg, err := hex.DecodeString(m.MessageHex)
	require.NoError(t, err)
	require.Equal(t, 24+m.Header.AnnotationsSize+m.Header.DataSize, len(msg), m.Name)
	data := msg[len(msg)-m.Header.DataSize:]
	if m.Header.Flags&0x02 == 0 {
		return data, false
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out, true
}

func loadMessageVectors(t testing.TB) []messageVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/serpent.json")
	require.NoError(t, err)
	var f struct {
		Vectors []messageVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.NotEmpty(t, f.Vectors)
	return f.Vectors
}

// explicitValues gives the Go value for entries whose value_repr is not
// literal syntax but has a value-model form.
func explicitValues() map[string]any {
	uuid := value.UUID{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78}
	return map[string]any{
		"bytearray":        []byte("xyz"),
		"memoryview":       []byte("mv"),
		"frozenset":        value.Set{int64(4), int64(5)},
		"datetime":         time.Date(2024, 1, 2, 3, 4, 5, 678900000, time.Local),
		"datetime_nomicro": time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local),
		"datetime_utc":     time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"datetime_tz":      time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 7200)),
		"date":             value.Date{Year: 2024, Month: time.February, Day: 29},
		"decimal":          value.Decimal("3.14159265358979323846264338327950288"),
		"decimal_exp":      value.Decimal("1E+3"),
		"decimal_nan":      value.Decimal("NaN"),
		"uuid":             uuid,
		"array_unicode":    "abc",
	}
}

// TestValueVectorsDecode: every serpent_hex decodes to its loads_repr.
func TestValueVectorsDecode(t *testing.T) {
	for _, e := range loadValueVectors(t) {
		if e.SerpentHex == "" {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			data, err := hex.DecodeString(e.SerpentHex)
			require.NoError(t, err)
			require.Equal(t, e.SerpentText, string(data))
			got, err := codec.Unmarshal(data, serial.Limits{})
			if strings.HasPrefix(e.LoadsRepr, "<error") {
				require.Error(t, err, "Python refuses this: %s", e.LoadsRepr)
				require.ErrorIs(t, err, serial.ErrMalformed)
				return
			}
			require.NoError(t, err)
			want := pyValue(t, e.LoadsRepr)
			assert.True(t, strictEqual(want, got), "got %#v, want %#v", got, want)
		})
	}
}

// TestValueVectorsEncode: encoding the Go form of each value gives
// serpent_text exactly (or, where a set's order differs, text that decodes
// to the same value).
func TestValueVectorsEncode(t *testing.T) {
	explicit := explicitValues()
	used := 0
	for _, e := range loadValueVectors(t) {
		if e.DumpsError != "" || strings.HasPrefix(e.LoadsRepr, "<error") {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			v, ok := explicit[e.Name]
			if ok {
				used++
			} else if e.Name == "float_nan" {
				v = math.NaN()
			} else {
				var err error
				v, err = codec.Unmarshal([]byte(reprToLiteral(e.ValueRepr)), serial.Limits{})
				if err != nil {
					// Class instances and other non-literals: Pyro4 sends
					// what serpent.loads gives back.
					v = pyValue(t, e.LoadsRepr)
				}
			}
			got, err := codec.Marshal(nil, v)
			require.NoError(t, err)
			if string(got) == e.SerpentText {
				return
			}
			if strings.HasPrefix(e.Name, "indent_") || contains(v, isSet) {
				// Set order (or indentation) differs: compare values.
				want, err := codec.Unmarshal([]byte(e.SerpentText), serial.Limits{})
				require.NoError(t, err)
				back, err := codec.Unmarshal(got, serial.Limits{})
				require.NoError(t, err)
				assert.True(t, value.Equal(want, back), "got %q, want %q", got, e.SerpentText)
				return
			}
			assert.Equal(t, e.SerpentText, string(got))
		})
	}
	require.Equal(t, len(explicit), used, "every explicit value has a vector")
}

// TestValueVectorsRefused covers the entries serpent refuses to write or
// writes as text no peer can read.
func TestValueVectorsRefused(t *testing.T) {
	names := map[string]bool{}
	for _, e := range loadValueVectors(t) {
		names[e.Name] = true
	}
	cyclic := []any{nil}
	cyclic[0] = cyclic
	cases := []struct {
		name string
		v    any
		want error
	}{
		{"dict_none_key", &value.Dict{Items: []value.Item{{Key: nil, Value: int64(1)}}}, serial.ErrUnsupported},
		{"dict_bytes_key", &value.Dict{Items: []value.Item{{Key: []byte("k"), Value: int64(1)}}}, serial.ErrUnsupported},
		{"complex_nan", complex(math.NaN(), 1), serial.ErrUnsupported},
		{"circular", cyclic, serial.ErrLimit},
	}
	for _, c := range cases {
		require.True(t, names[c.name], "vector %s exists", c.name)
		out, err := codec.Marshal([]byte("keep"), c.v)
		require.ErrorIs(t, err, c.want, c.name)
		require.Equal(t, "keep", string(out), "dst is returned unchanged on error")
	}
}

// TestMessageVectors: every recorded serpent payload decodes to its
// payload_raw_repr and re-encodes byte for byte where that is
// deterministic.
func TestMessageVectors(t *testing.T) {
	exact := 0
	for _, m := range loadMessageVectors(t) {
		t.Run(m.Name, func(t *testing.T) {
			require.Equal(t, int(serial.IDSerpent), m.Header.SerializerID)
			data, compressed := m.payload(t)
			got, err := codec.Unmarshal(data, serial.Limits{})
			require.NoError(t, err)
			want := pyValue(t, m.PayloadRawRepr)
			require.True(t, value.Equal(want, got), "got %#v\nwant %#v", got, want)
			if compressed || contains(got, isSet) || contains(got, isBytesDict) {
				// Set order is Python's hash order, and bytes travel as a
				// dict that was written with spaces: compare values.
				enc, err := codec.Marshal(nil, got)
				require.NoError(t, err)
				back, err := codec.Unmarshal(enc, serial.Limits{})
				require.NoError(t, err)
				require.True(t, value.Equal(got, back))
				if !contains(got, isSet) && !contains(got, isBytesDict) {
					require.Equal(t, string(data), string(enc))
				}
				return
			}
			enc, err := codec.Marshal(nil, got)
			require.NoError(t, err)
			require.Equal(t, string(data), string(enc))
			exact++
		})
	}
	require.Greater(t, exact, 80, "most payloads re-encode byte for byte")
}

// TestMessageVectorBytesExact re-encodes invoke_mixed with its bytes
// argument as []byte, which must reproduce Pyro4's payload exactly.
func TestMessageVectorBytesExact(t *testing.T) {
	for _, m := range loadMessageVectors(t) {
		// Only the request carries real bytes; the echoed result carries the
		// dict the Python server received, written compactly.
		if m.Name != "invoke_mixed" && m.Name != "invoke_mixed_hmac" {
			continue
		}
		data, _ := m.payload(t)
		v, err := codec.Unmarshal(data, serial.Limits{})
		require.NoError(t, err)
		n := 0
		v = mapBytesDicts(v, &n)
		require.Equal(t, 1, n)
		enc, err := codec.Marshal(nil, v)
		require.NoError(t, err)
		// The set {1,2,3} is written in Python's order, which for small
		// ints is ascending, so the whole payload matches.
		require.Equal(t, string(data), string(enc))
	}
}

// mapBytesDicts replaces serpent bytes dicts by []byte, counting them.
func mapBytesDicts(v any, n *int) any {
	if isBytesDict(v) {
		*n++
		b, _ := ToBytes(v)
		return b
	}
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = mapBytesDicts(x[i], n)
		}
	case value.Tuple:
		for i := range x {
			x[i] = mapBytesDicts(x[i], n)
		}
	case *value.Dict:
		for i := range x.Items {
			x.Items[i].Value = mapBytesDicts(x.Items[i].Value, n)
		}
	}
	return v
}

// TestValueVectorsPythonLoads sends flint's encoding of every vector value
// to the real serpent.loads and checks it reads the same value as from
// Pyro4's own bytes.
func TestValueVectorsPythonLoads(t *testing.T) {
	requirePython(t)
	explicit := explicitValues()
	var names []string
	var ours, theirs []string
	for _, e := range loadValueVectors(t) {
		if e.DumpsError != "" || strings.HasPrefix(e.LoadsRepr, "<error") {
			continue
		}
		v, ok := explicit[e.Name]
		if !ok {
			var err error
			if v, err = codec.Unmarshal([]byte(reprToLiteral(e.ValueRepr)), serial.Limits{}); err != nil {
				v = pyValue(t, e.LoadsRepr)
			}
		}
		if e.Name == "float_nan" {
			v = math.NaN()
		}
		enc, err := codec.Marshal(nil, v)
		require.NoError(t, err, e.Name)
		names = append(names, e.Name)
		ours = append(ours, hex.EncodeToString(enc))
		theirs = append(theirs, e.SerpentHex)
	}
	a := pytest.Loads(t, "serpent", ours)
	b := pytest.Loads(t, "serpent", theirs)
	require.Len(t, a, len(names))
	for i, name := range names {
		require.Empty(t, a[i].Error, name)
		require.Empty(t, b[i].Error, name)
		x, err := fromTagged(a[i].Value)
		require.NoError(t, err)
		y, err := fromTagged(b[i].Value)
		require.NoError(t, err)
		unordered := contains(y, isSet) || strings.HasPrefix(name, "indent_")
		assert.True(t, strictEqual(y, x) || value.Equal(y, x) && unordered, "%s: python read %#v from flint, %#v from Pyro4", name, x, y)
	}
}

func TestDecodeErrorPosition(t *testing.T) {
	_, err := codec.Unmarshal([]byte("# serpent utf-8 python3.2\n[1,\n  2 3]"), serial.Limits{})
	var de *DecodeError
	require.True(t, errors.As(err, &de))
	require.ErrorIs(t, err, serial.ErrMalformed)
	assert.Equal(t, 3, de.Line)
	assert.Equal(t, 5, de.Column)
	assert.Equal(t, 34, de.Offset)
	assert.Contains(t, err.Error(), "line 3 column 5")
}
