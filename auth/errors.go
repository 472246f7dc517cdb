package auth

import "errors"

// Sentinel errors. Functions wrap them with %w, so test with errors.Is.
var (
	// ErrBadMAC reports a message MAC or proof that did not verify. The
	// connection it came from should be closed.
	ErrBadMAC = errors.New("auth: bad MAC")
	// ErrDenied reports a call that the authorization rules do not allow.
	ErrDenied = errors.New("auth: denied")
	// ErrKeyFile reports a key file that was refused: too open permissions,
	// not a regular file, empty or too large.
	ErrKeyFile = errors.New("auth: key file refused")
	// ErrKeyEnv reports conflicting or unusable key environment variables.
	ErrKeyEnv = errors.New("auth: bad key environment")
	// ErrKeyMarshal is returned when something tries to encode a Key.
	ErrKeyMarshal = errors.New("auth: a key cannot be marshaled")
	// ErrNoKey reports a zero Key where a key is required.
	ErrNoKey = errors.New("auth: no key")
	// ErrBadNonce reports a nonce that is not NonceSize bytes long.
	ErrBadNonce = errors.New("auth: bad nonce")
	// ErrBadRule reports a malformed authorization rule.
	ErrBadRule = errors.New("auth: bad rule")
)
