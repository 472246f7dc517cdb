// Package marshal is flint's codec for Pyro4's "marshal" serializer (id 3):
// CPython 3.11's marshal format, version 4, restricted to the data types a
// Pyro4 peer can send.
//
// # Wire format
//
// Every object starts with a one-byte type code. Bit 0x80 of the code
// (FLAG_REF) asks the reader to remember the object in a reference table, and
// the code 'r' followed by an int32 index refers back to a remembered object.
// CPython sets FLAG_REF whenever an object's reference count is above one,
// which depends on interpreter internals (small-int caches, interned
// strings), so its output is not reproducible byte for byte; decoders must
// support references and encoders may leave them out.
//
// Supported codes: N T F (None, True, False), i (int32), l (arbitrary int in
// 15-bit digits), g y (binary float and complex), f x (text float and
// complex, written by marshal.dumps with version 0 or 1), s (bytes), u t
// (UTF-8 str), a A z Z (one-byte-per-character str), ( ) (tuple), [ (list),
// { (dict, closed by 0), < > (set and frozenset), r (reference).
//
// # Mapping
//
// Decoding produces the types of package value: int64 or *big.Int, float64,
// complex128, string, []byte (aliasing the input), []any, value.Tuple,
// value.Set (for set and frozenset), *value.Dict, bool and nil. Encoding
// accepts the same types plus Go's other integer kinds, float32 and
// value.UUID (sent as its string form, as Pyro4 does). value.Decimal,
// value.Date, time.Time and value.Ext are refused with
// [serial.ErrUnsupported], as Python's marshal cannot carry them either. A
// nil *value.Dict is written as None and a nil []any as an empty list.
//
// The encoder writes what CPython 3.11 writes for an object nobody else
// references: 'i' for ints in int32 range and 'l' otherwise, 'g' and 'y' for
// floats and complex numbers, 'z' for ASCII strings shorter than 256 bytes,
// 'a' for longer ASCII strings and 'u' for the rest, ')' for tuples under 256
// items and '(' otherwise. It never sets FLAG_REF and never uses the interned
// codes (t A Z), whose choice depends on CPython's interning state. A set
// written as a dict key, a set element or inside a tuple in those positions
// is written as a frozenset ('>'), since Python could not load a mutable set
// there.
//
// # Invariants
//
//   - Unmarshal never panics and never allocates more than the input
//     justifies: every count and length is checked against the remaining
//     input and against [serial.Limits] before anything is allocated, so a
//     5-byte list header claiming 2^31 items fails at once.
//   - References are resolved in CPython's order: a container takes its
//     table slot before its items are read. A reference to a container that
//     is still being decoded (which would make a cyclic value) is an error,
//     so decoded values are always acyclic and walking them terminates.
//   - A reference counts toward the limits as if the referenced object had
//     been written out again: its items, string bytes and nesting depth are
//     charged at every use, so references cannot amplify a small payload
//     into a value that is logically larger than the limits.
//   - Dict keys and set elements must be hashable in Python (no lists,
//     dicts or mutable sets). Equal keys are merged as a Python dict merges
//     them (1, 1.0 and True are one key; the first key and position are kept
//     and the last value wins), so a decoded dict never holds duplicate keys.
//   - Trailing bytes after the top-level object are an error.
//
// # Deliberate differences from CPython's marshal.loads
//
//   - Cyclic data (a container that contains itself) is refused.
//   - Strings that are not valid UTF-8, such as lone surrogates that CPython
//     reads with "surrogatepass", are refused: a Go string cannot hold them
//     faithfully.
//   - Code objects ('c'), StopIteration ('S'), Ellipsis ('.') and the
//     legacy int64 code ('I', which CPython 3 reads but never writes) are
//     refused; they are not Pyro4 data.
//   - Trailing bytes are refused (CPython ignores them).
//   - Nesting is limited by [serial.Limits.MaxDepth] (CPython allows 2000).
//   - Distinct NaN objects used as dict keys are never merged, as in Python;
//     a NaN key reached twice through a reference is not merged either,
//     although Python would merge it by identity.
package marshal
