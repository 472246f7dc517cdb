package wire

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these (test
// with [errors.Is]); where Pyro4 has a message for the same condition the
// sentinel's text is Pyro4's, so a daemon can repeat it to a Python peer.
//
// Truncated input is reported with [io.ErrUnexpectedEOF] (wrapped) and a
// stream that ends cleanly before a header with a bare [io.EOF].
var (
	// ErrBadMagic: the header does not start with "PYRO" followed by
	// protocol version 48.
	ErrBadMagic = errors.New("invalid data or unsupported protocol version")

	// ErrChecksum: the header checksum does not match the header fields.
	ErrChecksum = errors.New("header checksum mismatch")

	// ErrTooLarge: data_size + annotations_size exceeds the receiver's
	// limit, the data size is negative, or a message to be written cannot
	// be represented in a header. The wrapping error carries the sizes.
	ErrTooLarge = errors.New("max message size exceeded")

	// ErrAnnotations: the annotation chunks are malformed (a chunk runs past
	// annotations_size, bytes are left over, a key is not 4 printable ASCII
	// bytes, a key is repeated) or, when writing, a chunk cannot be encoded.
	ErrAnnotations = errors.New("malformed annotation chunks")

	// ErrMACMismatch: the message's MAC chunk does not verify.
	ErrMACMismatch = errors.New("message hmac mismatch")

	// ErrMACNotSymmetric: the message carries a MAC chunk although the
	// receiver has no authenticator, or it carries none although the
	// receiver has one.
	ErrMACNotSymmetric = errors.New("hmac key config not symmetric")

	// ErrDecompress: a payload flagged COMPRESSED is not a valid zlib
	// stream (bad header, corrupt data, bad checksum, truncated, or bytes
	// after the end of the stream).
	ErrDecompress = errors.New("invalid compressed payload")

	// ErrDecompressedTooLarge: a compressed payload inflates to more than
	// Limits.MaxDecompressedSize bytes. Inflation stops as soon as the limit
	// is passed.
	ErrDecompressedTooLarge = errors.New("decompressed payload too large")
)
