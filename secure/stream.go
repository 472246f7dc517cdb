package secure

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"sync"
	"time"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

var errEOF = io.EOF

// stream is a remote iterator opened by a call on one connection. Only that
// connection can read or close it.
type stream struct {
	id      string
	mu      sync.Mutex
	next    func() (any, bool, error)
	stop    func()
	expires time.Time
	closed  bool
	err     error // an item error held back for the next request
}

func (s *stream) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		if s.stop != nil {
			s.stop()
		}
	}
}

// openStream wraps a method's iterator result and registers it on the
// connection, within the per-connection limit.
func (sc *serverConn) openStream(mt *method, rv reflect.Value) (any, error) {
	st := &stream{id: newUUID4().String(), expires: time.Now().Add(sc.d.lim.StreamLifetime)}
	enc := mt.enc
	switch mt.stream {
	case streamSeq:
		if rv.IsNil() {
			return nil, newError(ErrPyro, nil, "method returned a nil iterator")
		}
		seq := func(yield func(reflect.Value) bool) {
			yf := reflect.MakeFunc(rv.Type().In(0), func(a []reflect.Value) []reflect.Value {
				return []reflect.Value{reflect.ValueOf(yield(a[0]))}
			})
			rv.Call([]reflect.Value{yf})
		}
		next, stop := iter.Pull(iter.Seq[reflect.Value](seq))
		st.next = func() (any, bool, error) {
			v, ok := next()
			if !ok {
				return nil, false, nil
			}
			out, err := enc(v)
			return out, true, err
		}
		st.stop = stop
	case streamSeq2:
		if rv.IsNil() {
			return nil, newError(ErrPyro, nil, "method returned a nil iterator")
		}
		seq := func(yield func(reflect.Value, reflect.Value) bool) {
			yf := reflect.MakeFunc(rv.Type().In(0), func(a []reflect.Value) []reflect.Value {
				return []reflect.Value{reflect.ValueOf(yield(a[0], a[1]))}
			})
			rv.Call([]reflect.Value{yf})
		}
		next, stop := iter.Pull2(iter.Seq2[reflect.Value, reflect.Value](seq))
		st.next = func() (any, bool, error) {
			k, v, ok := next()
			if !ok {
				return nil, false, nil
			}
			// iter.Seq2[T, error] streams errors as remote exceptions;
			// other pairs go as 2-tuples.
			if v.Type() == errType {
				if !v.IsNil() {
					return nil, true, v.Interface().(error)
				}
				out, err := value.From(k.Interface())
				return out, true, err
			}
			a, err := value.From(k.Interface())
			if err != nil {
				return nil, true, err
			}
			b, err := value.From(v.Interface())
			return value.Tuple{a, b}, true, err
		}
		st.stop = stop
	case streamChan:
		if rv.IsNil() {
			return nil, newError(ErrPyro, nil, "method returned a nil channel")
		}
		st.next = func() (any, bool, error) {
			v, ok := rv.Recv()
			if !ok {
				return nil, false, nil
			}
			out, err := enc(v)
			return out, true, err
		}
	case streamSlice:
		i := 0
		st.next = func() (any, bool, error) {
			if i >= rv.Len() {
				return nil, false, nil
			}
			i++
			out, err := value.From(rv.Index(i - 1).Interface())
			return out, true, err
		}
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.expireStreamsLocked()
	if len(sc.streams) >= sc.d.lim.MaxStreamsPerConn {
		st.close()
		sc.d.log.Warn("stream refused", "peer", sc.c.Identity().String(), "reason", "too many open streams")
		return nil, newError(ErrPyro, nil, "too many open item streams on this connection (limit %d)", sc.d.lim.MaxStreamsPerConn)
	}
	sc.streams[st.id] = st
	return st, nil
}

func (sc *serverConn) expireStreamsLocked() {
	now := time.Now()
	for id, s := range sc.streams {
		if now.After(s.expires) {
			s.close()
			delete(sc.streams, id)
		}
	}
}

func (sc *serverConn) replyStream(codec serial.Serializer, m *wire.Message, info *CallInfo, st *stream) {
	exc := &value.Exception{Class: ErrProtocol.class, Args: []any{"result of call is an iterator"}}
	d := exc.Value()
	// Pyro4 sends _pyroTraceback None in a stream start.
	if attrs, ok := d.GetString("attributes"); ok {
		if ad, ok := attrs.(*value.Dict); ok {
			ad.Set("_pyroTraceback", nil)
		}
	}
	data, err := codec.Marshal(nil, d)
	if err != nil {
		sc.c.Close()
		return
	}
	reply := &wire.Message{Type: wire.MsgResult, Flags: wire.FlagException | wire.FlagItemStreamResult,
		Seq: m.Seq, SerializerID: m.SerializerID, Data: data}
	sc.addReplyAnnotations(reply, info)
	reply.Annotations = append(reply.Annotations, wire.Annotation{Key: "STRM", Value: []byte(st.id)})
	if sc.c.WriteMessage(reply) != nil {
		sc.c.Close()
	}
}

var errStop = &RemoteError{Class: "builtins.StopIteration"}

func (sc *serverConn) nextItem(id string) (any, error) {
	sc.mu.Lock()
	st, ok := sc.streams[id]
	if ok && time.Now().After(st.expires) {
		delete(sc.streams, id)
		st.close()
		ok = false
	}
	sc.mu.Unlock()
	if !ok {
		return nil, newError(ErrPyro, nil, "item stream terminated")
	}
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil, newError(ErrPyro, nil, "item stream terminated")
	}
	v, more, err := st.next()
	st.mu.Unlock()
	if !more || err != nil {
		sc.closeStream(id)
		if err != nil {
			return nil, err
		}
		return nil, &RemoteError{Class: errStop.Class, Args: []any{}}
	}
	return v, nil
}

