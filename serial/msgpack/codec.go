package msgpack

import "github.com/flintrpc/flint/serial"

// Codec is the msgpack serializer. The zero value is ready to use and it is
// safe for concurrent use.
type Codec struct{}

var _ serial.Serializer = (*Codec)(nil)

// New returns the msgpack codec.
func New() *Codec { return &Codec{} }

// ID returns serial.IDMsgpack (6).
func (*Codec) ID() uint16 { return serial.IDMsgpack }

// Name returns "msgpack".
func (*Codec) Name() string { return "msgpack" }
