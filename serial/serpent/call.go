package serpent

import (
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

var _ serial.CallEncoder = (*Codec)(nil)

// AppendCallSegments appends the encoding of c, a call without Batch: the
// bytes Marshal gives for the tuple serial.EncodeCall builds (object,
// method, the arguments as a tuple, the keyword arguments or None),
// written from the fields without building that tuple, which costs an
// interface box per field. Serpent has no binary type, so nothing is left
// out of buf whatever min is, and segs is nil. On error dst is returned
// unchanged.
func (*Codec) AppendCallSegments(dst []byte, c serial.Call, _ int) ([]byte, [][]byte, error) {
	b := append(dst, Header...)
	b = append(b, '(')
	b, err := appendStr(b, c.Object)
	if err == nil {
		b = append(b, ',')
		b, err = appendStr(b, c.Method)
	}
	if err == nil {
		b = append(b, ',')
		b, err = appendTuple(b, value.Tuple(c.Args), 1, false)
	}
	if err == nil {
		b = append(b, ',')
		if c.Kwargs != nil {
			b, err = appendDict(b, c.Kwargs, 1)
		} else {
			b = append(b, "None"...)
		}
	}
	if err != nil {
		return dst, nil, err
	}
	return append(b, ')'), nil, nil
}