// maxStreamBatch bounds the items of one get_next_stream_items reply.
const maxStreamBatch = 256

// nextItems returns up to n items of a stream and whether more may follow;
// an exhausted stream is closed. An item error after some items is held
// back and returned by the next request, so no item is lost.
func (sc *serverConn) nextItems(id string, n int) (any, error) {
	n = min(max(n, 1), maxStreamBatch)
	sc.mu.Lock()
	st, ok := sc.streams[id]
	if ok && time.Now().After(st.expires) {
		delete(sc.streams, id)
		st.close()
		ok = false
	}
	sc.mu.Unlock()
	if !ok {
		return nil, newError(ErrPyro, nil, "item stream terminated")
	}
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil, newError(ErrPyro, nil, "item stream terminated")
	}
	if err := st.err; err != nil {
		st.mu.Unlock()
		sc.closeStream(id)
		return nil, err
	}
	items := make([]any, 0, min(n, 16))
	more := true
	for len(items) < n {
		v, ok, err := st.next()
		if err != nil {
			if len(items) == 0 {
				st.mu.Unlock()
				sc.closeStream(id)
				return nil, err
			}
			st.err = err
			break
		}
		if !ok {
			more = false
			break
		}
		items = append(items, v)
	}
	st.mu.Unlock()
	if !more {
		sc.closeStream(id)
	}
	return value.Tuple{items, more}, nil
}

func (sc *serverConn) closeStream(id string) {
	sc.mu.Lock()
	st, ok := sc.streams[id]
	delete(sc.streams, id)
	sc.mu.Unlock()
	if ok {
		st.close()
	}
}

// proxyValue builds Pyro4's Proxy class dict for an auto-proxied object.
func proxyValue(u URI, meta Metadata) *value.Dict {
	tuple := func(names []string) value.Tuple {
		t := make(value.Tuple, len(names))
		for i, n := range names {
			t[i] = n
		}
		return t
	}
	d := value.NewDict(2)
	d.Append("__class__", "Pyro4.core.Proxy")
	d.Append("state", value.Tuple{u.String(), tuple(meta.Oneway), tuple(meta.Methods), tuple(meta.Attrs),
		0.0, nil, "hello", int64(0), nil})
	return d
}

var errBadStream = errors.New("bad stream")

var _ = fmt.Sprintf
