package oneway

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/flintrpc/flint/secure"
)

// Client starts work on the Server at uri with oneway calls and polls
// until it is done, printing to w, like the client of Pyro4's oneway
// example. tick must match the server's.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string, tick time.Duration) error {
	serv, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer serv.Close()

	fmt.Fprintln(w, "starting server using a oneway call")
	start := time.Now()
	// The daemon declared oneway_start oneway, so Call returns at once
	// (p.Oneway sends any method that way).
	if _, err := serv.Call(ctx, "oneway_start", 6); err != nil {
		return err
	}
	fmt.Fprintln(w, "doing some more oneway calls inbetween")
	for range 4 {
		if _, err := serv.Call(ctx, "nothing"); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "those five calls took %.1f ticks; the work takes 6\n", float64(time.Since(start))/float64(tick))
	sleep(ctx, 2*tick)

	fmt.Fprintln(w, "\nNow contacting the server to see if it's done.")
	fmt.Fprintln(w, "we are faster, so you should see a few attempts,")
	fmt.Fprintln(w, "until the server is finished.")
	for {
		fmt.Fprintln(w, "server done?")
		ready, err := secure.Call[bool](ctx, serv, "ready")
		if err != nil {
			return err
		}
		if ready {
			fmt.Fprintln(w, "yes!")
			break
		}
		fmt.Fprintln(w, "no, trying again")
		if !sleep(ctx, tick) {
			return ctx.Err()
		}
	}
	result, err := secure.Call[string](ctx, serv, "result")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "getting the result from the server:", result)
	fmt.Fprintln(w, "\nCalling oneway work method, server will continue working while we are done (check the server console output).")
	return serv.Oneway(ctx, "oneway_work")
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
