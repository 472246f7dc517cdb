// Package value is flint's model of the values that cross the wire.
//
// Pyro4 peers exchange Python values. Every serializer in flint decodes into,
// and encodes from, the same small set of Go types, so that codecs, the
// binder and the dispatcher agree on one representation:
//
//	Python            Go (decoded form)
//	None              nil
//	bool              bool
//	int               int64, or *big.Int when it does not fit in int64
//	float             float64
//	complex           complex128
//	str               string
//	bytes/bytearray   []byte
//	list              []any
//	tuple             Tuple
//	set/frozenset     Set
//	dict              *Dict (keeps insertion order)
//	datetime          time.Time (naive datetimes are decoded in time.Local)
//	date              Date
//	Decimal           Decimal (encode only; peers send it as str)
//	UUID              UUID (encode only; peers send it as str)
//	msgpack ext       Ext (codes the codec does not map)
//
// Encoders also accept Go's other integer kinds (int, int32, uint8, ...) and
// float32, so callers need not convert first. Everything else goes through
// the binder ([From]) first, which maps structs, typed slices and maps onto
// this model.
//
// Python class dicts ({"__class__": ...}) stay dicts here; helpers such as
// [ParseException] recognise the ones Pyro4 defines.
package value

import (
	"encoding/hex"
	"fmt"
	"time"
)

// Tuple is a Python tuple.
type Tuple []any

// Set is a Python set or frozenset. Order is the wire order; it carries no
// meaning.
type Set []any

// Decimal is a Python decimal.Decimal in its string form. Pyro4's serializers
// send decimals as strings, so decoders never produce this type.
type Decimal string

// UUID is a Python uuid.UUID. Pyro4's serializers send UUIDs as strings, so
// decoders never produce this type.
type UUID [16]byte

// String returns the canonical 8-4-4-4-12 hex form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// Date is a Python datetime.date (a calendar day with no time or zone).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String returns the ISO 8601 form, as Python's date.isoformat does.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Ext is a msgpack extension value whose code the msgpack codec does not map
// onto another type of this model.
type Ext struct {
	Code int8
	Data []byte
}

// Item is one key/value pair of a [Dict].
type Item struct {
	Key   any
	Value any
}

// Dict is a Python dict. It keeps insertion order, which Pyro4's serializers
// preserve on the wire, and allows keys of any model type (Python allows
// tuples, ints and strings as keys). Lookups are linear, which is faster than
// hashing for the small dicts RPC calls carry.
//
// The zero value is an empty dict ready to use.
type Dict struct {
	Items []Item
}

// NewDict returns an empty dict with room for n items.
func NewDict(n int) *Dict { return &Dict{Items: make([]Item, 0, n)} }

// Len returns the number of items.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.Items)
}

// Get returns the value stored under key, compared with [Equal].
func (d *Dict) Get(key any) (any, bool) {
	if d == nil {
		return nil, false
	}
	if s, ok := key.(string); ok {
		return d.GetString(s)
	}
	for i := range d.Items {
		if Equal(d.Items[i].Key, key) {
			return d.Items[i].Value, true
		}
	}
	return nil, false
}

// GetString returns the value stored under the string key k.
func (d *Dict) GetString(k string) (any, bool) {
	if d == nil {
		return nil, false
	}
	for i := range d.Items {
		if s, ok := d.Items[i].Key.(string); ok && s == k {
			return d.Items[i].Value, true
		}
	}
	return nil, false
}

// Set stores v under key, replacing an existing equal key in place (as a
// Python dict does) or appending a new item.
func (d *Dict) Set(key, v any) {
	for i := range d.Items {
		if Equal(d.Items[i].Key, key) {
			d.Items[i].Value = v
			return
		}
	}
	d.Items = append(d.Items, Item{Key: key, Value: v})
}

// Append adds an item without looking for an existing key. Decoders use it
// when they know keys are unique or want the wire order kept verbatim; a
// later duplicate key then shadows nothing, so prefer [Dict.Set] elsewhere.
func (d *Dict) Append(key, v any) { d.Items = append(d.Items, Item{Key: key, Value: v}) }

// Delete removes key if present.
func (d *Dict) Delete(key any) {
	for i := range d.Items {
		if Equal(d.Items[i].Key, key) {
			d.Items = append(d.Items[:i], d.Items[i+1:]...)
			return
		}
	}
}
