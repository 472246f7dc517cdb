// Package serial defines the serializer contract shared by flint's codecs
// and the registry that selects a codec by Pyro4 serializer id or name.
//
// The codecs themselves live in sub-packages (serial/serpent, serial/jsonser,
// serial/marshal, serial/msgpack); serial/codecs lists the safe ones. The
// unsafe pickle codec (serial/pickle) is a plugin: nothing in flint imports it,
// and a program must both import it and put it on its allow-list.
//
// # Invariants
//
//   - Decoders never panic on hostile input and never allocate more than the
//     input can justify: a declared length that cannot fit in the remaining
//     bytes is an error before any allocation.
//   - Nesting depth, element counts and total bytes are bounded by [Limits].
//   - Decoders produce only the types of the value model (package value).
package serial

import (
	"errors"
	"fmt"
	"sort"
)

// Pyro4 serializer ids (protocol 48).
const (
	IDSerpent     uint16 = 1
	IDJSON        uint16 = 2
	IDMarshal     uint16 = 3
	IDPickle      uint16 = 4
	IDDill        uint16 = 5
	IDMsgpack     uint16 = 6
	IDCloudpickle uint16 = 7
	// IDPing is the pseudo serializer id of MSG_PING messages; it names no
	// codec.
	IDPing uint16 = 42
)

// A Serializer turns model values into bytes and back. Implementations are
// safe for concurrent use.
type Serializer interface {
	// ID returns the Pyro4 serializer id.
	ID() uint16
	// Name returns the Pyro4 serializer name ("serpent", "json", ...).
	Name() string
	// Marshal appends the encoding of v, a value of the model, to dst.
	Marshal(dst []byte, v any) ([]byte, error)
	// Unmarshal decodes data into a model value within lim. The result may
	// alias data (for example a []byte that is a sub-slice of it), so the
	// caller must not reuse data while the value is live.
	Unmarshal(data []byte, lim Limits) (any, error)
}

// SegmentMarshaler is implemented by serializers whose encoding carries
// byte strings verbatim (msgpack, marshal), so that a large []byte can be
// sent from its own memory instead of being copied into the encoding.
type SegmentMarshaler interface {
	// MarshalSegments encodes v as Marshal would, appending to dst, except
	// that the content of every []byte of at least min bytes is left out
	// of buf. When one was, segs holds the whole encoding in order: pieces
	// of buf and, between them, those []byte values themselves (aliased,
	// not copied). When none was, segs is nil and buf is the encoding, as
	// Marshal returns it. The caller keeps the []byte values unchanged
	// until segs has been written.
	MarshalSegments(dst []byte, v any, min int) (buf []byte, segs [][]byte, err error)
}

// Cut marks a byte string that a [SegmentMarshaler] left out of its
// buffer: B belongs at offset At.
type Cut struct {
	At int
	B  []byte
}

// Segments returns the encoding in buf[from:] as pieces, with the byte
// strings of cuts (in offset order) put back between them; nil when cuts
// is empty. It is the common tail of MarshalSegments implementations.
func Segments(buf []byte, from int, cuts []Cut) [][]byte {
	if len(cuts) == 0 {
		return nil
	}
	segs := make([][]byte, 0, 2*len(cuts)+1)
	start := from
	for _, c := range cuts {
		if c.At > start {
			segs = append(segs, buf[start:c.At:c.At])
		}
		segs = append(segs, c.B)
		start = c.At
	}
	if start < len(buf) {
		segs = append(segs, buf[start:])
	}
	return segs
}

// Default decoding limits. They are generous for RPC arguments and small
// enough that a hostile payload cannot exhaust memory or stack.
const (
	DefaultMaxDepth = 64
	DefaultMaxItems = 1 << 20
	DefaultMaxBytes = 256 << 20
)

// Limits bounds what a decoder accepts. A zero field means its default.
type Limits struct {
	// MaxDepth is the deepest nesting of containers allowed.
	MaxDepth int
	// MaxItems is the most container elements (list items, dict pairs, ...)
	// allowed in one payload, counted across all containers.
	MaxItems int
	// MaxBytes is the most bytes of string and bytes data allowed in one
	// payload after decoding (base64 and escapes expand).
	MaxBytes int
}

// WithDefaults returns l with zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// Errors a decoder or encoder returns, wrapped with detail. Test with
// errors.Is.
var (
	// ErrMalformed means the payload is not valid in the codec's format.
	ErrMalformed = errors.New("serial: malformed payload")
	// ErrLimit means the payload exceeds a configured limit.
	ErrLimit = errors.New("serial: limit exceeded")
	// ErrUnsupported means a value or type cannot be represented.
	ErrUnsupported = errors.New("serial: unsupported value")
	// ErrUnknownSerializer means no codec is registered for an id or name.
	ErrUnknownSerializer = errors.New("serial: unknown serializer")
)

// Registry maps serializer ids and names to codecs. It is immutable after
// construction and safe for concurrent use.
type Registry struct {
	byID   map[uint16]Serializer
	byName map[string]Serializer
}

// NewRegistry returns a registry holding ss. A later codec with the same id
// or name replaces an earlier one.
func NewRegistry(ss ...Serializer) *Registry {
	r := &Registry{byID: make(map[uint16]Serializer), byName: make(map[string]Serializer)}
	for _, s := range ss {
		r.byID[s.ID()] = s
		r.byName[s.Name()] = s
	}
	return r
}

// ByID returns the codec with Pyro4 id id.
func (r *Registry) ByID(id uint16) (Serializer, error) {
	if s, ok := r.byID[id]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w: id %d", ErrUnknownSerializer, id)
}

// ByName returns the codec named name.
func (r *Registry) ByName(name string) (Serializer, error) {
	if s, ok := r.byName[name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownSerializer, name)
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.byName))
	for n := range r.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
