package secure

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/policy"
)

// blobObj returns and takes large byte strings.
type blobObj struct{}

// Blob returns n bytes of a repeating pattern.
func (blobObj) Blob(n int) []byte { return bulkPattern(n) }

// Digest returns the hex SHA-256 of b.
func (blobObj) Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func bulkPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>9)
	}
	return b
}

// pyBulkClient calls blob and digest on a flint daemon and checks both
// against its own computation of the pattern.
const pyBulkClient = `
import sys, hashlib, Pyro4, serpent
ser, uri, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
Pyro4.config.SERIALIZER = ser
p = Pyro4.Proxy(uri)
if len(sys.argv) > 4:
    p._pyroHmacKey = sys.argv[4].encode()
want = bytes((i*7 + (i >> 9)) & 0xff for i in range(n))
got = p.blob(n)
if isinstance(got, dict):  # serpent sends bytes as a base64 dict
    got = serpent.tobytes(got)
print("blob", got == want, len(got))
print("digest", p.digest(want) == hashlib.sha256(want).hexdigest())
p._pyroRelease()
`

// TestBulkBytesInterop sends and receives byte strings large enough to go
// out from their own memory (see serial.SegmentMarshaler) between flint
// and Python Pyro4, in both directions, with marshal and msgpack (whose
// encodings carry bytes verbatim) and serpent, with and without Pyro4's
// HMAC (whose MAC flint then computes over the pieces).
func TestBulkBytesInterop(t *testing.T) {
	needPython(t)
	const n = 300 << 10
	script := filepath.Join(t.TempDir(), "bulk.py")
	require.NoError(t, os.WriteFile(script, []byte(pyBulkClient), 0o600))
	for _, hmacKey := range []string{"", "bulk-secret"} {
		pol := func() *policy.Policy {
			p := insecure()
			if hmacKey != "" {
				p.HMACKey, p.HMACMode = auth.NewKey([]byte(hmacKey)), policy.HMACPyro4
			}
			return p
		}
		name := "plain"
		if hmacKey != "" {
			name = "pyro4 hmac"
		}
		t.Run(name, func(t *testing.T) {
			d := newTestDaemon(t, pol())
			uri, err := d.Register(blobObj{}, Expose("Blob", "Digest"))
			require.NoError(t, err)
			startDaemon(t, d)
			var env []string
			if hmacKey != "" {
				env = []string{"PY_HMAC_KEY=" + hmacKey}
			}
			py := startPyServer(t, env)
			for _, ser := range []string{"marshal", "msgpack", "serpent"} {
				t.Run(ser, func(t *testing.T) {
					// Python client, flint daemon.
					args := []string{script, ser, uri.String(), "307200"}
					if hmacKey != "" {
						args = append(args, hmacKey)
					}
					out := runPython(t, nil, args...)
					assert.Contains(t, out, "blob True 307200")
					assert.Contains(t, out, "digest True")

					// flint client, Python daemon: echo a long byte string.
					p, err := NewProxy(py.URI, ProxyConfig{Policy: pol(), Serializer: ser})
					require.NoError(t, err)
					defer p.Close()
					want := bulkPattern(n)
					got, err := Call[[]byte](ctxT(t), p, "echo", want)
					require.NoError(t, err)
					assert.True(t, bytes.Equal(want, got), "echo of %d bytes came back different (%d bytes)", n, len(got))

					// flint client, flint daemon.
					q, err := NewProxy(uri.String(), ProxyConfig{Policy: pol(), Serializer: ser})
					require.NoError(t, err)
					defer q.Close()
					b, err := Call[[]byte](ctxT(t), q, "blob", n)
					require.NoError(t, err)
					assert.True(t, bytes.Equal(want, b))
					dg, err := Call[string](ctxT(t), q, "digest", want)
					require.NoError(t, err)
					assert.Equal(t, blobObj{}.Digest(want), dg)
				})
			}
		})
	}
}

// TestBulkBytesStrongHMAC sends long byte strings both ways between flint
// peers under the strong HMAC, whose MAC covers the payload pieces.
func TestBulkBytesStrongHMAC(t *testing.T) {
	pol := func() *policy.Policy {
		p := insecure()
		p.HMACKey, p.HMACMode = auth.NewKey([]byte("strong bulk key")), policy.HMACStrong
		return p
	}
	d := newTestDaemon(t, pol())
	uri, err := d.Register(blobObj{}, Expose("Blob", "Digest"))
	require.NoError(t, err)
	startDaemon(t, d)
	for _, ser := range []string{"marshal", "msgpack"} {
		q, err := NewProxy(uri.String(), ProxyConfig{Policy: pol(), Serializer: ser})
		require.NoError(t, err)
		for _, n := range []int{64 << 10, 1 << 20, 5 << 20} {
			want := bulkPattern(n)
			b, err := Call[[]byte](ctxT(t), q, "blob", n)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(want, b), "%s blob(%d)", ser, n)
			dg, err := Call[string](ctxT(t), q, "digest", want)
			require.NoError(t, err)
			assert.Equal(t, blobObj{}.Digest(want), dg)
		}
		q.Close()
	}
}
