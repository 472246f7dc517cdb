package jsonser

import (
	"fmt"

	"github.com/flintrpc/flint/serial"
)

// Codec is the json serializer. The zero value is ready to use and it is
// safe for concurrent use.
type Codec struct{}

// New returns a json codec.
func New() *Codec { return &Codec{} }

var _ serial.Serializer = (*Codec)(nil)

// ID returns Pyro4's id for json, 2.
func (*Codec) ID() uint16 { return serial.IDJSON }

// Name returns "json".
func (*Codec) Name() string { return "json" }

// Marshal appends the JSON encoding of v to dst, exactly as Pyro4's
// json.dumps(v, ensure_ascii=False) would write it. On error dst is returned
// with its original length and the error wraps [serial.ErrUnsupported] (a
// value JSON cannot carry) or [serial.ErrLimit] (nesting deeper than the
// encoder follows, which also catches cyclic values).
func (*Codec) Marshal(dst []byte, v any) ([]byte, error) {
	e := encoder{buf: dst}
	if err := e.encode(v, 0); err != nil {
		return dst[:len(dst):len(dst)], err
	}
	return e.buf, nil
}

// Unmarshal decodes one JSON document that spans all of data (surrounding
// whitespace allowed). Errors wrap [serial.ErrMalformed] or
// [serial.ErrLimit].
func (*Codec) Unmarshal(data []byte, lim serial.Limits) (any, error) {
	d := newDecoder(data, lim)
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, d.syntax("extra data after the document")
	}
	return v, nil
}

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: json: "+format, append([]any{sentinel}, args...)...)
}
