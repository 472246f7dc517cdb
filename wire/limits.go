package wire

// Default limits used by [Reader] when a [Limits] field is zero or negative.
// There is deliberately no "unlimited" setting: a peer-controlled length is
// always checked against a finite bound.
const (
	// DefaultMaxMessageSize bounds data_size + annotations_size as they
	// appear in the header (so the payload is measured still compressed).
	DefaultMaxMessageSize = 16 << 20
	// DefaultMaxDecompressedSize bounds the size of an inflated payload.
	DefaultMaxDecompressedSize = 16 << 20
)

// Limits bounds what a [Reader] accepts from its peer. A zero or negative
// field selects its default; to accept bigger messages set a bigger value.
type Limits struct {
	// MaxMessageSize is the largest data_size + annotations_size accepted,
	// as declared in the header (the payload counted as on the wire, still
	// compressed). It corresponds to Pyro4's MAX_MESSAGE_SIZE, except that
	// Pyro4's default is unlimited.
	MaxMessageSize int
	// MaxDecompressedSize is the largest payload accepted after inflating a
	// COMPRESSED message. Pyro4 has no such limit.
	MaxDecompressedSize int
}

// WithDefaults returns l with every zero or negative field replaced by its
// default.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = DefaultMaxMessageSize
	}
	if l.MaxDecompressedSize <= 0 {
		l.MaxDecompressedSize = DefaultMaxDecompressedSize
	}
	return l
}
