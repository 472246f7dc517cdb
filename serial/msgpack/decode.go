package msgpack

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"time"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// Unmarshal decodes data, which must hold exactly one msgpack value, within
// lim (zero fields take their defaults). The result aliases data: see the
// package documentation.
func (*Codec) Unmarshal(data []byte, lim serial.Limits) (any, error) {
	lim = lim.WithDefaults()
	d := decoder{data: data, depth: lim.MaxDepth, items: lim.MaxItems, bytes: lim.MaxBytes}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.data) {
		return nil, fmt.Errorf("%w: msgpack: %d trailing bytes after the value", serial.ErrMalformed, len(d.data)-d.pos)
	}
	return v, nil
}

// decoder walks data once. depth, items and bytes count down what the
// limits still allow.
type decoder struct {
	data  []byte
	pos   int
	depth int
	items int
	bytes int

	// text is a string copy of a small input, made at the first str, so
	// that every str of the payload is a substring of one allocation.
	text string
	// slab backs small arrays, so that a payload of many short arrays does
	// not pay one allocation each.
	slab []any
	// dicts backs the Dict headers of maps, likewise.
	dicts []value.Dict
	// strs remembers the last short strings of a large input, boxed, by a
	// hash of their bytes: a payload repeating a method name or a dict key
	// (a batch, a list of records) then pays for each distinct string once
	// instead of a copy and a box per occurrence.
	strs [strCache]any
}

// Allocation batching for small inputs and arrays. A decoded value may keep
// a whole text copy or slab alive, so both are kept small.
const (
	smallInput = 4096 // inputs up to this size share one string copy
	slabArray  = 16   // arrays up to this length come from the slab
	slabSize   = 64   // elements per slab
	dictSlab   = 16   // Dict headers per slab
	strCache   = 64   // entries of the string cache (a power of 2)
	cachedStr  = 32   // longest string kept in it
)

func (d *decoder) malformed(what string) error {
	return fmt.Errorf("%w: msgpack: %s at offset %d", serial.ErrMalformed, what, d.pos)
}

func (d *decoder) truncated(need int) error {
	return fmt.Errorf("%w: msgpack: need %d bytes at offset %d, have %d", serial.ErrMalformed, need, d.pos, len(d.data)-d.pos)
}

// take returns the next n bytes without copying. n comes from the peer, so
// it is compared with what remains before anything else happens.
func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.data)-d.pos {
		return nil, d.truncated(n)
	}
	b := d.data[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return b, nil
}

// length reads a big-endian unsigned length of size 1, 2 or 4 bytes.
func (d *decoder) length(size int) (int, error) {
	b, err := d.take(size)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return int(b[0]), nil
	case 2:
		return int(binary.BigEndian.Uint16(b)), nil
	default:
		return int(binary.BigEndian.Uint32(b)), nil
	}
}

// payload takes n bytes of str, bin or ext data, charging them to the byte
// limit.
func (d *decoder) payload(n int) ([]byte, error) {
	b, err := d.take(n)
	if err != nil {
		return nil, err
	}
	if n > d.bytes {
		return nil, fmt.Errorf("%w: msgpack: more than %d bytes of str/bin/ext data", serial.ErrLimit, d.bytes)
	}
	d.bytes -= n
	return b, nil
}

