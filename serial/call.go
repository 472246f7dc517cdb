package serial

import (
	"fmt"

	"github.com/flintrpc/flint/value"
)

// Call is the payload of a Pyro4 MSG_INVOKE: which object, which method, the
// positional arguments and the keyword arguments (nil when the peer sent
// None).
//
// A batched call (Pyro4's "<batch>", sent with the batch flag) carries its
// calls in Batch instead of Args: on the wire they are the positional
// arguments, one (method, args, kwargs) triple each. [EncodeCall] encodes
// Batch when it is not nil, in place of Args; [DecodeBatchCall] fills it.
type Call struct {
	Object string
	Method string
	Args   []any
	Kwargs *value.Dict
	Batch  []BatchItem
}

// BatchItem is one call of a batched call.
type BatchItem struct {
	Method string
	Args   []any
	// Kwargs are the keyword arguments; nil is sent as None.
	Kwargs *value.Dict
	// Malformed is set by decoding on an item that is not a sequence of
	// three: it names no call. (An item of three whose method is not a
	// str, whose arguments are not a sequence or whose keyword arguments
	// are not a dict decodes with the zero value in that field.)
	Malformed bool
}

// BatchEncoder is implemented by serializers that encode a batched call
// (a [Call] with Batch set) themselves, without building the generic value
// tree. AppendBatchCall must append exactly the bytes that Marshal of that
// tree would, and like Marshal return dst unchanged on error.
type BatchEncoder interface {
	AppendBatchCall(dst []byte, c Call) ([]byte, error)
}

// BatchAppender is implemented by serializers that can encode the items of
// a batched call one at a time, as a client queues them, and then the call
// around them. AppendBatchItem appends one item as it appears inside the
// call's encoding; AppendBatchFrame appends the whole call c (its Batch
// ignored) with items, the concatenated encodings of n items, in place of
// its items. The result must be the bytes [EncodeCall] gives for c with
// those items, and both return dst unchanged on error.
type BatchAppender interface {
	AppendBatchItem(dst []byte, it BatchItem) ([]byte, error)
	AppendBatchFrame(dst []byte, c Call, n int, items []byte) ([]byte, error)
}

// BatchDecoder is implemented by serializers that decode a batched call
// straight into [BatchItem]s. UnmarshalBatchCall returns ok false when the
// payload is not in the shape it handles, or is not valid at all; the
// caller then decodes it the generic way, which gives the result or the
// error. So a payload it accepts must decode to exactly what the generic
// way gives, within the same limits, except that empty keyword arguments
// (an item's or the call's) may come back as nil (a call without keyword
// arguments either way).
type BatchDecoder interface {
	UnmarshalBatchCall(data []byte, lim Limits) (c Call, ok bool)
}

// CallDecoder is implemented by serializers that decode the payload of an
// ordinary (not batched) call straight into a [Call], without the generic
// value tree (which costs an interface box per field). UnmarshalCall
// returns ok false when the payload is not in the shape it handles, or is
// not valid at all; [DecodeCall] then decodes it the generic way, which
// gives the result or the error. So a payload it accepts must decode to
// exactly what the generic way gives, within the same limits, except that
// empty positional or keyword arguments may come back as nil.
type CallDecoder interface {
	UnmarshalCall(data []byte, lim Limits) (c Call, ok bool)
}

// CallEncoder is implemented by serializers that encode a call (without
// Batch) straight from its fields rather than through the generic value
// tree. AppendCallSegments must give the bytes (and pieces) that
// [EncodeCallSegments] gives through the tree, and return dst unchanged on
// error; min 0 means no byte string is left out.
type CallEncoder interface {
	AppendCallSegments(dst []byte, c Call, min int) (buf []byte, segs [][]byte, err error)
}

