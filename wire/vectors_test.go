package wire

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// vectorFiles are the recorded Pyro4 conversations with message vectors.
var vectorFiles = []string{"serpent.json", "json.json", "marshal.json", "msgpack.json", "common.json"}

type vectorHeader struct {
	Magic           string `json:"magic"`
	Version         int    `json:"version"`
	Type            int    `json:"type"`
	Flags           int    `json:"flags"`
	Seq             int    `json:"seq"`
	DataSize        int    `json:"data_size"`
	SerializerID    int    `json:"serializer_id"`
	AnnotationsSize int    `json:"annotations_size"`
	Reserved        int    `json:"reserved"`
	Checksum        int    `json:"checksum"`
}

type vectorAnnotation struct {
	Key      string `json:"key"`
	ValueHex string `json:"value_hex"`
}

type vector struct {
	Name              string             `json:"name"`
	Direction         string             `json:"direction"`
	HMACKey           *string            `json:"hmac_key"`
	MessageHex        string             `json:"message_hex"`
	Header            vectorHeader       `json:"header"`
	Annotations       []vectorAnnotation `json:"annotations"`
	CorrelationID     *string            `json:"correlation_id"`
	PayloadCompressed bool               `json:"payload_compressed"`
	PayloadHex        *string            `json:"payload_hex"`
	PayloadText       *string            `json:"payload_text"`
}

type negativeVector struct {
	Name                   string  `json:"name"`
	Description            string  `json:"description"`
	ReceiverHMACKey        *string `json:"receiver_hmac_key"`
	ReceiverMaxMessageSize int     `json:"receiver_max_message_size"`
	MessageHex             string  `json:"message_hex"`
	Outcome                string  `json:"pyro4_recv_outcome"`
}

type vectorFile struct {
	Vectors  []vector         `json:"vectors"`
	Negative []negativeVector `json:"negative"`
}

// vectorsDir finds shared/vectors: ../../shared/vectors from the package
// directory (the layout of both the workspace and CI), else $FLINT_VECTORS.
func vectorsDir(t testing.TB) string {
	t.Helper()
	rel := filepath.Join("..", "..", "shared", "vectors")
	if _, err := os.Stat(filepath.Join(rel, "common.json")); err == nil {
		return rel
	}
	if env := os.Getenv("FLINT_VECTORS"); env != "" {
		return env
	}
	t.Fatalf("test vectors not found at %s and FLINT_VECTORS is not set", rel)
	return ""
}

func loadVectorFile(t testing.TB, name string) vectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir(t), name))
	require.NoError(t, err)
	var f vectorFile
	require.NoError(t, json.Unmarshal(b, &f), name)
	return f
}

// namedVector is a vector with the file it came from.
type namedVector struct {
	file string
	vector
}

func (v namedVector) id() string { return strings.TrimSuffix(v.file, ".json") + "/" + v.Name }

func (v namedVector) raw(t testing.TB) []byte {
	t.Helper()
	b, err := hex.DecodeString(v.MessageHex)
	require.NoError(t, err)
	return b
}

// auth returns the vector's authenticator, nil without hmac_key.
func (v namedVector) auth() Authenticator {
	if v.HMACKey == nil {
		return nil
	}
	return Pyro4HMAC([]byte(*v.HMACKey))
}

func allVectors(t testing.TB) []namedVector {
	t.Helper()
	var out []namedVector
	for _, name := range vectorFiles {
		for _, v := range loadVectorFile(t, name).Vectors {
			out = append(out, namedVector{file: name, vector: v})
		}
	}
	require.NotEmpty(t, out)
	return out
}

func negativeVectors(t testing.TB) []negativeVector {
	t.Helper()
	neg := loadVectorFile(t, "common.json").Negative
	require.NotEmpty(t, neg)
	return neg
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// uuidBytes turns "xxxxxxxx-xxxx-..." into its 16 bytes.
func uuidBytes(t testing.TB, s string) [16]byte {
	t.Helper()
	var id [16]byte
	b := mustHex(t, strings.ReplaceAll(s, "-", ""))
	require.Len(t, b, 16)
	copy(id[:], b)
	return id
}
