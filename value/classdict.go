package value

// Pyro4 class dicts: the dicts with a "__class__" key that Pyro4's
// serializers use for objects. This file knows the exception forms and
// serpent's bytes dict; URIs and proxies belong to the packages that own
// those types.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrUnsafeClass reports a class name that Pyro4 refuses to deserialize
// (one containing "__"); a receiver must treat it as a security error.
var ErrUnsafeClass = errors.New("value: refused class name with double underscores")

// ExceptionWrapperClass is the class name of the wrapper Pyro4 puts around
// an exception in a batch result.
const ExceptionWrapperClass = "Pyro4.futures._ExceptionWrapper"

// tracebackKey is the exception attribute that carries the remote traceback.
const tracebackKey = "_pyroTraceback"

// CheckClassName applies Pyro4's rule for received class dicts: a class name
// containing "__" is refused with [ErrUnsafeClass].
func CheckClassName(name string) error {
	if strings.Contains(name, "__") {
		return fmt.Errorf("%w: %q", ErrUnsafeClass, truncate(name))
	}
	return nil
}

// ClassName returns the "__class__" of a class dict. ok is false when v is
// not a *Dict or has no "__class__" str (or bytes) value.
func ClassName(v any) (string, bool) {
	d, ok := v.(*Dict)
	if !ok {
		return "", false
	}
	c, ok := d.GetString("__class__")
	if !ok {
		return "", false
	}
	switch s := c.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}

// BytesFromBase64Dict returns the bytes held in serpent's encoding of a
// bytes value, {"data": "<base64>", "encoding": "base64"}. Like
// serpent.tobytes it looks only at those two keys. ok is false for any other
// value, including a dict whose data is not valid base64.
func BytesFromBase64Dict(v any) ([]byte, bool) {
	d, ok := v.(*Dict)
	if !ok {
		return nil, false
	}
	data, ok := base64DictData(d)
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, false
	}
	return b, true
}

// base64DictData returns the "data" string of a serpent bytes dict.
func base64DictData(d *Dict) (string, bool) {
	if d == nil {
		return "", false
	}
	enc, ok := d.GetString("encoding")
	if s, isStr := enc.(string); !ok || !isStr || s != "base64" {
		return "", false
	}
	data, ok := d.GetString("data")
	if !ok {
		return "", false
	}
	s, ok := data.(string)
	return s, ok
}

// Exception is a Python exception as Pyro4 sends it: a class dict with
// "__exception__": True.
type Exception struct {
	// Class is the module-qualified class name, e.g. "builtins.ValueError"
	// or "Pyro4.errors.NamingError". Check it with [CheckClassName] before
	// acting on it.
	Class string
	// Args are the exception's args (a tuple on the wire).
	Args []any
	// Attributes are the other attributes (vars(exc)) except the
	// traceback. Nil means none.
	Attributes *Dict
	// Traceback holds the remote traceback lines, or nil if none was sent.
	// It may reveal server paths and source; show it with care.
	Traceback []string
}

// ParseException recognises an exception class dict: a *Dict with a
// "__class__" str, "__exception__" True and "args" as a tuple or list (json
// and msgpack send lists), with an optional "attributes" dict. The
// "_pyroTraceback" attribute moves to Traceback: a list or tuple of str (other
// items are skipped), a single str becomes one line, and anything else
// (None included) gives nil. Args and Traceback share no state with v's
// containers except the argument values themselves.
func ParseException(v any) (*Exception, bool) {
	d, ok := v.(*Dict)
	if !ok {
		return nil, false
	}
	class, ok := ClassName(d)
	if !ok {
		return nil, false
	}
	if flag, ok := d.GetString("__exception__"); !ok || flag != true {
		return nil, false
	}
	rawArgs, ok := d.GetString("args")
	if !ok {
		return nil, false
	}
	var args []any
	switch a := rawArgs.(type) {
	case Tuple:
		args = append([]any{}, a...)
	case []any:
		args = append([]any{}, a...)
	default:
		return nil, false
	}
	e := &Exception{Class: class, Args: args}
	rawAttrs, ok := d.GetString("attributes")
	if !ok || rawAttrs == nil {
		return e, true
	}
	attrs, ok := rawAttrs.(*Dict)
	if !ok {
		return nil, false
	}
	for _, it := range attrs.Items {
		if k, ok := it.Key.(string); ok && k == tracebackKey {
			e.Traceback = tracebackLines(it.Value)
			continue
		}
		if e.Attributes == nil {
			e.Attributes = NewDict(len(attrs.Items))
		}
		e.Attributes.Append(it.Key, it.Value)
	}
	return e, true
}

func tracebackLines(v any) []string {
	var items []any
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		items = x
	case Tuple:
		items = x
	default:
		return nil
	}
	lines := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			lines = append(lines, s)
		}
	}
	return lines
}

// Value builds the class dict Pyro4 sends for e, with keys in Pyro4's order:
// "__class__", "__exception__", "args" (a Tuple), "attributes". The
// attributes dict holds e.Attributes (minus any "_pyroTraceback" item) and
// then "_pyroTraceback": the traceback lines as a list of str, or None when
// Traceback is nil (as Pyro4 sends for the stream-start reply).
func (e *Exception) Value() *Dict {
	args := Tuple(e.Args)
	if args == nil {
		args = Tuple{}
	}
	attrs := NewDict(e.Attributes.Len() + 1)
	if e.Attributes != nil {
		for _, it := range e.Attributes.Items {
			if k, ok := it.Key.(string); ok && k == tracebackKey {
				continue
			}
			attrs.Append(it.Key, it.Value)
		}
	}
	var tb any
	if e.Traceback != nil {
		lines := make([]any, len(e.Traceback))
		for i, l := range e.Traceback {
			lines[i] = l
		}
		tb = lines
	}
	attrs.Append(tracebackKey, tb)
	d := NewDict(4)
	d.Append("__class__", e.Class)
	d.Append("__exception__", true)
	d.Append("args", args)
	d.Append("attributes", attrs)
	return d
}

// ParseExceptionWrapper recognises the batch-result wrapper
// {"__class__": "Pyro4.futures._ExceptionWrapper", "exception": <exception
// dict>} and returns the exception inside.
func ParseExceptionWrapper(v any) (*Exception, bool) {
	class, ok := ClassName(v)
	if !ok || class != ExceptionWrapperClass {
		return nil, false
	}
	inner, ok := v.(*Dict).GetString("exception")
	if !ok {
		return nil, false
	}
	return ParseException(inner)
}

// ExceptionWrapperValue builds the batch-result wrapper dict for e.
func ExceptionWrapperValue(e *Exception) *Dict {
	d := NewDict(2)
	d.Append("__class__", ExceptionWrapperClass)
	d.Append("exception", e.Value())
	return d
}
