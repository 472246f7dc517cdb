package policy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	p, err := FromEnv(envOf(nil))
	require.NoError(t, err)
	assert.False(t, p.AllowInsecurePlaintext)
	assert.Equal(t, HMACOff, p.EffectiveHMACMode())
	assert.ErrorIs(t, p.Validate(true, "tcp"), ErrNoTransportSecurity)

	p, err = FromEnv(envOf(map[string]string{"FLINT_INSECURE": "1", "FLINT_HMAC_KEY": "k", "FLINT_SERIALIZERS_ACCEPTED": "serpent, msgpack",
		"FLINT_UNIX_UIDS": "0,1000", "FLINT_RULES": "uid=1000:*:*; cn=x:obj:m", "FLINT_MAX_MESSAGE_SIZE": "1024"}))
	require.NoError(t, err)
	assert.True(t, p.AllowInsecurePlaintext)
	assert.Equal(t, HMACStrong, p.EffectiveHMACMode(), "strong is the default whenever a key is set")
	assert.True(t, p.SerializerAllowed(6))
	assert.False(t, p.SerializerAllowed(2))
	assert.Equal(t, []uint32{0, 1000}, p.UnixUIDs)
	assert.Len(t, p.Rules, 2)
	assert.Equal(t, 1024, p.EffectiveLimits().MaxMessageSize)

	p, err = FromEnv(envOf(map[string]string{"FLINT_HMAC_KEY": "k", "FLINT_HMAC_MODE": "pyro4"}))
	require.NoError(t, err)
	assert.Equal(t, HMACPyro4, p.EffectiveHMACMode(), "pyro4 must be asked for")

	for name, env := range map[string]map[string]string{
		"bad bool":            {"FLINT_INSECURE": "maybe"},
		"bad mode":            {"FLINT_HMAC_MODE": "md5"},
		"mode without key":    {"FLINT_HMAC_MODE": "strong"},
		"pickle unknown":      {"FLINT_SERIALIZERS_ACCEPTED": "serpent,yaml"},
		"partial TLS":         {"FLINT_TLS_CERT": "/x"},
		"bad rule":            {"FLINT_RULES": "garbage"},
		"bad uid":             {"FLINT_UNIX_UIDS": "root"},
		"bad size":            {"FLINT_MAX_MESSAGE_SIZE": "-1"},
		"passphrase, no salt": {"FLINT_HMAC_PASSPHRASE_FILE": "/nonexistent"},
	} {
		_, err := FromEnv(envOf(env))
		assert.Error(t, err, name)
	}
}

func TestPassphraseKey(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pass")
	require.NoError(t, os.WriteFile(f, []byte("correct horse battery staple\n"), 0o600))
	env := map[string]string{"FLINT_HMAC_PASSPHRASE_FILE": f, "FLINT_HMAC_SALT": "flint-test-salt-0001"}
	p, err := FromEnv(envOf(env))
	require.NoError(t, err)
	want := auth.KeyFromPassphrase([]byte("correct horse battery staple"), []byte("flint-test-salt-0001"))
	assert.True(t, p.HMACKey.Equal(want))
	assert.Equal(t, HMACStrong, p.EffectiveHMACMode())
	env["FLINT_HMAC_KEY"] = "also"
	_, err = FromEnv(envOf(env))
	assert.Error(t, err, "a key and a passphrase together are ambiguous")
	require.NoError(t, os.Chmod(f, 0o644))
	delete(env, "FLINT_HMAC_KEY")
	_, err = FromEnv(envOf(env))
	assert.Error(t, err, "a world-readable passphrase file is refused")
}
