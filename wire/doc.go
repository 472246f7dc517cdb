// Package wire encodes and decodes Pyro4 protocol 48 messages (Pyro4 4.82):
// the 24-byte header, the annotation chunks, the optional zlib compression
// of the payload and the MAC chunk. It knows nothing about serializers,
// connections or handshakes; payloads are opaque bytes.
//
// A message on the wire is a header, annotations_size bytes of chunks
// (4-byte ASCII key, 2-byte big-endian length, value) and data_size bytes of
// payload. [Reader] reads messages from a stream, [Writer] writes them, and
// [AppendMessage] and [ParseHeader] work on byte slices.
//
// # Invariants
//
//   - Nothing the peer declares is allocated before it is checked: the
//     header is read into a fixed array, magic/version and checksum are
//     checked, then data_size + annotations_size is compared with
//     [Limits.MaxMessageSize] (a negative data size is refused). Only then
//     is one buffer allocated for chunks and payload; above 4 MiB it grows
//     as bytes arrive, so an unsent body is never fully allocated.
//   - Limits are always finite: a zero or negative [Limits] field selects a
//     16 MiB default, there is no "unlimited".
//   - Chunks are parsed strictly: a chunk running past annotations_size,
//     trailing bytes, a key that is not 4 printable ASCII bytes and a
//     repeated key are errors ([ErrAnnotations]); Pyro4 tolerates them.
//   - The MAC is checked (in constant time) after the whole message is read
//     and before the payload is inflated. A configured authenticator whose
//     chunk is missing, or an "HMAC" chunk the receiver is not configured
//     for, is refused ([ErrMACNotSymmetric]).
//   - Compressed payloads are inflated through a limit and refused as soon
//     as they exceed [Limits.MaxDecompressedSize] (zlib bombs), and when
//     bytes follow the zlib stream.
//   - Peer input never causes a panic. Errors wrap sentinels testable with
//     [errors.Is]; their texts follow Pyro4 where Pyro4 has one.
//   - Encoding writes chunks in the given order and the MAC chunk last, with
//     Reserved = 0, so a message decoded from Pyro4 re-encodes to the same
//     bytes (for uncompressed payloads).
//   - A Reader or Writer is used by one goroutine at a time; a decoded
//     [Message] owns its memory.
//   - A payload is never copied on its way out once it is 64 KiB or more:
//     a long Data, and every long piece of [Message.Segments], is handed to
//     the stream as it is (one writev on a socket). A MAC over pieces is
//     the MAC over their concatenation ([SegmentSigner]).
//
// # What is not a security boundary
//
// The header checksum is a sanity check against a stream that is out of
// step, not integrity: anyone can recompute it.
//
// Pyro4's HMAC ([Pyro4HMAC]) is weak. It covers the payload and the values of
// the other chunks, but not the header (type, flags, seq, serializer id),
// not the annotation keys and not the boundary between annotation values and
// payload, so an attacker on the path can set ONEWAY, change seq, rename a
// chunk or move bytes between a chunk and the payload without detection. It
// has no nonce or counter (replay and reflection work), signs both
// directions with the same raw key, and uses SHA-1. It is provided only to
// talk to Python Pyro4; protect connections with TLS, and prefer a stronger
// [Authenticator] (one that signs the header it is given) between flint
// peers.
package wire
