// Package msgpack is flint's codec for Pyro4's msgpack serializer (id 6),
// wire compatible with Pyro4 4.82 on python msgpack 1.0.x, which packs with
// packb(use_bin_type=True) and unpacks with unpackb(raw=False).
//
// The encoder and decoder are written from the msgpack specification; no
// third-party msgpack library is used.
//
// # Mapping
//
// Decoding produces the types of package value:
//
//	msgpack                     Go
//	nil, bool                   nil, bool
//	int (any width)             int64, or *big.Int above math.MaxInt64
//	float32, float64            float64
//	str                         string (must be valid UTF-8)
//	bin                         []byte, a sub-slice of the input (no copy)
//	array                       []any
//	map                         *value.Dict, in wire order
//	ext 0x30                    complex128 (2 × float64, little-endian)
//	ext 0x31                    int from ASCII decimal (Pyro4's big ints)
//	ext 0x32                    time.Time in time.Local (float64 POSIX time)
//	ext 0x33                    value.Date (int64 proleptic ordinal)
//	ext -1 (timestamp)          time.Time in UTC
//	other ext                   value.Ext, Data a sub-slice of the input
//
// Encoding writes what Pyro4 writes for the same Python value: ints in the
// smallest form python msgpack picks, floats always as float64, str and bin
// in their shortest header, Tuple and Set as arrays, *value.Dict as a map in
// insertion order, *big.Int outside -2⁶³..2⁶⁴-1 as ext 0x31, complex128 as
// ext 0x30, time.Time as ext 0x32 (the POSIX time as a float64, which a
// Python peer turns into a naive local datetime), value.Date as ext 0x33,
// value.Decimal and value.UUID as str, value.Ext as itself; a nil []any,
// []byte or *value.Dict as an empty array, bin or map. The encoder also
// accepts Go's other integer kinds, float32 and complex64.
//
// # Invariants
//
//   - Unmarshal never panics on any input.
//   - Every declared length (str, bin, ext, array, map) is checked against
//     the bytes that remain before anything is allocated for it: an array
//     header needs at least one byte per element, a map header two per
//     pair. A 5-byte array32 header announcing 4 billion elements is an
//     error, not a 64 GiB allocation.
//   - Nesting depth, the total number of array elements and map pairs, and
//     the total bytes of str, bin and ext data are bounded by
//     [serial.Limits] (after WithDefaults).
//   - The whole input must be exactly one value; trailing bytes are an error,
//     as in python's unpackb.
//   - The decoded value aliases data: []byte values and value.Ext data are
//     sub-slices of it (capacity clipped, so appending to them never writes
//     into data). The caller must not modify or reuse data while the value
//     is live.
//   - Errors wrap [serial.ErrMalformed] (not valid msgpack, or an ext
//     payload Pyro4 could not read), [serial.ErrLimit] (a limit was hit) or
//     [serial.ErrUnsupported] (a valid value the model cannot hold, such as
//     a map used as a map key, or a Go value the encoder cannot write).
//   - The batched-call paths ([Codec.AppendBatchCall], [Codec.AppendBatchItem]
//     with [Codec.AppendBatchFrame], [Codec.UnmarshalBatchCall]) write the
//     bytes Marshal writes for the generic value tree and decode what
//     Unmarshal decodes, charging the same limits; UnmarshalBatchCall
//     handles only the common shape and leaves everything else, errors
//     included, to Unmarshal.
//
// # Differences from python msgpack
//
// python's unpackb(strict_map_key=True), which Pyro4 uses, accepts only str
// and bytes map keys. This decoder also accepts nil, bool, int, float, ext
// values and arrays (turned into value.Tuple, as Python would need them to
// be hashable) as keys; only maps are refused. A key that occurs twice keeps
// its first position and takes the last value, as a Python dict does, with
// keys compared by value.Equal (so 1 and True stay different keys). The
// encoder writes any key, but a Python peer refuses keys other than str and
// bytes.
//
// Ext 0x31 must hold an optional sign and at most 4300 decimal digits (the
// int_max_str_digits limit of CPython 3.11, which also bounds the work of
// converting it); the encoder refuses larger ints for the same reason.
//
// Ext 0x32 must give a time within Python's datetime range (years 1 to 9999
// in time.Local), rounded to the microsecond half to even as
// datetime.fromtimestamp does. msgpack timestamps (ext -1) must be in that
// range too, and the encoder refuses a time.Time that the peer could not
// read back. time.Time values carry a zone, but the wire has none: the peer
// sees the same instant as a naive datetime in its own local zone.
//
// python msgpack refuses ext codes below 0 other than -1, so a value.Ext
// with such a code cannot reach a Python peer. The encoder writes a
// value.Ext with a code Pyro4 maps (0x30 to 0x33) as it is; its data must
// then be what the decoder expects for that code.
package msgpack
