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
	p   *Proxy
	err error

	// When the proxy's codec is a serial.BatchAppender (msgpack), the
	// calls are encoded as they are queued: enc holds n of them. Otherwise
	// they are kept as items until the batch is sent.
	app   serial.BatchAppender
	enc   []byte
	n     int
	items []serial.BatchItem

	// slab backs the argument lists of queued items, many calls per
	// allocation; with an appender it is only scratch space.
	slab []any
}

// batchSlab is the number of slab elements allocated at once.
const batchSlab = 256

// Batch returns an empty batch of calls on p's object.
func (p *Proxy) Batch() *Batch {
	b := &Batch{p: p}
	b.app, _ = p.codec.(serial.BatchAppender)
	return b
}

// Add queues a call with positional arguments.
func (b *Batch) Add(method string, args ...any) *Batch { return b.AddKw(method, args, nil) }

// AddKw queues a call with positional and keyword arguments.
func (b *Batch) AddKw(method string, args []any, kwargs map[string]any) *Batch {
	if b.err != nil {
		return b
	}
	if len(kwargs) > 0 {
		vargs, kw, err := b.p.encodeArgs(args, kwargs, false)
		if err != nil {
			b.err = err
			return b
		}
		return b.queue(serial.BatchItem{Method: method, Args: vargs, Kwargs: kw})
	}
	// encodeArgs without keyword arguments, into the slab.
	n := len(args)
	if len(b.slab) < n {
		b.slab = make([]any, max(n, batchSlab))
	}
	vargs := b.slab[:n:n]
	for i, a := range args {
		v, err := wireArg(a)
		if err != nil {
			clear(vargs)
			b.err = newError(ErrSerialize, err, "argument %d", i+1)
			return b
		}
		vargs[i] = v
	}
	if b.app != nil {
		b.queue(serial.BatchItem{Method: method, Args: vargs, Kwargs: noKwargs})
		clear(vargs) // encoded: the scratch space keeps nothing alive
		return b
	}
	b.slab = b.slab[n:]
	return b.queue(serial.BatchItem{Method: method, Args: vargs, Kwargs: noKwargs})
}

// queue adds an item, encoding it at once if the codec can.
func (b *Batch) queue(it serial.BatchItem) *Batch {
	if b.app == nil {
		b.items = append(b.items, it)
		return b
	}
	enc, err := b.app.AppendBatchItem(b.enc, it)
	if err != nil {
		b.err = newError(ErrSerialize, err, "cannot serialize call")
		return b
	}
	b.enc, b.n = enc, b.n+1
	return b
}

// Len returns the number of queued calls.
func (b *Batch) Len() int { return b.n + len(b.items) }

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
	// The results are the decoded reply's own slice, up to the first
	// failed call.
	items := asSeq(v)
	res := &BatchResult{}
	n := len(items)
	for i, item := range items {
		if x, ok := value.ParseExceptionWrapper(item); ok {
			res.Err = remoteErrorFrom(x)
			n = i
			break
		}
	}
	if n > 0 {
		res.Values = items[:n:n]
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
	flags |= wire.FlagBatch
	if b.app != nil {
		call := serial.Call{Object: obj, Method: "<batch>"}
		data, err := b.app.AppendBatchFrame(encodeBuf(len(b.enc)+len(obj)+32), call, b.n, b.enc)
		if err != nil {
			return nil, newError(ErrSerialize, err, "cannot serialize call")
		}
		return b.p.exchange(ctx, cc, b.p.invokeMessage(ctx, data, flags))
	}
	batch := b.items
	if batch == nil {
		batch = []serial.BatchItem{}
	}
	call := serial.Call{Object: obj, Method: "<batch>", Batch: batch}
	return b.p.roundTrip(ctx, cc, call, flags)
}