// EncodeCall appends the encoding of c to dst in the shape Pyro4 uses for the
// serializer s: a 4-tuple for serpent and marshal (marshal sends the
// arguments as a list), an array for msgpack, and an object with the keys
// object, method, params and kwargs for json.
//
// A Call with Batch set is encoded with each item as a tuple (method,
// args, kwargs), args a tuple, by the serializer's [BatchEncoder] if it has
// one.
func EncodeCall(s Serializer, dst []byte, c Call) ([]byte, error) {
	if c.Batch != nil {
		if be, ok := s.(BatchEncoder); ok {
			return be.AppendBatchCall(dst, c)
		}
	} else if ce, ok := s.(CallEncoder); ok {
		buf, _, err := ce.AppendCallSegments(dst, c, 0)
		return buf, err
	}
	return s.Marshal(dst, callValue(s, c))
}

// EncodeCallSegments is EncodeCall that leaves the content of every []byte
// argument of at least min bytes out of buf when s is a [SegmentMarshaler]
// (see there for buf and segs). For other serializers, and for a batched
// call, it returns EncodeCall's encoding as buf and nil segs.
func EncodeCallSegments(s Serializer, dst []byte, c Call, min int) (buf []byte, segs [][]byte, err error) {
	if c.Batch != nil {
		buf, err = EncodeCall(s, dst, c)
		return buf, nil, err
	}
	if ce, ok := s.(CallEncoder); ok {
		return ce.AppendCallSegments(dst, c, min)
	}
	return MarshalSegments(s, dst, callValue(s, c), min)
}

// MarshalSegments is s's MarshalSegments when s is a [SegmentMarshaler],
// and s.Marshal (with nil segs) when it is not.
func MarshalSegments(s Serializer, dst []byte, v any, min int) (buf []byte, segs [][]byte, err error) {
	if sm, ok := s.(SegmentMarshaler); ok {
		return sm.MarshalSegments(dst, v, min)
	}
	buf, err = s.Marshal(dst, v)
	return buf, nil, err
}

// callValue is the model value of c in the shape s expects; a batched
// call's items become its arguments.
func callValue(s Serializer, c Call) any {
	if c.Batch != nil {
		c.Args = BatchArgs(c.Batch)
	}
	var kw any
	if c.Kwargs != nil {
		kw = c.Kwargs
	}
	switch s.ID() {
	case IDJSON:
		d := value.NewDict(4)
		d.Append("object", c.Object)
		d.Append("method", c.Method)
		d.Append("params", nonNil(c.Args))
		d.Append("kwargs", kw)
		return d
	case IDMarshal:
		return value.Tuple{c.Object, c.Method, nonNil(c.Args), kw}
	case IDMsgpack:
		return []any{c.Object, c.Method, nonNil(c.Args), kw}
	default:
		return value.Tuple{c.Object, c.Method, value.Tuple(nonNil(c.Args)), kw}
	}
}

func nonNil(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}

// DecodeCall decodes an INVOKE payload in any of the shapes EncodeCall
// writes, accepting a tuple or a list wherever Pyro4 peers send either.
func DecodeCall(s Serializer, data []byte, lim Limits) (Call, error) {
	if cd, ok := s.(CallDecoder); ok {
		if c, ok := cd.UnmarshalCall(data, lim); ok {
			return c, nil
		}
	}
	v, err := s.Unmarshal(data, lim)
	if err != nil {
		return Call{}, err
	}
	return CallFromValue(v)
}

// BatchArgs returns the positional arguments that carry items on the wire:
// a tuple (method, args, kwargs) per item, args a tuple and kwargs nil for
// None. A malformed item becomes None.
func BatchArgs(items []BatchItem) []any {
	args := make([]any, len(items))
	for i, it := range items {
		if it.Malformed {
			continue
		}
		var kw any
		if it.Kwargs != nil {
			kw = it.Kwargs
		}
		args[i] = value.Tuple{it.Method, value.Tuple(nonNil(it.Args)), kw}
	}
	return args
}

