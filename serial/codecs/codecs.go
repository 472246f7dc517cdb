// Package codecs lists flint's safe serializers: serpent, json, marshal and
// msgpack. The unsafe pickle codec is not here; see serial/pickle.
package codecs

import (
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/marshal"
	"github.com/flintrpc/flint/serial/msgpack"
	"github.com/flintrpc/flint/serial/serpent"
)

// Safe returns the safe codecs.
func Safe() []serial.Serializer {
	return []serial.Serializer{serpent.New(), marshal.New(), msgpack.New()}
}

// Registry returns a registry of the safe codecs plus extra.
func Registry(extra ...serial.Serializer) *serial.Registry {
	return serial.NewRegistry(append(Safe(), extra...)...)
}
