package marshal

import (
	"fmt"

	"github.com/flintrpc/flint/serial"
)

// Codec is the marshal serializer. The zero value is ready to use and it is
// safe for concurrent use.
type Codec struct{}

// New returns a marshal codec.
func New() *Codec { return &Codec{} }

var _ serial.Serializer = (*Codec)(nil)

// ID returns Pyro4's id for marshal, 3.
func (*Codec) ID() uint16 { return serial.IDMarshal }

// Name returns "marshal".
func (*Codec) Name() string { return "marshal" }

// Marshal appends the marshal encoding of v to dst. On error dst is returned
// with its original length, and the error wraps [serial.ErrUnsupported] (a
// type or value marshal cannot carry) or [serial.ErrLimit] (nesting deeper
// than the encoder allows, which also catches cyclic values).
func (*Codec) Marshal(dst []byte, v any) ([]byte, error) {
	e := encoder{buf: dst}
	if err := e.encode(v, false, 0); err != nil {
		return dst[:len(dst):len(dst)], err
	}
	return e.buf, nil
}

// MarshalSegments is Marshal that leaves the content of every []byte of at
// least min bytes out of buf (see [serial.SegmentMarshaler]).
func (*Codec) MarshalSegments(dst []byte, v any, min int) ([]byte, [][]byte, error) {
	e := encoder{buf: dst, segMin: max(min, 1)}
	if err := e.encode(v, false, 0); err != nil {
		return dst[:len(dst):len(dst)], nil, err
	}
	return e.buf, serial.Segments(e.buf, len(dst), e.cuts), nil
}

var _ serial.SegmentMarshaler = (*Codec)(nil)

// Unmarshal decodes one marshal object that spans all of data. Errors wrap
// [serial.ErrMalformed], [serial.ErrLimit] or [serial.ErrUnsupported]. A
// decoded []byte aliases data.
func (*Codec) Unmarshal(data []byte, lim serial.Limits) (any, error) {
	d := newDecoder(data, lim)
	v, _, err := d.value()
	if err != nil {
		return nil, err
	}
	if v == null {
		return nil, d.malformed(0, "NULL object at top level")
	}
	if d.pos != len(d.data) {
		return nil, d.malformed(d.pos, "%d trailing bytes after the object", len(d.data)-d.pos)
	}
	return v, nil
}

// errorf wraps sentinel with a marshal-specific message.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: marshal: "+format, append([]any{sentinel}, args...)...)
}
