package secure

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// Call calls method with positional arguments and returns the result as a
// model value (see package value). Methods the daemon marked oneway return
// nil at once. A remote exception is returned as a *RemoteError.
func (p *Proxy) Call(ctx context.Context, method string, args ...any) (any, error) {
	return p.invoke(ctx, method, args, nil, 0)
}

// CallKw calls method with positional and keyword arguments.
func (p *Proxy) CallKw(ctx context.Context, method string, args []any, kwargs map[string]any) (any, error) {
	return p.invoke(ctx, method, args, kwargs, 0)
}

// Oneway sends a call without waiting for it to run; the daemon sends no
// reply, not even for errors.
func (p *Proxy) Oneway(ctx context.Context, method string, args ...any) error {
	_, err := p.invoke(ctx, method, args, nil, wire.FlagOneway)
	return err
}

// Call calls method on p and binds the result to T.
func Call[T any](ctx context.Context, p *Proxy, method string, args ...any) (T, error) {
	var out T
	v, err := p.Call(ctx, method, args...)
	if err != nil {
		return out, err
	}
	if err := value.Bind(v, &out); err != nil {
		return out, newError(ErrSerialize, err, "binding result of %s", method)
	}
	return out, nil
}

// GetAttr reads a remote attribute (Pyro4's proxy.attr).
func (p *Proxy) GetAttr(ctx context.Context, name string) (any, error) {
	return p.invokeRaw(ctx, "__getattr__", []any{name}, nil, 0, true)
}

// SetAttr writes a remote attribute (Pyro4's proxy.attr = v).
func (p *Proxy) SetAttr(ctx context.Context, name string, v any) error {
	_, err := p.invokeRaw(ctx, "__setattr__", []any{name, v}, nil, 0, true)
	return err
}

func (p *Proxy) invoke(ctx context.Context, method string, args []any, kwargs map[string]any, flags wire.Flags) (any, error) {
	return p.invokeRaw(ctx, method, args, kwargs, flags, false)
}

// noKwargs is the empty keyword-argument dict sent with calls that have
// none. It is shared and only ever read (encoded).
var noKwargs = value.NewDict(0)

// wireArg converts a call argument to a value every serializer encodes:
// value.From, except that a Go int is left as it is (every encoder writes
// it as the int64 From would make), which spares boxing it again.
func wireArg(a any) (any, error) {
	if _, ok := a.(int); ok {
		return a, nil
	}
	return value.From(a)
}

func (p *Proxy) encodeArgs(args []any, kwargs map[string]any, nilKwargs bool) ([]any, *value.Dict, error) {
	vargs := make([]any, len(args))
	for i, a := range args {
		v, err := wireArg(a)
		if err != nil {
			return nil, nil, newError(ErrSerialize, err, "argument %d", i+1)
		}
		vargs[i] = v
	}
	if nilKwargs {
		return vargs, nil, nil
	}
	if len(kwargs) == 0 {
		return vargs, noKwargs, nil
	}
	kw := value.NewDict(len(kwargs))
	keys := make([]string, 0, len(kwargs))
	for k := range kwargs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, err := value.From(kwargs[k])
		if err != nil {
			return nil, nil, newError(ErrSerialize, err, "keyword argument %s", k)
		}
		kw.Append(k, v)
	}
	return vargs, kw, nil
}

func (p *Proxy) invokeRaw(ctx context.Context, method string, args []any, kwargs map[string]any, flags wire.Flags, attr bool) (any, error) {
	vargs, kw, err := p.encodeArgs(args, kwargs, attr)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		res, err := p.invokeOnce(ctx, method, args, vargs, kw, flags, attr)
		if err == nil {
			return res, nil
		}
		sent, ok := asSent(err)
		if !ok {
			return nil, err
		}
		if attempt == 0 && (p.cfg.RetryNonIdempotent || p.idempotent(method)) && p.cfg.ReconnectAttempts > 0 {
			continue
		}
		return nil, sent.err
	}
}

// asSent finds an *errSent in err's chain. It is kept apart from the
// success path: the target errors.As needs lives on the heap.
func asSent(err error) (*errSent, bool) {
	var sent *errSent
	ok := errors.As(err, &sent)
	return sent, ok
}

