package auth

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/crypto/argon2"
)

// Key is a shared secret, such as the HMAC key. It never reveals its bytes
// by accident: String, GoString and every fmt verb print "[redacted]",
// slog sees "[redacted]", and MarshalText/MarshalJSON fail with
// [ErrKeyMarshal]. The bytes are kept behind a function value, so even
// reflection-based printers (a %v of a struct with an unexported Key field,
// or go-spew) see only a function pointer.
//
// The zero Key is "no key" ([Key.IsZero]). A Key is immutable and safe for
// concurrent use. Compare keys with [Key.Equal]; Key values are not
// comparable with ==.
type Key struct {
	secret func() []byte
}

const redacted = "[redacted]"

// MaxKeyFileSize is the largest key file [LoadKeyFile] reads.
const MaxKeyFileSize = 4096

// Argon2id parameters used by [KeyFromPassphrase]. They follow the second
// recommended setting of RFC 9106 (section 4): 3 passes over 64 MiB with
// 4 lanes, giving a 32-byte key. Changing them changes every derived key.
const (
	Argon2Time    = 3
	Argon2Memory  = 64 * 1024 // KiB
	Argon2Threads = 4
	Argon2KeyLen  = 32
)

// NewKey returns a Key holding a copy of b. An empty b gives the zero Key.
func NewKey(b []byte) Key {
	if len(b) == 0 {
		return Key{}
	}
	c := bytes.Clone(b)
	return Key{secret: func() []byte { return c }}
}

// Bytes returns a copy of the key bytes (nil for the zero Key).
func (k Key) Bytes() []byte {
	if k.secret == nil {
		return nil
	}
	return bytes.Clone(k.secret())
}

// raw returns the key bytes without copying; callers must not modify them.
func (k Key) raw() []byte {
	if k.secret == nil {
		return nil
	}
	return k.secret()
}

// IsZero reports whether k holds no key.
func (k Key) IsZero() bool { return len(k.raw()) == 0 }

// Equal reports whether k and o hold the same bytes, in constant time with
// respect to the contents (the lengths may leak).
func (k Key) Equal(o Key) bool {
	return subtle.ConstantTimeCompare(k.raw(), o.raw()) == 1
}

// String returns "[redacted]".
func (k Key) String() string { return redacted }

// GoString returns "[redacted]".
func (k Key) GoString() string { return redacted }

// Format prints "[redacted]" for every verb and flag.
func (k Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue makes log/slog print "[redacted]".
func (k Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText refuses to encode the key and returns [ErrKeyMarshal].
func (k Key) MarshalText() ([]byte, error) { return nil, ErrKeyMarshal }

// MarshalJSON refuses to encode the key and returns [ErrKeyMarshal].
func (k Key) MarshalJSON() ([]byte, error) { return nil, ErrKeyMarshal }

// LoadKeyFile reads a key from a file. One trailing newline ("\n" or
// "\r\n") is removed; every other byte is part of the key.
//
// The file is refused (with an error wrapping [ErrKeyFile]) when it is not
// a regular file, when group or others have any permission on it
// (mode & 0o077 != 0; fix with chmod 600), when it is larger than
// [MaxKeyFileSize] bytes, or when the key is empty.
func LoadKeyFile(path string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Key{}, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if !st.Mode().IsRegular() {
		return Key{}, fmt.Errorf("%w: %s is not a regular file", ErrKeyFile, path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return Key{}, fmt.Errorf("%w: %s is accessible by group or others (mode %04o); run chmod 600 on it",
			ErrKeyFile, path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxKeyFileSize+1))
	if err != nil {
		return Key{}, fmt.Errorf("%w: reading %s: %w", ErrKeyFile, path, err)
	}
	defer clear(b)
	if len(b) > MaxKeyFileSize {
		return Key{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrKeyFile, path, MaxKeyFileSize)
	}
	kb := b
	if n := len(kb); n > 0 && kb[n-1] == '\n' {
		kb = kb[:n-1]
		if n := len(kb); n > 0 && kb[n-1] == '\r' {
			kb = kb[:n-1]
		}
	}
	if len(kb) == 0 {
		return Key{}, fmt.Errorf("%w: %s holds an empty key", ErrKeyFile, path)
	}
	return NewKey(kb), nil
}

// KeyFromPassphrase derives a 32-byte key from a passphrase with Argon2id,
// using the parameters [Argon2Time], [Argon2Memory] and [Argon2Threads]
// (about 0.2 s and 64 MiB of memory). The same passphrase and salt always
// give the same key. The salt should be at least 16 bytes, random, and the
// same on every host that must share the key; it need not be secret.
func KeyFromPassphrase(pass []byte, salt []byte) Key {
	b := argon2.IDKey(pass, salt, Argon2Time, Argon2Memory, Argon2Threads, Argon2KeyLen)
	defer clear(b)
	return NewKey(b)
}

// Environment variables read by [KeyFromEnv].
const (
	EnvKey     = "FLINT_HMAC_KEY"      // the key itself, as a raw string
	EnvKeyFile = "FLINT_HMAC_KEY_FILE" // path of a key file, see LoadKeyFile
)

// KeyFromEnv looks up the shared HMAC key through getenv (usually
// os.Getenv). FLINT_HMAC_KEY holds the key as a raw string;
// FLINT_HMAC_KEY_FILE names a file read with [LoadKeyFile]. It returns
// ok == false and no error when neither is set (an empty value counts as
// unset), and an error wrapping [ErrKeyEnv] when both are set.
func KeyFromEnv(getenv func(string) string) (key Key, ok bool, err error) {
	raw, file := getenv(EnvKey), getenv(EnvKeyFile)
	switch {
	case raw != "" && file != "":
		return Key{}, false, fmt.Errorf("%w: both %s and %s are set; set only one", ErrKeyEnv, EnvKey, EnvKeyFile)
	case raw != "":
		return NewKey([]byte(raw)), true, nil
	case file != "":
		k, err := LoadKeyFile(file)
		if err != nil {
			return Key{}, false, fmt.Errorf("%w: %s: %w", ErrKeyEnv, EnvKeyFile, err)
		}
		return k, true, nil
	}
	return Key{}, false, nil
}
