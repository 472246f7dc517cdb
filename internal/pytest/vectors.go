package pytest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"sort"
	"testing"

	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vector is one recorded Pyro4 message of a vector file (see
// shared/vectors/README.md).
type Vector struct {
	Name       string `json:"name"`
	MessageHex string `json:"message_hex"`
	Compressed bool   `json:"payload_compressed"`
	RawRepr    string `json:"payload_raw_repr"`
}

// LoadVectors reads the vector file at path and returns its vectors and
// their payloads by name, inflated when compressed. It fails t unless every
// message is a whole Pyro4 message (24-byte header, annotations and
// payload) whose compression flag matches payload_compressed.
func LoadVectors(t testing.TB, path string) ([]Vector, map[string][]byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		Vectors []Vector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Vectors)
	payloads := make(map[string][]byte)
	for _, v := range doc.Vectors {
		msg, err := hex.DecodeString(v.MessageHex)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(msg), 24, v.Name)
		flags := binary.BigEndian.Uint16(msg[8:])
		size := int(binary.BigEndian.Uint32(msg[12:]))
		ann := int(binary.BigEndian.Uint16(msg[18:]))
		require.Equal(t, 24+ann+size, len(msg), v.Name)
		p := msg[24+ann:]
		if flags&0x02 != 0 {
			zr, err := zlib.NewReader(bytes.NewReader(p))
			require.NoError(t, err, v.Name)
			p, err = io.ReadAll(zr)
			require.NoError(t, err, v.Name)
		}
		require.Equal(t, v.Compressed, flags&0x02 != 0, v.Name)
		payloads[v.Name] = p
	}
	return doc.Vectors, payloads
}

// CheckGolden checks that the golden file at goldenPath holds, for every
// vector of the file at vectorsPath, the value Python makes of its
// payload_raw_repr. With update set it first rewrites the golden file from
// Python's answer. It needs Python (see RequirePython).
func CheckGolden(t testing.TB, vectorsPath, goldenPath string, update bool) {
	t.Helper()
	RequirePython(t)
	var fresh map[string]any
	RunHelper(t, map[string]any{"cmd": "vectors", "file": vectorsPath}, &fresh)
	if update {
		require.NoError(t, os.WriteFile(goldenPath, compactGolden(t, fresh), 0o644))
	}
	committed := LoadGolden(t, goldenPath)
	require.Equal(t, len(fresh), len(committed))
	for name, tagged := range fresh {
		want, err := FromTagged(tagged)
		require.NoError(t, err, name)
		assert.True(t, value.Equal(want, committed[name]), name)
	}
}

// compactGolden writes one vector per line, sorted by name.
func compactGolden(t testing.TB, m map[string]any) []byte {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, k := range names {
		kb, err := json.Marshal(k)
		require.NoError(t, err)
		vb, err := json.Marshal(m[k])
		require.NoError(t, err)
		b.Write(kb)
		b.WriteString(": ")
		b.Write(vb)
		if i < len(names)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// LoadGolden reads a golden file (vector name -> tagged value) and returns
// the values converted with FromTagged.
func LoadGolden(t testing.TB, goldenPath string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(goldenPath)
	require.NoError(t, err)
	var tagged map[string]any
	require.NoError(t, json.Unmarshal(raw, &tagged))
	out := make(map[string]any, len(tagged))
	for name, tv := range tagged {
		v, err := FromTagged(tv)
		require.NoError(t, err, name)
		out[name] = v
	}
	return out
}