// invokeOnce makes one attempt at a call. An *errSent error means the
// request may have reached the daemon.
func (p *Proxy) invokeOnce(ctx context.Context, method string, args, vargs []any, kw *value.Dict, flags wire.Flags, attr bool) (any, error) {
	// The common case, a usable connection, takes the proxy's lock once.
	p.mu.Lock()
	cc := p.cc
	ready := cc != nil && !p.closed && cc.usable()
	meta, resolved := p.meta, p.resolved
	p.mu.Unlock()
	if !ready {
		var first *firstCall
		// Not ready means this call dials: it may ride behind the
		// handshake.
		if !attr && method != "" && flags == 0 {
			first = &firstCall{method: method, build: func(object string) (*wire.Message, error) {
				return p.callMessage(ctx, serial.Call{Object: object, Method: method, Args: vargs, Kwargs: kw}, flags)
			}}
		}
		var err error
		if cc, err = p.connFirst(ctx, first); err != nil {
			return nil, err
		}
		if first != nil && first.sent {
			return p.awaitFirst(ctx, cc, first)
		}
		p.mu.Lock()
		meta, resolved = p.meta, p.resolved
		p.mu.Unlock()
	}
	if !attr && p.hasMeta && method != "" {
		if !slices.Contains(meta.Methods, method) {
			return nil, &RemoteError{Class: "builtins.AttributeError",
				Args: []any{fmt.Sprintf("remote object '%s' has no exposed attribute or method '%s'", resolved.Object, method)}}
		}
		if slices.Contains(meta.Oneway, method) {
			flags |= wire.FlagOneway
		}
	}
	if attr {
		name, _ := args[0].(string)
		if p.hasMeta && !slices.Contains(meta.Attrs, name) {
			return nil, &RemoteError{Class: "builtins.AttributeError",
				Args: []any{fmt.Sprintf("remote object '%s' has no exposed attribute '%s'", resolved.Object, name)}}
		}
	}
	call := serial.Call{Object: resolved.Object, Method: method, Args: vargs, Kwargs: kw}
	return p.roundTrip(ctx, cc, call, flags)
}

// idempotent tells whether the daemon marked method idempotent.
func (p *Proxy) idempotent(method string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.idem, method)
}

// callMessage encodes a call into an INVOKE message.
func (p *Proxy) callMessage(ctx context.Context, call serial.Call, flags wire.Flags) (*wire.Message, error) {
	hint := sizeHint(p.codec, call.Args...) + 24*len(call.Batch) // as sizeHint counts an item
	data, segs, err := serial.EncodeCallSegments(p.codec, encodeBuf(hint), call, segmentMin)
	if err != nil {
		return nil, newError(ErrSerialize, err, "cannot serialize call")
	}
	m := p.invokeMessage(ctx, data, flags)
	if segs != nil {
		m.Data, m.Segments = nil, segs
	}
	return m, nil
}

// invokeMessage wraps an encoded call in an INVOKE message.
func (p *Proxy) invokeMessage(ctx context.Context, data []byte, flags wire.Flags) *wire.Message {
	m := &wire.Message{Type: wire.MsgInvoke, Flags: flags, SerializerID: p.codec.ID(), Data: data}
	addOutgoingAnnotations(ctx, m)
	return m
}

// roundTrip encodes a call, sends it and decodes the reply.
func (p *Proxy) roundTrip(ctx context.Context, cc *clientConn, call serial.Call, flags wire.Flags) (any, error) {
	m, err := p.callMessage(ctx, call, flags)
	if err != nil {
		return nil, err
	}
	return p.exchange(ctx, cc, m)
}

// exchange sends an INVOKE message and decodes the reply.
func (p *Proxy) exchange(ctx context.Context, cc *clientConn, m *wire.Message) (any, error) {
	reply, err := cc.roundTrip(ctx, m, p.cfg.Timeout)
	// The request was written (or failed) synchronously; nothing refers to
	// its buffer any more.
	releaseBuf(m.Data)
	if err != nil || reply == nil {
		return nil, err
	}
	return p.decodeReply(ctx, cc, reply)
}

