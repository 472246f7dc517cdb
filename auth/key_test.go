package auth

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewKeyCopies(t *testing.T) {
	src := []byte("0123456789abcdef")
	k := NewKey(src)
	src[0] = 'X'
	assert.Equal(t, []byte("0123456789abcdef"), k.Bytes())

	b := k.Bytes()
	b[1] = 'Y'
	assert.Equal(t, []byte("0123456789abcdef"), k.Bytes(), "Bytes must return a copy")
}

func TestKeyZeroAndEqual(t *testing.T) {
	assert.True(t, Key{}.IsZero())
	assert.True(t, NewKey(nil).IsZero())
	assert.True(t, NewKey([]byte{}).IsZero())
	assert.Nil(t, Key{}.Bytes())
	assert.False(t, NewKey([]byte{0}).IsZero())

	a, b, c := NewKey([]byte("same")), NewKey([]byte("same")), NewKey([]byte("diff"))
	assert.True(t, a.Equal(b))
	assert.False(t, a.Equal(c))
	assert.False(t, a.Equal(NewKey([]byte("sam"))))
	assert.False(t, a.Equal(Key{}))
	assert.True(t, Key{}.Equal(NewKey(nil)))
}

// leaks reports whether out shows the secret in plain, hex or decimal form.
func leaks(out string, secret []byte) bool {
	if strings.Contains(out, string(secret)) ||
		strings.Contains(strings.ToLower(out), hex.EncodeToString(secret)) {
		return true
	}
	// %v of a []byte prints decimal bytes: "[115 117 ...]".
	dec := strings.Trim(fmt.Sprint([]byte(secret[:4])), "[]")
	return strings.Contains(out, dec)
}

func TestKeyRedaction(t *testing.T) {
	secret := []byte("supersecret-key-material")
	k := NewKey(secret)
	require.True(t, leaks(fmt.Sprintf("%v", secret), secret), "the leak detector must detect a leak")

	type exported struct{ K Key }
	type unexported struct{ k Key }
	type viaPtr struct{ K *Key }
	values := map[string]any{
		"key":        k,
		"ptr":        &k,
		"exported":   exported{K: k},
		"unexported": unexported{k: k},
		"viaPtr":     viaPtr{K: &k},
		"slice":      []Key{k},
		"map":        map[string]Key{"k": k},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			out := fmt.Sprintf(verb, v)
			assert.False(t, leaks(out, secret), "%s with %s printed %q", name, verb, out)
		}
	}
	assert.Equal(t, "[redacted]", fmt.Sprint(k))
	assert.Equal(t, "[redacted]", fmt.Sprintf("%#v", k))
	assert.Equal(t, "[redacted]", k.String())
	assert.Equal(t, "[redacted]", k.GoString())

	_, err := json.Marshal(k)
	assert.ErrorIs(t, err, ErrKeyMarshal)
	out, err := json.Marshal(exported{K: k})
	assert.ErrorIs(t, err, ErrKeyMarshal)
	assert.False(t, leaks(string(out), secret))
	// An unexported Key field is skipped by encoding/json.
	out, err = json.Marshal(unexported{k: k})
	require.NoError(t, err)
	assert.False(t, leaks(string(out), secret))
	_, err = k.MarshalText()
	assert.ErrorIs(t, err, ErrKeyMarshal)

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "key", k)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "key", k, "s", exported{K: k})
	assert.False(t, leaks(buf.String(), secret), buf.String())
	assert.Contains(t, buf.String(), "[redacted]")

	// The error from a failed marshal does not carry the key either.
	assert.False(t, leaks(fmt.Sprint(err), secret))
}

func writeFile(t *testing.T, dir, name string, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	require.NoError(t, os.Chmod(p, mode)) // independent of the umask
	return p
}

func TestLoadKeyFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		data string
		want string
	}{
		{"plain", "s3cret", "s3cret"},
		{"newline", "s3cret\n", "s3cret"},
		{"crlf", "s3cret\r\n", "s3cret"},
		{"only one newline", "s3cret\n\n", "s3cret\n"},
		{"inner newline kept", "a\nb\n", "a\nb"},
		{"spaces kept", " s3cret \n", " s3cret "},
		{"binary", "\x00\xff\x01", "\x00\xff\x01"},
		{"lone cr kept", "s3cret\r", "s3cret\r"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, dir, fmt.Sprintf("k%d", i), []byte(c.data), 0o600)
			k, err := LoadKeyFile(p)
			require.NoError(t, err)
			assert.Equal(t, []byte(c.want), k.Bytes())
		})
	}
	for _, mode := range []os.FileMode{0o400, 0o600, 0o700} {
		p := writeFile(t, dir, fmt.Sprintf("m%o", mode), []byte("k"), mode)
		_, err := LoadKeyFile(p)
		assert.NoError(t, err, "mode %o", mode)
	}
}

