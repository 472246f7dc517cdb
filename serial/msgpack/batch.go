package msgpack

import (
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// Batched calls. A batch of a thousand calls is a thousand (method, args,
// kwargs) triples, each with its own argument list; through the generic
// value tree every triple and every argument list costs an interface box
// on both sides. AppendBatchCall writes the call straight from its items
// and UnmarshalBatchCall decodes the common shape straight into them.

var (
	_ serial.BatchEncoder  = (*Codec)(nil)
	_ serial.BatchAppender = (*Codec)(nil)
	_ serial.BatchDecoder  = (*Codec)(nil)
)

// AppendBatchCall appends the encoding of c, a call with Batch set, to dst:
// the bytes Marshal gives for the array that serial.EncodeCall would build
// (object, method, a list of [method, args, kwargs] items, kwargs). On
// error dst is returned unchanged.
func (*Codec) AppendBatchCall(dst []byte, c serial.Call) ([]byte, error) {
	b, err := appendBatchHead(dst, c, len(c.Batch))
	for i := 0; err == nil && i < len(c.Batch); i++ {
		b, err = appendBatchItem(b, &c.Batch[i])
	}
	if err == nil {
		b, err = appendKwargs(b, c.Kwargs, maxEncodeDepth-1)
	}
	if err != nil {
		return dst, err
	}
	return b, nil
}

// AppendBatchItem appends the encoding of one item of a batched call, as
// AppendBatchCall writes it. On error dst is returned unchanged.
func (*Codec) AppendBatchItem(dst []byte, it serial.BatchItem) ([]byte, error) {
	b, err := appendBatchItem(dst, &it)
	if err != nil {
		return dst, err
	}
	return b, nil
}

// AppendBatchFrame appends the encoding of c with items, the encodings of
// n items by AppendBatchItem, as its items: what AppendBatchCall gives for
// c with those items. On error dst is returned unchanged.
func (*Codec) AppendBatchFrame(dst []byte, c serial.Call, n int, items []byte) ([]byte, error) {
	b, err := appendBatchHead(dst, c, n)
	if err == nil {
		b, err = appendKwargs(append(b, items...), c.Kwargs, maxEncodeDepth-1)
	}
	if err != nil {
		return dst, err
	}
	return b, nil
}

// appendBatchHead writes the call array's header, the object id, the
// method name and the header of the list of n items.
func appendBatchHead(b []byte, c serial.Call, n int) ([]byte, error) {
	b = append(b, 0x94)
	b, err := appendStr(b, c.Object)
	if err != nil {
		return b, err
	}
	if b, err = appendStr(b, c.Method); err != nil {
		return b, err
	}
	return appendContainerHeader(b, n, 0x90, 0xdc, 0xdd)
}

// appendBatchItem writes one item. The depths are those appendValue
// passes down: the call array at maxEncodeDepth, its list of items one
// below, an item two below and the item's parts three below.
func appendBatchItem(b []byte, it *serial.BatchItem) ([]byte, error) {
	if it.Malformed {
		return append(b, 0xc0), nil // serial.BatchArgs sends None
	}
	b = append(b, 0x93)
	b, err := appendStr(b, it.Method)
	if err != nil {
		return b, err
	}
	if b, err = encodeArray(b, it.Args, maxEncodeDepth-3, nil); err != nil {
		return b, err
	}
	return appendKwargs(b, it.Kwargs, maxEncodeDepth-3)
}

// appendKwargs writes keyword arguments, None for nil.
func appendKwargs(b []byte, kw *value.Dict, depth int) ([]byte, error) {
	if kw == nil {
		return append(b, 0xc0), nil
	}
	return encodeMap(b, kw, depth, nil)
}

// UnmarshalBatchCall decodes data as the payload of a batched call within
// lim, into Batch, when it has the shape Pyro4 and flint send: an array of
// object id, method name, a list of [str, array, map or nil] items, and a
// map or nil. An item's empty map comes back as nil. For anything else, valid or not, it returns ok false, and
// serial.DecodeBatchCall decodes the payload the generic way, which gives
// the result or the error. The limits are charged exactly as Unmarshal
// charges them, in the same order, and checked before each allocation.
func (*Codec) UnmarshalBatchCall(data []byte, lim serial.Limits) (c serial.Call, ok bool) {
	lim = lim.WithDefaults()
	d := decoder{data: data, depth: lim.MaxDepth, items: lim.MaxItems, bytes: lim.MaxBytes}
	c, ok = d.batchCall()
	if !ok || d.pos != len(d.data) {
		return serial.Call{}, false
	}
	return c, true
}

// arrayHeader reads an array header, or returns ok false (having read
// nothing, or a truncated header) if the next value is not an array.
func (d *decoder) arrayHeader() (n int, ok bool) {
	if d.pos >= len(d.data) {
		return 0, false
	}
	b := d.data[d.pos]
	switch {
	case b >= 0x90 && b <= 0x9f:
		d.pos++
		return int(b & 0x0f), true
	case b == 0xdc || b == 0xdd:
		d.pos++
		n, err := d.length(2 << (b - 0xdc))
		return n, err == nil
	}
	return 0, false
}

// arrayOf reads an array header as arrayN does before the elements
// (charging the limits and going one level down) and says whether it
// announces exactly want elements.
func (d *decoder) arrayOf(want int) bool {
	n, ok := d.arrayHeader()
	if !ok || n != want || d.container(n, 1) != nil {
		return false
	}
	d.depth--
	return true
}

// strValue decodes a value that must be a str.
func (d *decoder) strValue() (string, bool) {
	v, err := d.value()
	s, ok := v.(string)
	return s, ok && err == nil
}

// args decodes a value that must be an array, as arrayN does (the limits
// charged alike), into its elements.
func (d *decoder) args() ([]any, bool) {
	n, ok := d.arrayHeader()
	if !ok || d.container(n, 1) != nil {
		return nil, false
	}
	d.depth--
	a, err := d.elements(n)
	if err != nil {
		return nil, false
	}
	d.depth++
	return a, true
}

// kwargsOrNil is kwargs, except that an empty map gives nil rather than a
// Dict each, as serial.CallDecoder and serial.BatchDecoder allow; the
// limits see an empty map.
func (d *decoder) kwargsOrNil() (*value.Dict, bool) {
	if d.pos < len(d.data) && d.data[d.pos] == 0x80 {
		if d.container(0, 2) != nil {
			return nil, false
		}
		d.pos++
		return nil, true
	}
	return d.kwargs()
}

// kwargs decodes a value that must be a map or nil.
func (d *decoder) kwargs() (*value.Dict, bool) {
	v, err := d.value()
	if err != nil {
		return nil, false
	}
	switch k := v.(type) {
	case nil:
		return nil, true
	case *value.Dict:
		return k, true
	}
	return nil, false
}

// minBatchItem is the fewest bytes a batch item of the handled shape takes:
// a fixarray header, an empty str, an empty array and nil.
const minBatchItem = 4

func (d *decoder) batchCall() (c serial.Call, ok bool) {
	if !d.arrayOf(4) {
		return c, false
	}
	if c.Object, ok = d.strValue(); !ok {
		return c, false
	}
	if c.Method, ok = d.strValue(); !ok {
		return c, false
	}
	n, ok := d.arrayHeader()
	if !ok || d.container(n, 1) != nil || n > (len(d.data)-d.pos)/minBatchItem {
		return c, false
	}
	d.depth--
	c.Batch = make([]serial.BatchItem, n)
	for i := range c.Batch {
		it := &c.Batch[i]
		if !d.arrayOf(3) {
			return c, false
		}
		if it.Method, ok = d.strValue(); !ok {
			return c, false
		}
		if it.Args, ok = d.args(); !ok {
			return c, false
		}
		if it.Kwargs, ok = d.kwargsOrNil(); !ok {
			return c, false
		}
		d.depth++
	}
	d.depth++
	if c.Kwargs, ok = d.kwargs(); !ok {
		return c, false
	}
	d.depth++
	return c, true
}

var _ serial.CallEncoder = (*Codec)(nil)

// AppendCallSegments appends the encoding of c, a call without Batch, as
// serial.EncodeCallSegments would through the generic value tree, but
// without building the tree (which costs an interface box per field).
// Byte strings of at least min bytes are left out as in MarshalSegments;
// min 0 leaves none out. On error dst is returned unchanged.
func (*Codec) AppendCallSegments(dst []byte, c serial.Call, min int) ([]byte, [][]byte, error) {
	var e *segmenter
	if min > 0 {
		e = &segmenter{min: min}
	}
	b, err := appendBatchHead(dst, c, len(c.Args))
	for i := 0; err == nil && i < len(c.Args); i++ {
		b, err = encodeValue(b, c.Args[i], maxEncodeDepth-2, e)
	}
	if err == nil && c.Kwargs != nil {
		b, err = encodeMap(b, c.Kwargs, maxEncodeDepth-1, e)
	} else if err == nil {
		b = append(b, 0xc0)
	}
	if err != nil {
		return dst, nil, err
	}
	if e == nil {
		return b, nil, nil
	}
	return b, serial.Segments(b, len(dst), e.cuts), nil
}