func (d *decoder) value() (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.truncated(1)
	}
	b := d.data[d.pos]
	d.pos++
	switch {
	case b <= 0x7f:
		return int64(b), nil
	case b >= 0xe0:
		return int64(int8(b)), nil
	case b <= 0x8f:
		return d.mapN(int(b & 0x0f))
	case b <= 0x9f:
		return d.arrayN(int(b & 0x0f))
	case b <= 0xbf:
		return d.str(int(b & 0x1f))
	}
	switch b {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6: // bin 8/16/32
		n, err := d.length(1 << (b - 0xc4))
		if err != nil {
			return nil, err
		}
		return d.payload(n)
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32
		n, err := d.length(1 << (b - 0xc7))
		if err != nil {
			return nil, err
		}
		return d.ext(n)
	case 0xca:
		p, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	case 0xcb:
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case 0xcc:
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return int64(p[0]), nil
	case 0xcd:
		p, err := d.take(2)
		if err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint16(p)), nil
	case 0xce:
		p, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint32(p)), nil
	case 0xcf:
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		u := binary.BigEndian.Uint64(p)
		if u > math.MaxInt64 {
			return new(big.Int).SetUint64(u), nil
		}
		return int64(u), nil
	case 0xd0:
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return int64(int8(p[0])), nil
	case 0xd1:
		p, err := d.take(2)
		if err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(p))), nil
	case 0xd2:
		p, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(p))), nil
	case 0xd3:
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(p)), nil
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1/2/4/8/16
		return d.ext(1 << (b - 0xd4))
	case 0xd9, 0xda, 0xdb: // str 8/16/32
		n, err := d.length(1 << (b - 0xd9))
		if err != nil {
			return nil, err
		}
		return d.str(n)
	case 0xdc, 0xdd: // array 16/32
		n, err := d.length(2 << (b - 0xdc))
		if err != nil {
			return nil, err
		}
		return d.arrayN(n)
	case 0xde, 0xdf: // map 16/32
		n, err := d.length(2 << (b - 0xde))
		if err != nil {
			return nil, err
		}
		return d.mapN(n)
	}
	d.pos--
	return nil, d.malformed(fmt.Sprintf("reserved type byte 0x%02x", b))
}

func (d *decoder) str(n int) (any, error) {
	b, err := d.payload(n)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		d.pos -= n
		return nil, d.malformed("str is not valid UTF-8")
	}
	if n == 0 {
		return "", nil
	}
	if len(d.data) > smallInput {
		if n > cachedStr {
			return string(b), nil
		}
		h := uint(n)
		for _, c := range b {
			h = h*31 + uint(c)
		}
		slot := &d.strs[h&(strCache-1)]
		if s, ok := (*slot).(string); ok && s == string(b) {
			return *slot, nil
		}
		var v any = string(b)
		*slot = v
		return v, nil
	}
	if d.text == "" {
		d.text = string(d.data)
	}
	return d.text[d.pos-n : d.pos], nil
}

// container checks a container header announcing n elements, each at least
// minSize bytes long, against the input that remains and the limits, before
// anything is allocated for it.
func (d *decoder) container(n, minSize int) error {
	if n > (len(d.data)-d.pos)/minSize {
		return d.truncated(n * minSize)
	}
	if n > d.items {
		return fmt.Errorf("%w: msgpack: more than %d container elements", serial.ErrLimit, d.items)
	}
	if d.depth <= 0 {
		return fmt.Errorf("%w: msgpack: nesting deeper than the depth limit", serial.ErrLimit)
	}
	d.items -= n
	return nil
}

func (d *decoder) arrayN(n int) (any, error) {
	if err := d.container(n, 1); err != nil {
		return nil, err
	}
	d.depth--
	a, err := d.elements(n)
	if err != nil {
		return nil, err
	}
	d.depth++
	return a, nil
}

// elements decodes the n elements of an array whose header container
// has checked.
func (d *decoder) elements(n int) ([]any, error) {
	var a []any
	if n <= slabArray && n > 0 {
		if len(d.slab) < n {
			// Every element still to come needs at least a byte of
			// input, most need two or more; size the slab by that.
			d.slab = make([]any, max(n, min(slabSize, (len(d.data)-d.pos)/2)))
		}
		a, d.slab = d.slab[:n:n], d.slab[n:]
	} else {
		a = make([]any, n)
	}
	for i := range a {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		a[i] = v
	}
	return a, nil
}

// linearKeys is the largest map whose duplicate keys are found by a linear
// scan; larger maps use a hash index.
const linearKeys = 8

func (d *decoder) mapN(n int) (any, error) {
	if err := d.container(n, 2); err != nil {
		return nil, err
	}
	if n == 0 {
		return d.dict(nil), nil
	}
	d.depth--
	items := make([]value.Item, 0, n)
	var index map[any]int
	if n > linearKeys {
		index = make(map[any]int, n)
	}
	for range n {
		k, err := d.key()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if index != nil {
			h := hashKey(k)
			if j, ok := index[h]; ok {
				items[j].Value = v
				continue
			}
			index[h] = len(items)
		} else if j := findKey(items, k); j >= 0 {
			items[j].Value = v
			continue
		}
		items = append(items, value.Item{Key: k, Value: v})
	}
	d.depth++
	return d.dict(items), nil
}