func TestLoadKeyFileRefusals(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []os.FileMode{0o640, 0o604, 0o610, 0o601, 0o644, 0o660, 0o666, 0o777} {
		p := writeFile(t, dir, fmt.Sprintf("m%o", mode), []byte("secret-bytes"), mode)
		_, err := LoadKeyFile(p)
		require.ErrorIs(t, err, ErrKeyFile, "mode %o", mode)
		assert.Contains(t, err.Error(), "chmod 600")
		assert.Contains(t, err.Error(), fmt.Sprintf("%04o", mode))
		assert.NotContains(t, err.Error(), "secret-bytes")
	}

	for name, data := range map[string]string{"empty": "", "newline only": "\n", "crlf only": "\r\n"} {
		p := writeFile(t, dir, strings.ReplaceAll(name, " ", "_"), []byte(data), 0o600)
		_, err := LoadKeyFile(p)
		assert.ErrorIs(t, err, ErrKeyFile, name)
		assert.ErrorContains(t, err, "empty", name)
	}

	big := writeFile(t, dir, "big", bytes.Repeat([]byte{'a'}, MaxKeyFileSize+1), 0o600)
	_, err := LoadKeyFile(big)
	assert.ErrorIs(t, err, ErrKeyFile)
	max := writeFile(t, dir, "max", bytes.Repeat([]byte{'a'}, MaxKeyFileSize), 0o600)
	k, err := LoadKeyFile(max)
	require.NoError(t, err)
	assert.Len(t, k.Bytes(), MaxKeyFileSize)

	_, err = LoadKeyFile(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, ErrKeyFile)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o700))
	_, err = LoadKeyFile(sub)
	assert.ErrorIs(t, err, ErrKeyFile)
}

func TestKeyFromEnv(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good", []byte("from-file\n"), 0o600)
	open := writeFile(t, dir, "open", []byte("from-file\n"), 0o644)
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}

	k, ok, err := KeyFromEnv(env(nil))
	require.NoError(t, err)
	assert.False(t, ok)
	assert.True(t, k.IsZero())

	k, ok, err = KeyFromEnv(env(map[string]string{EnvKey: "raw key\n"}))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []byte("raw key\n"), k.Bytes(), "the raw variable is used as is")

	k, ok, err = KeyFromEnv(env(map[string]string{EnvKeyFile: good}))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []byte("from-file"), k.Bytes())

	_, ok, err = KeyFromEnv(env(map[string]string{EnvKey: "a", EnvKeyFile: good}))
	assert.ErrorIs(t, err, ErrKeyEnv)
	assert.False(t, ok)

	_, ok, err = KeyFromEnv(env(map[string]string{EnvKeyFile: open}))
	assert.ErrorIs(t, err, ErrKeyEnv)
	assert.ErrorIs(t, err, ErrKeyFile)
	assert.False(t, ok)

	_, _, err = KeyFromEnv(env(map[string]string{EnvKeyFile: filepath.Join(dir, "nope")}))
	assert.True(t, errors.Is(err, fs.ErrNotExist))

	// The real environment works through os.Getenv.
	t.Setenv(EnvKey, "via-os")
	t.Setenv(EnvKeyFile, "")
	k, ok, err = KeyFromEnv(os.Getenv)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []byte("via-os"), k.Bytes())
}

func TestKeyFromPassphrase(t *testing.T) {
	salt := []byte("flint-test-salt-0123456789abcdef")
	start := time.Now()
	a := KeyFromPassphrase([]byte("correct horse"), salt)
	t.Logf("argon2id derivation took %v", time.Since(start))
	b := KeyFromPassphrase([]byte("correct horse"), salt)
	assert.Len(t, a.Bytes(), Argon2KeyLen)
	assert.True(t, a.Equal(b), "same passphrase and salt give the same key")
	assert.False(t, a.Equal(KeyFromPassphrase([]byte("correct horsf"), salt)))
	assert.False(t, a.Equal(KeyFromPassphrase([]byte("correct horse"), []byte("flint-test-salt-0123456789abcdeF"))))
	assert.False(t, a.Equal(NewKey([]byte("correct horse"))))
}
