package secure

import (
	"context"
	"errors"
	"iter"
	"sync"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// RemoteIterator reads the items of a remote iterator (Pyro4 item
// streaming) one at a time. It belongs to the connection the call used;
// if that connection breaks, the iterator ends with an error.
type RemoteIterator struct {
	p    *Proxy
	cc   *clientConn
	id   string
	mu   sync.Mutex
	done bool
	// With a flint daemon, items come in batches: buf holds the rest of
	// the last batch and drained says the daemon has no more.
	buf     []any
	drained bool
}

// ErrStreamClosed is returned by Next after the iterator ended or closed.
var ErrStreamClosed = errors.New("flint: stream closed")

// Next returns the next item, or ok false when the iterator is exhausted.
func (it *RemoteIterator) Next(ctx context.Context) (v any, ok bool, err error) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if len(it.buf) > 0 {
		v, it.buf = it.buf[0], it.buf[1:]
		return v, true, nil
	}
	if it.done || it.drained {
		it.done = true
		return nil, false, nil
	}
	if it.cc.streamBatch && it.p.cfg.StreamBatch > 1 {
		return it.nextBatch(ctx)
	}
	call := serial.Call{Object: DaemonObjectID, Method: "get_next_stream_item", Args: []any{it.id}, Kwargs: value.NewDict(0)}
	v, err = it.p.roundTrip(ctx, it.cc, call, 0)
	if err != nil {
		var re *RemoteError
		if errors.As(err, &re) && (re.Class == "builtins.StopIteration" || re.Class == "builtins.StopAsyncIteration" || re.Class == "builtins.GeneratorExit") {
			it.done = true
			return nil, false, nil
		}
		if ctx.Err() != nil {
			it.closeLocked()
		}
		it.done = true
		return nil, false, err
	}
	return v, true, nil
}

// nextBatch fetches the next batch of items from a flint daemon.
func (it *RemoteIterator) nextBatch(ctx context.Context) (any, bool, error) {
	call := serial.Call{Object: DaemonObjectID, Method: "get_next_stream_items", Args: []any{it.id, int64(it.p.cfg.StreamBatch)}, Kwargs: value.NewDict(0)}
	v, err := it.p.roundTrip(ctx, it.cc, call, 0)
	if err != nil {
		if ctx.Err() != nil {
			it.closeLocked()
		}
		it.done = true
		return nil, false, err
	}
	pair := asSeq(v)
	if len(pair) != 2 {
		it.done = true
		return nil, false, newError(ErrProtocol, nil, "malformed stream batch (%T)", v)
	}
	more, _ := pair[1].(bool)
	it.buf = asSeq(pair[0])
	it.drained = !more
	if len(it.buf) == 0 {
		it.done = true
		return nil, false, nil
	}
	v, it.buf = it.buf[0], it.buf[1:]
	return v, true, nil
}

// Close tells the daemon to drop the iterator, if it is still open.
func (it *RemoteIterator) Close() error {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.closeLocked()
}

func (it *RemoteIterator) closeLocked() error {
	if it.drained {
		it.done = true // the daemon closed it already
		return nil
	}
	if it.done && it.cc.dead() {
		return nil
	}
	wasDone := it.done
	it.done = true
	if wasDone {
		return nil
	}
	call := serial.Call{Object: DaemonObjectID, Method: "close_stream", Args: []any{it.id}, Kwargs: value.NewDict(0)}
	_, err := it.p.roundTrip(context.Background(), it.cc, call, wire.FlagOneway)
	return err
}

// All ranges over the remaining items. Breaking out of the loop closes the
// iterator on the daemon; an error is yielded once, as the last pair.
func (it *RemoteIterator) All(ctx context.Context) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for {
			v, ok, err := it.Next(ctx)
			if err != nil {
				yield(nil, err)
				return
			}
			if !ok {
				return
			}
			if !yield(v, nil) {
				_ = it.Close()
				return
			}
		}
	}
}

// Stream calls a streaming method and ranges over its items bound to T:
//
//	for v, err := range secure.Stream[int](ctx, p, "count_to", 10) { ... }
func Stream[T any](ctx context.Context, p *Proxy, method string, args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		res, err := p.Call(ctx, method, args...)
		if err != nil {
			yield(zero, err)
			return
		}
		it, ok := res.(*RemoteIterator)
		if !ok {
			// Not streamed: a list result is ranged over locally.
			for _, v := range asSeq(res) {
				var out T
				if err := value.Bind(v, &out); err != nil {
					yield(zero, err)
					return
				}
				if !yield(out, nil) {
					return
				}
			}
			return
		}
		for v, err := range it.All(ctx) {
			if err != nil {
				yield(zero, err)
				return
			}
			var out T
			if err := value.Bind(v, &out); err != nil {
				_ = it.Close()
				yield(zero, err)
				return
			}
			if !yield(out, nil) {
				_ = it.Close()
				return
			}
		}
	}
}