// dict returns a new Dict holding items, its header taken from a slab.
func (d *decoder) dict(items []value.Item) *value.Dict {
	if len(d.dicts) == 0 {
		// Every map still to come needs a byte of input at least.
		d.dicts = make([]value.Dict, max(1, min(dictSlab, (len(d.data)-d.pos)/2)))
	}
	dd := &d.dicts[0]
	d.dicts = d.dicts[1:]
	dd.Items = items
	return dd
}

// key decodes a map key. Arrays become tuples, as they must be hashable in
// Python; maps are refused.
func (d *decoder) key() (any, error) {
	start := d.pos
	k, err := d.value()
	if err != nil {
		return nil, err
	}
	switch k.(type) {
	case []any, *value.Dict:
		k, err = hashable(k)
		if err != nil {
			d.pos = start
			return nil, d.unsupported(err.Error())
		}
	}
	return k, nil
}

func (d *decoder) unsupported(what string) error {
	return fmt.Errorf("%w: msgpack: %s at offset %d", serial.ErrUnsupported, what, d.pos)
}

func hashable(k any) (any, error) {
	switch x := k.(type) {
	case *value.Dict:
		return nil, fmt.Errorf("map used as a map key")
	case []any:
		t := value.Tuple(x)
		for i, e := range t {
			h, err := hashable(e)
			if err != nil {
				return nil, err
			}
			t[i] = h
		}
		return t, nil
	}
	return k, nil
}

// findKey returns the index of the item whose key equals k, or -1.
func findKey(items []value.Item, k any) int {
	switch x := k.(type) {
	case string:
		for i := range items {
			if s, ok := items[i].Key.(string); ok && s == x {
				return i
			}
		}
		return -1
	case int64:
		for i := range items {
			if y, ok := items[i].Key.(int64); ok && y == x {
				return i
			}
		}
		return -1
	}
	for i := range items {
		if value.Equal(items[i].Key, k) {
			return i
		}
	}
	return -1
}

// canonKey is the hash index key of a map key whose Go value is not a
// usable Go map key with value.Equal semantics.
type canonKey string

// hashKey returns a comparable value such that hashKey(a) == hashKey(b)
// exactly when value.Equal(a, b), for the keys the decoder produces.
func hashKey(k any) any {
	switch k.(type) {
	case nil, bool, int64, string, value.Date:
		return k
	}
	return canonKey(appendCanon(nil, k))
}

// appendCanon appends an unambiguous byte form of a decoded key.
func appendCanon(b []byte, k any) []byte {
	switch x := k.(type) {
	case nil:
		return append(b, 'N')
	case bool:
		if x {
			return append(b, 'T')
		}
		return append(b, 'F')
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 'i'), uint64(x))
	case *big.Int:
		s := x.String()
		return append(binary.AppendUvarint(append(b, 'I'), uint64(len(s))), s...)
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'f'), floatBits(x))
	case complex128:
		b = binary.BigEndian.AppendUint64(append(b, 'c'), floatBits(real(x)))
		return binary.BigEndian.AppendUint64(b, floatBits(imag(x)))
	case string:
		return append(binary.AppendUvarint(append(b, 's'), uint64(len(x))), x...)
	case []byte:
		return append(binary.AppendUvarint(append(b, 'b'), uint64(len(x))), x...)
	case value.Date:
		return fmt.Appendf(append(b, 'd'), "%d-%d-%d;", x.Year, x.Month, x.Day)
	case value.Ext:
		b = append(b, 'e', byte(x.Code))
		return append(binary.AppendUvarint(b, uint64(len(x.Data))), x.Data...)
	case value.Tuple:
		b = binary.AppendUvarint(append(b, '('), uint64(len(x)))
		for _, e := range x {
			b = appendCanon(b, e)
		}
		return b
	case time.Time:
		b = binary.BigEndian.AppendUint64(append(b, 't'), uint64(x.Unix()))
		return binary.BigEndian.AppendUint32(b, uint32(x.Nanosecond()))
	default:
		return fmt.Appendf(append(b, '?'), "%T:%v;", k, k)
	}
}

// floatBits returns the bits of f with every NaN mapped to one pattern, as
// value.Equal treats all NaNs as equal.
func floatBits(f float64) uint64 {
	if f != f {
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}
