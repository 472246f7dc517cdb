package async

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Client walks through asynchronous calls on the Thingy at uri, printing
// what happens to w, like the client of Pyro4's async example. delay is
// the server's divide delay; the client's waits are sized from it.
//
// Against a flint daemon the futures of one proxy are pipelined on its
// connection, so the five divisions at the end run at the same time;
// against a Pyro4 daemon they take turns.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string, delay time.Duration) error {
	proxy, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer proxy.Close()

	fmt.Fprintln(w, "* normal call: (notice the delay)")
	n, err := secure.Call[int64](ctx, proxy, "divide", 100, 5)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "result=", n)

	fmt.Fprintln(w, "\n* async call:")
	f := proxy.Go(ctx, "divide", 100, 5) // returns at once
	fmt.Fprintln(w, "result value available?", f.Ready())
	fmt.Fprintln(w, "client can do other stuff here.")
	fmt.Fprintln(w, "getting result value...(will block until available)")
	if n, err = secure.Await[int64](ctx, f); err != nil {
		return err
	}
	fmt.Fprintln(w, "resultvalue=", n)

	fmt.Fprintln(w, "\n* async call, with normal call inbetween:")
	normal, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer normal.Close()
	f = proxy.Go(ctx, "divide", 100, 5)
	for _, b := range []int{20, 30} {
		m, err := secure.Call[int64](ctx, normal, "multiply", 5, b)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "client does normal call: ", m)
	}
	fmt.Fprintln(w, "getting result value of async call...(will block until available)")
	if n, err = secure.Await[int64](ctx, f); err != nil {
		return err
	}
	fmt.Fprintln(w, "resultvalue=", n)

	fmt.Fprintln(w, "\n* async call with exception:")
	f = proxy.Go(ctx, "divide", 100, 0)
	fmt.Fprintln(w, "getting result value...")
	if _, err = f.Result(ctx); err == nil {
		return errors.New("dividing by zero succeeded")
	}
	var re *secure.RemoteError
	if !errors.As(err, &re) || re.Class != "builtins.ZeroDivisionError" {
		return fmt.Errorf("unexpected error from divide(100, 0): %w", err)
	}
	fmt.Fprintln(w, "got exception (expected):", re.Class, re.Message())

	fmt.Fprintln(w, "\n* async call with timeout:")
	f = proxy.Go(ctx, "divide", 100, 5)
	short := delay * 2 / 3
	fmt.Fprintf(w, "checking if ready within %s...\n", short)
	fmt.Fprintln(w, "status after waiting=", waitReady(ctx, f, short))
	fmt.Fprintf(w, "checking again if ready within %s...(should be ok now)\n", delay*5/3)
	fmt.Fprintln(w, "status after waiting=", waitReady(ctx, f, delay*5/3))
	fmt.Fprintln(w, "available=", f.Ready())
	if n, err = secure.Await[int64](ctx, f); err != nil {
		return err
	}
	fmt.Fprintln(w, "resultvalue=", n)

	fmt.Fprintln(w, "\n* a few async calls at the same time:")
	start := time.Now()
	var futures []*secure.Future
	for _, b := range []int{7, 6, 5, 4, 3} {
		futures = append(futures, proxy.Go(ctx, "divide", 100, b))
	}
	fmt.Fprintln(w, "getting values...")
	for _, f := range futures {
		n, err := secure.Await[int64](ctx, f)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "result=", n)
	}
	fmt.Fprintf(w, "five calls took %.1f times the delay\n", float64(time.Since(start))/float64(delay))

	fmt.Fprintln(w, "\n* async call with call chain:")
	plusOne := func(v any) (any, error) {
		var n int64
		if err := value.Bind(v, &n); err != nil {
			return nil, err
		}
		fmt.Fprintf(w, ">>> chained function called with value=%d\n", n)
		return n + 1, nil
	}
	chained := proxy.Go(ctx, "divide", 100, 5).Then(plusOne).Then(plusOne).Then(plusOne)
	if n, err = secure.Await[int64](ctx, chained); err != nil {
		return err
	}
	fmt.Fprintln(w, "final value=", n)

	fmt.Fprintln(w, "\n* async call with call chain of normal remote calls:")
	addRemote := func(increase int) func(any) (any, error) {
		return func(v any) (any, error) {
			return normal.CallKw(ctx, "add", []any{v}, map[string]any{"increase": increase})
		}
	}
	chained = proxy.Go(ctx, "divide", 100, 5).Then(addRemote(1)).Then(addRemote(2)).Then(addRemote(3))
	if n, err = secure.Await[int64](ctx, chained); err != nil {
		return err
	}
	fmt.Fprintln(w, "final value=", n)

	fmt.Fprintln(w, "\n* batch async call:")
	done := make(chan struct{})
	var res *secure.BatchResult
	var batchErr error
	batch := proxy.Batch().Add("divide", 100, 5).Add("divide", 99, 9).Add("divide", 555, 2)
	go func() {
		defer close(done)
		res, batchErr = batch.Run(ctx)
	}()
	fmt.Fprintln(w, "getting result values...(will block until available)")
	<-done
	if batchErr != nil {
		return batchErr
	}
	if res.Err != nil {
		return res.Err
	}
	fmt.Fprintln(w, "resultvalues=", res.Values)

	fmt.Fprintln(w, "\ndone.")
	return nil
}

// waitReady waits up to d for f and reports whether its result is ready
// (Pyro4's asyncresult.wait(timeout)).
func waitReady(ctx context.Context, f *secure.Future, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-f.Done():
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}
