// Package codecs lists flint's safe serializers: the codecs that can only
// ever produce plain data, never run code or name classes.
//
// The safe set is serpent, json, marshal and msgpack. Pickle (and Pyro4's
// dill and cloudpickle) are deliberately absent: a pickle can make the
// reader call any function, so it lives in the opt-in plugin package
// serial/pickle, which nothing in flint imports.
//
// # Invariants
//
//   - [Safe] returns only codecs that decode into the value model and
//     refuse class references and code objects.
//   - Each call returns fresh codec values; the codecs hold no state, so
//     sharing them is also safe.
package codecs

import (
	"sync"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/jsonser"
	"github.com/flintrpc/flint/serial/marshal"
	"github.com/flintrpc/flint/serial/msgpack"
	"github.com/flintrpc/flint/serial/serpent"
)

// Safe returns the safe codecs in Pyro4 id order: serpent (1), json (2),
// marshal (3) and msgpack (6).
func Safe() []serial.Serializer {
	return []serial.Serializer{serpent.New(), jsonser.New(), marshal.New(), msgpack.New()}
}

// Registry returns a registry holding the safe codecs followed by extra. An
// extra codec with the id or name of a safe one replaces it; that is how a
// program opts in to a plugin such as serial/pickle. Which codecs a peer may
// actually use is decided by the caller's allow-list, not by the registry.
func Registry(extra ...serial.Serializer) *serial.Registry {
	return serial.NewRegistry(append(Safe(), extra...)...)
}

// Default returns a registry of the safe codecs that is built once and
// shared. A Registry cannot be changed after it is made, so sharing it is
// safe; callers that need plugins use [Registry] instead.
func Default() *serial.Registry { return defaultRegistry() }

var defaultRegistry = sync.OnceValue(func() *serial.Registry { return Registry() })
