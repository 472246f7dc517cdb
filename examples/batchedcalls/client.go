package batchedcalls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Client compares loops calls made one by one with the same calls in
// batches, then shows a oneway batch, a batch run in the background and a
// batch that stops at an error; like the client of Pyro4's batchedcalls
// example. loops is the number of multiply+add pairs (Pyro4's example
// does 20000); delay is what the oneway batch asks the server to sleep.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string, loops int, delay time.Duration) error {
	p, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	want := int64(loops) * (7*6 + 10 + 20)

	fmt.Fprintln(w, "Normal remote calls...")
	begin := time.Now()
	var total int64
	if _, err := p.Call(ctx, "printmessage", "beginning normal calls"); err != nil {
		return err
	}
	for range loops {
		m, err := secure.Call[int64](ctx, p, "multiply", 7, 6)
		if err != nil {
			return err
		}
		a, err := secure.Call[int64](ctx, p, "add", 10, 20)
		if err != nil {
			return err
		}
		total += m + a
	}
	if _, err := p.Call(ctx, "printmessage", "end of normal calls"); err != nil {
		return err
	}
	if total != want {
		return fmt.Errorf("normal calls: total %d, want %d", total, want)
	}
	normal := time.Since(begin)
	fmt.Fprintf(w, "that took %.2f seconds (%.0f calls/sec)\n", normal.Seconds(), float64(2*loops)/normal.Seconds())

	fmt.Fprintln(w, "\nBatched remote calls...")
	begin = time.Now()
	batch := p.Batch().Add("printmessage", "beginning batch #1")
	for range loops {
		batch.Add("multiply", 7, 6).Add("add", 10, 20)
	}
	batch.Add("printmessage", "end of batch #1")
	fmt.Fprintln(w, "processing the results...")
	res, err := batch.Run(ctx)
	if err != nil {
		return err
	}
	total = 0
	for v, err := range res.All() {
		if err != nil {
			return err
		}
		var n int64
		if err := value.Bind(v, &n); err != nil {
			return err
		}
		total += n
	}
	if total != want {
		return fmt.Errorf("batched calls: total %d, want %d", total, want)
	}
	batched := time.Since(begin)
	fmt.Fprintf(w, "total time taken %.2f seconds (%.0f calls/sec)\n", batched.Seconds(), float64(2*loops)/batched.Seconds())
	fmt.Fprintf(w, "batched calls were %.1f times faster than normal remote calls\n", normal.Seconds()/batched.Seconds())

	fmt.Fprintln(w, "\nOneway batched remote calls...")
	begin = time.Now()
	batch = p.Batch().Add("printmessage", "beginning batch #2")
	for range loops {
		batch.Add("multiply", 7, 6).Add("add", 10, 20)
	}
	batch.Add("delay", delay.Seconds()) // the server sleeps, we do not notice
	batch.Add("printmessage", "end of batch #2")
	fmt.Fprintln(w, "executing batch, there will be no result values. Check server to see printed messages...")
	if err := batch.RunOneway(ctx); err != nil {
		return err
	}
	oneway := time.Since(begin)
	fmt.Fprintf(w, "total time taken %.2f seconds (%.0f calls/sec)\n", oneway.Seconds(), float64(2*loops)/oneway.Seconds())
	fmt.Fprintf(w, "oneway batched calls were %.1f times faster than normal remote calls\n", normal.Seconds()/oneway.Seconds())

	fmt.Fprintln(w, "\nBatched remote calls, asynchronous...")
	batch = p.Batch().Add("printmessage", "beginning batch #3").Add("multiply", 7, 6).Add("add", 10, 20).
		Add("delay", delay.Seconds()).Add("printmessage", "end of batch #3")
	fmt.Fprintln(w, "executing the batch... (should return immediately because async)")
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err = batch.Run(ctx)
	}()
	fmt.Fprintln(w, "processing the results...(should wait until async results become available)")
	<-done
	if err != nil {
		return err
	}
	if res.Err != nil {
		return res.Err
	}
	fmt.Fprintln(w, "results=", res.Values)

	fmt.Fprintln(w, "\nBatch with an error. Dividing a number by decreasing divisors...")
	batch = p.Batch()
	for d := 3; d > -3; d-- {
		batch.Add("divide", 100, d)
	}
	fmt.Fprintln(w, "getting results...")
	if res, err = batch.Run(ctx); err != nil {
		return err
	}
	divisor := 3
	for v, err := range res.All() {
		if err != nil {
			var re *secure.RemoteError
			if errors.As(err, &re) && re.Class == "builtins.ZeroDivisionError" {
				fmt.Fprintln(w, "A divide by zero error occurred during the batch! (expected)")
				fmt.Fprint(w, re.RemoteTraceback())
				return nil
			}
			return err
		}
		fmt.Fprintf(w, "100//%d = %v\n", divisor, v)
		divisor--
	}
	return errors.New("the batch with a division by zero did not fail")
}
