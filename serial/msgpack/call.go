package msgpack

import (
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
)

var _ serial.CallDecoder = (*Codec)(nil)

// UnmarshalCall decodes data as the payload of an ordinary call within lim,
// when it has the shape Pyro4 and flint send: an array of object id (str),
// method name (str), an array of arguments and a map or nil. An empty map
// comes back as nil. For anything else, valid or
// not, it returns ok false, and serial.DecodeCall decodes the payload the
// generic way, which gives the result or the error. The limits are charged
// as Unmarshal charges them, in the same order, and checked before each
// allocation.
func (*Codec) UnmarshalCall(data []byte, lim serial.Limits) (c serial.Call, ok bool) {
	lim = lim.WithDefaults()
	d := decoder{data: data, depth: lim.MaxDepth, items: lim.MaxItems, bytes: lim.MaxBytes}
	if !d.arrayOf(4) {
		return c, false
	}
	if c.Object, ok = d.rawStr(); !ok {
		return c, false
	}
	if c.Method, ok = d.rawStr(); !ok {
		return c, false
	}
	if c.Args, ok = d.args(); !ok {
		return c, false
	}
	if c.Kwargs, ok = d.kwargsOrNil(); !ok {
		return c, false
	}
	d.depth++
	if d.pos != len(d.data) {
		return serial.Call{}, false
	}
	return c, true
}

// rawStr decodes a value that must be a str, with the checks and charges
// of value, and returns it unboxed.
func (d *decoder) rawStr() (string, bool) {
	if d.pos >= len(d.data) {
		return "", false
	}
	b := d.data[d.pos]
	var n int
	switch {
	case b >= 0xa0 && b <= 0xbf:
		d.pos++
		n = int(b & 0x1f)
	case b == 0xd9 || b == 0xda || b == 0xdb:
		d.pos++
		var err error
		if n, err = d.length(1 << (b - 0xd9)); err != nil {
			return "", false
		}
	default:
		return "", false
	}
	p, err := d.payload(n)
	if err != nil || !utf8.Valid(p) {
		return "", false
	}
	if n == 0 {
		return "", true
	}
	if len(d.data) > smallInput {
		return string(p), true
	}
	if d.text == "" {
		d.text = string(d.data)
	}
	return d.text[d.pos-n : d.pos], true
}
