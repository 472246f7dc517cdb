package secure

import (
	"context"
	"iter"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// Batch queues calls to one remote object and sends them as one request
// (Pyro4's batched calls). The daemon runs them in order and stops at the
// first error. A Batch is not safe for concurrent use.
type Batch struct {
	p     *Proxy
	items []any
	err   error
}

// Batch returns an empty batch of calls on p's object.
func (p *Proxy) Batch() *Batch { return &Batch{p: p} }

// Add queues a call with positional arguments.
func (b *Batch) Add(method string, args ...any) *Batch { return b.AddKw(method, args, nil) }

// AddKw queues a call with positional and keyword arguments.
func (b *Batch) AddKw(method string, args []any, kwargs map[string]any) *Batch {
	if b.err != nil {
		return b
	}
	vargs, kw, err := b.p.encodeArgs(args, kwargs, false)
	if err != nil {
		b.err = err
		return b
	}
	b.items = append(b.items, value.Tuple{method, value.Tuple(vargs), kw})
	return b
}

// Len returns the number of queued calls.
func (b *Batch) Len() int { return len(b.items) }

// BatchResult holds the results of a batch, in call order. If a call
// failed, Err is its error and Values holds the results of the calls
// before it; the calls after it did not run.
type BatchResult struct {
	Values []any
	Err    error
}

// All ranges over the results; a failed call ends the range with its error.
func (r *BatchResult) All() iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for _, v := range r.Values {
			if !yield(v, nil) {
				return
			}
		}
		if r.Err != nil {
			yield(nil, r.Err)
		}
	}
}

// Run sends the batch and waits for the results. The returned error is a
// failure of the batch as a whole (connection, protocol); a failed call is
// reported in BatchResult.Err.
func (b *Batch) Run(ctx context.Context) (*BatchResult, error) {
	v, err := b.send(ctx, 0)
	if err != nil {
		return nil, err
	}
	res := &BatchResult{}
	for _, item := range asSeq(v) {
		if x, ok := value.ParseExceptionWrapper(item); ok {
			res.Err = remoteErrorFrom(x)
			break
		}
		res.Values = append(res.Values, item)
	}
	return res, nil
}

// RunOneway sends the batch without waiting; no results come back.
func (b *Batch) RunOneway(ctx context.Context) error {
	_, err := b.send(ctx, wire.FlagOneway)
	return err
}

func (b *Batch) send(ctx context.Context, flags wire.Flags) (any, error) {
	if b.err != nil {
		return nil, b.err
	}
	cc, err := b.p.conn(ctx)
	if err != nil {
		return nil, err
	}
	b.p.mu.Lock()
	obj := b.p.resolved.Object
	b.p.mu.Unlock()
	call := serial.Call{Object: obj, Method: "<batch>", Args: b.items}
	return b.p.roundTrip(ctx, cc, call, flags|wire.FlagBatch)
}
