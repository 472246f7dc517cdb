package secure

import (
	"context"

	"github.com/flintrpc/flint/value"
)

// Future is the pending result of an asynchronous call.
type Future struct {
	done chan struct{}
	val  any
	err  error
}

// Go starts a call and returns at once with its future. Many futures can
// be outstanding on one proxy; against a flint daemon they share its
// connection. Cancelling ctx abandons the call. The arguments are encoded
// and sent after Go returns (a long []byte straight from its memory), so
// they must not change until the future is done.
func (p *Proxy) Go(ctx context.Context, method string, args ...any) *Future {
	f := &Future{done: make(chan struct{})}
	go func() {
		f.val, f.err = p.Call(ctx, method, args...)
		close(f.done)
	}()
	return f
}

// Done is closed when the result is ready.
func (f *Future) Done() <-chan struct{} { return f.done }

// Ready reports whether the result is available without waiting.
func (f *Future) Ready() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Result waits for the result or for ctx to end.
func (f *Future) Result(ctx context.Context) (any, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctxError(ctx)
	}
}

// Then returns a future for fn applied to this future's result, run when it
// is ready (Pyro4's future.then). An error skips fn and passes through.
func (f *Future) Then(fn func(any) (any, error)) *Future {
	nf := &Future{done: make(chan struct{})}
	go func() {
		<-f.done
		if f.err != nil {
			nf.err = f.err
		} else {
			nf.val, nf.err = fn(f.val)
		}
		close(nf.done)
	}()
	return nf
}

// Await waits for f and binds its result to T.
func Await[T any](ctx context.Context, f *Future) (T, error) {
	var out T
	v, err := f.Result(ctx)
	if err != nil {
		return out, err
	}
	if err := value.Bind(v, &out); err != nil {
		return out, newError(ErrSerialize, err, "binding result")
	}
	return out, nil
}
