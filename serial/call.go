package serial

import (
	"fmt"

	"github.com/flintrpc/flint/value"
)

// Call is the payload of a Pyro4 MSG_INVOKE: which object, which method, the
// positional arguments and the keyword arguments (nil when the peer sent
// None).
type Call struct {
	Object string
	Method string
	Args   []any
	Kwargs *value.Dict
}

// EncodeCall appends the encoding of c to dst in the shape Pyro4 uses for the
// serializer s: a 4-tuple for serpent and marshal (marshal sends the
// arguments as a list), an array for msgpack, and an object with the keys
// object, method, params and kwargs for json.
func EncodeCall(s Serializer, dst []byte, c Call) ([]byte, error) {
	return s.Marshal(dst, callValue(s, c))
}

// EncodeCallSegments is EncodeCall that leaves the content of every []byte
// argument of at least min bytes out of buf when s is a [SegmentMarshaler]
// (see there for buf and segs). For other serializers it returns
// EncodeCall's encoding as buf and nil segs.
func EncodeCallSegments(s Serializer, dst []byte, c Call, min int) (buf []byte, segs [][]byte, err error) {
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

// callValue is the model value of c in the shape s expects.
func callValue(s Serializer, c Call) any {
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
	v, err := s.Unmarshal(data, lim)
	if err != nil {
		return Call{}, err
	}
	return CallFromValue(v)
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