// awaitFirst waits for the reply to a call sent behind the handshake.
func (p *Proxy) awaitFirst(ctx context.Context, cc *clientConn, first *firstCall) (any, error) {
	if first.ch == nil {
		return nil, nil // a oneway method
	}
	reply, err := cc.wait(ctx, first.seq, first.ch, p.cfg.Timeout)
	if first.unlock != nil {
		first.unlock()
	}
	if err != nil {
		return nil, err
	}
	return p.decodeReply(ctx, cc, reply)
}

func addOutgoingAnnotations(ctx context.Context, m *wire.Message) {
	if anns := annotationsFrom(ctx); len(anns) > 0 {
		keys := make([]string, 0, len(anns))
		for k := range anns {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if len(k) == 4 {
				m.Annotations = append(m.Annotations, wire.Annotation{Key: k, Value: anns[k]})
			}
		}
	}
	if id, ok := correlationFrom(ctx); ok {
		v := new(value.UUID) // only when there is one: slicing id would move it to the heap for every call
		*v = id
		m.Annotations = append(m.Annotations, wire.Annotation{Key: "CORR", Value: v[:]})
	}
}

func (p *Proxy) decodeReply(ctx context.Context, cc *clientConn, reply *wire.Message) (any, error) {
	if reply.SerializerID != p.codec.ID() {
		cc.close(newError(ErrProtocol, nil, "reply serializer mismatch"))
		return nil, newError(ErrProtocol, nil, "invoke: reply serializer %d, want %d", reply.SerializerID, p.codec.ID())
	}
	v, err := p.codec.Unmarshal(reply.Data, cc.c.Policy().SerialLimits())
	if err != nil {
		return nil, newError(ErrSerialize, err, "cannot decode reply")
	}
	if ri, ok := replyAnnotationsSink(ctx); ok {
		for _, a := range reply.Annotations {
			ri[a.Key] = a.Value
		}
	}
	if reply.Flags&wire.FlagItemStreamResult != 0 {
		id, ok := reply.Annotation("STRM")
		if !ok {
			return nil, newError(ErrProtocol, nil, "result of call is an iterator, but streaming is off")
		}
		return &RemoteIterator{p: p, cc: cc, id: string(id)}, nil
	}
	if reply.Flags&wire.FlagException != 0 {
		return nil, exceptionError(v)
	}
	return v, nil
}

func exceptionError(v any) error {
	if x, ok := value.ParseException(v); ok {
		return remoteErrorFrom(x)
	}
	return newError(ErrProtocol, nil, "exception reply without an exception (%T)", v)
}

type replySinkKey struct{}

// WithReplyAnnotations returns a context that collects the annotations of
// the replies to calls made with it into sink.
func WithReplyAnnotations(ctx context.Context, sink map[string][]byte) context.Context {
	return context.WithValue(ctx, replySinkKey{}, sink)
}

func replyAnnotationsSink(ctx context.Context) (map[string][]byte, bool) {
	m, ok := ctx.Value(replySinkKey{}).(map[string][]byte)
	return m, ok
}

// segmentMin is the size from which a []byte is sent from its own memory
// rather than copied into the encoding, by serializers that can (see
// serial.SegmentMarshaler); the wire.Writer copies shorter pieces anyway.
const segmentMin = 64 << 10

// sizeHint estimates the encoded size, with codec, of values whose bulk is
// top-level bytes or strings (and of many small top-level values, as in a
// batch), so that a large payload is encoded without regrowing (and
// copying) the buffer.
func sizeHint(codec serial.Serializer, vs ...any) int {
	_, segmented := codec.(serial.SegmentMarshaler)
	n := 128
	for _, v := range vs {
		switch x := v.(type) {
		case []byte:
			if segmented && len(x) >= segmentMin {
				n += 16 // only its header is encoded
				continue
			}
			n += len(x) + len(x)/3 + 64 // serpent writes base64
		case string:
			n += len(x) + 16
		case []any:
			n += 24 + 8*len(x) // a batch's results, mostly
		default:
			n += 24 // numbers, small containers, the items of a batch
		}
	}
	return n
}