// DecodeBatchCall decodes the payload of an INVOKE sent with the batch
// flag: a call like [DecodeCall]'s whose positional arguments are the
// batch's items, returned in Batch (Args is nil). It uses the serializer's
// [BatchDecoder] if it has one.
func DecodeBatchCall(s Serializer, data []byte, lim Limits) (Call, error) {
	if bd, ok := s.(BatchDecoder); ok {
		if c, ok := bd.UnmarshalBatchCall(data, lim); ok {
			return c, nil
		}
	}
	c, err := DecodeCall(s, data, lim)
	if err != nil {
		return Call{}, err
	}
	c.Batch = BatchItems(c.Args)
	c.Args = nil
	return c, nil
}

// BatchItems interprets decoded positional arguments as the items of a
// batch. Every argument gives an item, Malformed if it is not a tuple or
// list of three, up to the first malformed one: a batch stops there, so
// the rest are left out (and a payload of many one-byte non-items costs no
// item each).
func BatchItems(args []any) []BatchItem {
	n := len(args)
	for i, a := range args {
		if BatchItemFromValue(a).Malformed {
			n = i + 1
			break
		}
	}
	items := make([]BatchItem, n)
	for i := range items {
		items[i] = BatchItemFromValue(args[i])
	}
	return items
}

// BatchItemFromValue interprets one decoded item of a batch.
func BatchItemFromValue(v any) BatchItem {
	var triple []any
	switch t := v.(type) {
	case value.Tuple:
		triple = t
	case []any:
		triple = t
	}
	if len(triple) != 3 {
		return BatchItem{Malformed: true}
	}
	var it BatchItem
	it.Method, _ = triple[0].(string)
	switch a := triple[1].(type) {
	case value.Tuple:
		it.Args = a
	case []any:
		it.Args = a
	}
	it.Kwargs, _ = triple[2].(*value.Dict)
	return it
}

// CallFromValue interprets an already decoded INVOKE payload.
func CallFromValue(v any) (Call, error) {
	var obj, method, args, kwargs any
	switch x := v.(type) {
	case *value.Dict:
		var ok1, ok2, ok3 bool
		obj, ok1 = x.GetString("object")
		method, ok2 = x.GetString("method")
		args, ok3 = x.GetString("params")
		if !ok1 || !ok2 || !ok3 {
			return Call{}, fmt.Errorf("%w: call dict lacks object, method or params", ErrMalformed)
		}
		kwargs, _ = x.GetString("kwargs")
	case value.Tuple:
		if len(x) != 4 {
			return Call{}, fmt.Errorf("%w: call tuple has %d items, want 4", ErrMalformed, len(x))
		}
		obj, method, args, kwargs = x[0], x[1], x[2], x[3]
	case []any:
		if len(x) != 4 {
			return Call{}, fmt.Errorf("%w: call array has %d items, want 4", ErrMalformed, len(x))
		}
		obj, method, args, kwargs = x[0], x[1], x[2], x[3]
	default:
		return Call{}, fmt.Errorf("%w: call payload is %T, want tuple", ErrMalformed, v)
	}
	var c Call
	var ok bool
	if c.Object, ok = obj.(string); !ok {
		return Call{}, fmt.Errorf("%w: object id is %T, want str", ErrMalformed, obj)
	}
	if c.Method, ok = method.(string); !ok {
		return Call{}, fmt.Errorf("%w: method name is %T, want str", ErrMalformed, method)
	}
	switch a := args.(type) {
	case value.Tuple:
		c.Args = a
	case []any:
		c.Args = a
	case nil:
	default:
		return Call{}, fmt.Errorf("%w: arguments are %T, want tuple or list", ErrMalformed, args)
	}
	switch k := kwargs.(type) {
	case *value.Dict:
		c.Kwargs = k
	case nil:
	default:
		return Call{}, fmt.Errorf("%w: keyword arguments are %T, want dict", ErrMalformed, kwargs)
	}
	return c, nil
}
