package policy

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/certs"
)

// Environment variables read by FromEnv.
const (
	EnvInsecure            = "FLINT_INSECURE"
	EnvSerializersAccepted = "FLINT_SERIALIZERS_ACCEPTED"
	EnvHMACMode            = "FLINT_HMAC_MODE"
	EnvExposeTracebacks    = "FLINT_EXPOSE_TRACEBACKS"
	EnvUnixUIDs            = "FLINT_UNIX_UIDS"
	EnvUnixGIDs            = "FLINT_UNIX_GIDS"
	EnvRules               = "FLINT_RULES"
	EnvMaxMessageSize      = "FLINT_MAX_MESSAGE_SIZE"
	// EnvHMACPassphraseFile names a file holding a passphrase that is
	// stretched with Argon2id (salt from EnvHMACSalt) into the HMAC key.
	EnvHMACPassphraseFile = "FLINT_HMAC_PASSPHRASE_FILE"
	EnvHMACSalt           = "FLINT_HMAC_SALT"
)

// FromEnv builds a policy from the environment (getenv nil means
// os.Getenv):
//
//	FLINT_TLS_CERT, FLINT_TLS_KEY, FLINT_TLS_CA   2-way TLS material
//	FLINT_INSECURE=1                              allow plaintext
//	FLINT_HMAC_KEY or FLINT_HMAC_KEY_FILE         shared HMAC key
//	FLINT_HMAC_PASSPHRASE_FILE + FLINT_HMAC_SALT  or a passphrase stretched with Argon2id
//	FLINT_HMAC_MODE=off|pyro4|strong              default strong with a key
//	FLINT_SERIALIZERS_ACCEPTED=serpent,json,...   serializer allow-list
//	FLINT_UNIX_UIDS, FLINT_UNIX_GIDS              comma lists of Unix peers
//	FLINT_RULES                                   ";"-separated auth rules
//	FLINT_EXPOSE_TRACEBACKS=1                     send tracebacks (development)
//	FLINT_MAX_MESSAGE_SIZE                        bytes
func FromEnv(getenv func(string) string) (*Policy, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	p := &Policy{}
	f := certs.Files{Cert: getenv("FLINT_TLS_CERT"), Key: getenv("FLINT_TLS_KEY"), CA: getenv("FLINT_TLS_CA")}
	if f.Cert != "" && f.Key != "" && f.CA != "" {
		p.TLS = f
	} else if f != (certs.Files{}) {
		return nil, fmt.Errorf("policy: FLINT_TLS_CERT, FLINT_TLS_KEY and FLINT_TLS_CA must be set together")
	}
	var err error
	if p.AllowInsecurePlaintext, err = envBool(getenv, EnvInsecure); err != nil {
		return nil, err
	}
	if p.ExposeTracebacks, err = envBool(getenv, EnvExposeTracebacks); err != nil {
		return nil, err
	}
	key, ok, err := auth.KeyFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if ok {
		p.HMACKey = key
	}
	if pf := getenv(EnvHMACPassphraseFile); pf != "" {
		if ok {
			return nil, fmt.Errorf("policy: set either an HMAC key or %s, not both", EnvHMACPassphraseFile)
		}
		salt := getenv(EnvHMACSalt)
		if len(salt) < 16 {
			return nil, fmt.Errorf("policy: %s needs %s of at least 16 characters, the same on every host", EnvHMACPassphraseFile, EnvHMACSalt)
		}
		pass, err := auth.LoadKeyFile(pf)
		if err != nil {
			return nil, fmt.Errorf("policy: %s: %w", EnvHMACPassphraseFile, err)
		}
		p.HMACKey = auth.KeyFromPassphrase(pass.Bytes(), []byte(salt))
	}
	if p.HMACMode, err = ParseHMACMode(getenv(EnvHMACMode)); err != nil {
		return nil, err
	}
	if s := getenv(EnvSerializersAccepted); s != "" {
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				p.Serializers = append(p.Serializers, n)
			}
		}
	}
	if p.UnixUIDs, err = envIDs(getenv, EnvUnixUIDs); err != nil {
		return nil, err
	}
	if p.UnixGIDs, err = envIDs(getenv, EnvUnixGIDs); err != nil {
		return nil, err
	}
	if s := getenv(EnvRules); s != "" {
		for _, rs := range strings.Split(s, ";") {
			if rs = strings.TrimSpace(rs); rs == "" {
				continue
			}
			r, err := auth.ParseRule(rs)
			if err != nil {
				return nil, fmt.Errorf("policy: %s: %w", EnvRules, err)
			}
			p.Rules = append(p.Rules, r)
		}
	}
	if s := getenv(EnvMaxMessageSize); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("policy: %s=%q is not a positive number", EnvMaxMessageSize, s)
		}
		p.Limits.MaxMessageSize = n
		p.Limits.MaxDecompressedSize = n
	}
	if err := p.init(); err != nil {
		return nil, err
	}
	return p, nil
}

func envBool(getenv func(string) string, name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(getenv(name))) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("policy: %s=%q is not a boolean", name, getenv(name))
}

func envIDs(getenv func(string) string, name string) ([]uint32, error) {
	s := getenv(name)
	if s == "" {
		return nil, nil
	}
	var out []uint32
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("policy: %s: %q is not a number", name, f)
		}
		out = append(out, uint32(n))
	}
	return out, nil
}
