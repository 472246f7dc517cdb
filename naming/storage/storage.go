package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors returned by storages, wrapped with detail. Test with errors.Is.
var (
	// ErrNotFound means the name is not registered.
	ErrNotFound = errors.New("naming/storage: name not found")
	// ErrClosed is returned by calls on a closed storage.
	ErrClosed = errors.New("naming/storage: closed")
	// ErrCorrupt means a stored entry could not be decoded.
	ErrCorrupt = errors.New("naming/storage: corrupt entry")
	// ErrUnsupported is returned by Open for storage kinds flint does not
	// implement (Pyro4's dbm: and sql:).
	ErrUnsupported = errors.New("naming/storage: unsupported storage")
	// ErrInvalid means a name or entry cannot be stored (an empty name, for
	// example).
	ErrInvalid = errors.New("naming/storage: invalid name or entry")
)

// Entry is one registration.
type Entry struct {
	// URI is the registered URI, as text.
	URI string
	// Meta holds the metadata tags, sorted and without duplicates.
	Meta []string
}

// Clone returns a copy of e that shares no memory with it.
func (e Entry) Clone() Entry {
	return Entry{URI: e.URI, Meta: slices.Clone(e.Meta)}
}

// Op says what an [UpdateFunc] wants done with the name.
type Op int

const (
	// Keep leaves the name as it is.
	Keep Op = iota
	// Write stores the returned entry under the name.
	Write
	// Delete removes the name.
	Delete
)

// UpdateFunc decides what happens to one name given its current entry
// (exists is false when the name is not registered). It runs inside the
// backend's transaction or retry loop, so it may be called more than once;
// it must be quick, must not block and must not call the storage. When it
// returns an error nothing is written and Update returns that error.
type UpdateFunc func(cur Entry, exists bool) (next Entry, op Op, err error)

// Storage is a name server's backing store. Implementations are safe for
// concurrent use.
type Storage interface {
	// Get returns the entry registered under name, or ErrNotFound.
	Get(ctx context.Context, name string) (Entry, error)
	// Put registers e under name, replacing any entry.
	Put(ctx context.Context, name string, e Entry) error
	// Update runs fn on the current state of name and applies its decision,
	// atomically with respect to every other write.
	Update(ctx context.Context, name string, fn UpdateFunc) error
	// Delete removes the names that exist and returns how many it removed.
	Delete(ctx context.Context, names ...string) (int, error)
	// Range calls fn for every name that starts with prefix, in ascending
	// byte order, on a consistent snapshot, until fn returns false. fn may
	// call the storage.
	Range(ctx context.Context, prefix string, fn func(name string, e Entry) bool) error
	// Count returns the number of names.
	Count(ctx context.Context) (int, error)
	// Close releases the storage. Calls after Close return ErrClosed.
	Close() error
}

// NormalizeMeta returns the tags sorted and without duplicates, in a new
// slice (nil when there are none).
func NormalizeMeta(tags []string) []string {
	if len(tags) == 0 {
		return nil
	}
	out := slices.Clone(tags)
	slices.Sort(out)
	return slices.Compact(out)
}

// entryVersion is the first byte of an encoded entry.
const entryVersion = 1

// AppendEntry appends the binary encoding of e to dst: a version byte, the
// URI and each tag as uvarint length plus bytes, preceded by the tag count.
func AppendEntry(dst []byte, e Entry) []byte {
	dst = append(dst, entryVersion)
	dst = binary.AppendUvarint(dst, uint64(len(e.URI)))
	dst = append(dst, e.URI...)
	dst = binary.AppendUvarint(dst, uint64(len(e.Meta)))
	for _, m := range e.Meta {
		dst = binary.AppendUvarint(dst, uint64(len(m)))
		dst = append(dst, m...)
	}
	return dst
}

// DecodeEntry decodes what AppendEntry wrote. It checks every length
// against the bytes left before allocating, so hostile input costs at most
// its own size; errors wrap ErrCorrupt.
func DecodeEntry(b []byte) (Entry, error) {
	var e Entry
	if len(b) == 0 || b[0] != entryVersion {
		return e, fmt.Errorf("%w: unknown version", ErrCorrupt)
	}
	b = b[1:]
	str := func() (string, bool) {
		n, k := uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	var ok bool
	if e.URI, ok = str(); !ok {
		return Entry{}, fmt.Errorf("%w: bad uri field", ErrCorrupt)
	}
	n, k := uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) { // every tag takes at least one byte
		return Entry{}, fmt.Errorf("%w: bad tag count", ErrCorrupt)
	}
	b = b[k:]
	if n > 0 {
		e.Meta = make([]string, 0, n)
	}
	for range n {
		m, ok := str()
		if !ok {
			return Entry{}, fmt.Errorf("%w: bad tag", ErrCorrupt)
		}
		e.Meta = append(e.Meta, m)
	}
	if len(b) != 0 {
		return Entry{}, fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(b))
	}
	return e, nil
}

// uvarint is binary.Uvarint that also refuses non-minimal encodings, so
// that every entry has exactly one encoding.
func uvarint(b []byte) (uint64, int) {
	n, k := binary.Uvarint(b)
	if k > 1 && b[k-1] == 0 {
		return 0, 0
	}
	return n, k
}

// Open returns the storage named by spec, in pyro4-ns's -s syntax:
// "memory" (or "") for a Memory, "bolt:PATH" for a Bolt file. Pyro4's
// "dbm:" and "sql:" are refused with ErrUnsupported.
func Open(spec string) (Storage, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "", "memory":
		if arg != "" {
			return nil, fmt.Errorf("%w: %q (memory takes no argument)", ErrUnsupported, spec)
		}
		return NewMemory(), nil
	case "bolt":
		if arg == "" {
			return nil, fmt.Errorf("%w: %q needs a file: bolt:PATH", ErrUnsupported, spec)
		}
		return OpenBolt(arg, BoltOptions{})
	case "dbm", "sql":
		return nil, fmt.Errorf("%w: %q: Pyro4's %s storage is not available in flint; use bolt:PATH (a transactional file) or memory",
			ErrUnsupported, spec, kind)
	}
	return nil, fmt.Errorf("%w: %q (want memory or bolt:PATH)", ErrUnsupported, spec)
}

func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty name", ErrInvalid)
	}
	return nil
}
