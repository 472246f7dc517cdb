package timeout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flintrpc/flint/secure"
)

// Client calls delay with and without timeouts, and connects to a daemon
// that never answers, printing to w, like the client of Pyro4's timeout
// example. Pyro4's example works in seconds; unit scales every delay and
// timeout (use time.Second for the original timings).
//
// A timeout is either ProxyConfig.Timeout, which bounds each call of that
// proxy made with a context that has no deadline (Pyro4's
// proxy._pyroTimeout), or a ctx deadline on one call.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri, frozenURI string, unit time.Duration) error {
	units := func(d time.Duration) float64 { return float64(d) / float64(unit) }
	delay := func(p *secure.Proxy, ctx context.Context, n float64) (string, time.Duration, error) {
		start := time.Now()
		s, err := secure.Call[string](ctx, p, "delay", n*unit.Seconds())
		return s, time.Since(start), err
	}
	expectTimeout := func(err error, took time.Duration) error {
		// A deadline that expires while connecting can still surface as
		// the socket's deadline error rather than secure.ErrTimeout.
		if !errors.Is(err, secure.ErrTimeout) && !errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("want a timeout, got %v", err)
		}
		fmt.Fprintf(w, "TimeoutError! As expected! (after %.1f units)\n", units(took))
		return nil
	}

	cfg.Timeout = 0
	obj, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer obj.Close()
	fmt.Fprintln(w, "No timeout is configured. Calling delay with 2 units.")
	s, took, err := delay(obj, ctx, 2)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s (after %.1f units)\n", s, units(took))

	fmt.Fprintln(w, "Timeout set to 1 unit for this proxy. Calling delay with 2 units.")
	cfg.Timeout = unit
	timed, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer timed.Close()
	// ProxyConfig.Timeout applies to calls whose context has no deadline
	// of its own (ctx has one: the whole run's).
	_, took, err = delay(timed, context.WithoutCancel(ctx), 2)
	if err := expectTimeout(err, took); err != nil {
		return err
	}

	fmt.Fprintln(w, "Timeout of 1 unit on the call's context. Calling delay with 2 units.")
	cctx, cancel := context.WithTimeout(ctx, unit)
	_, took, err = delay(obj, cctx, 2)
	cancel()
	if err := expectTimeout(err, took); err != nil {
		return err
	}

	fmt.Fprintln(w, "No timeout is configured. Calling delay with 3 units.")
	if s, took, err = delay(obj, ctx, 3); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s (after %.1f units)\n", s, units(took))

	fmt.Fprintln(w, "Trying to connect to the frozen daemon.")
	frozen, err := secure.NewProxy(frozenURI, cfg)
	if err != nil {
		return err
	}
	defer frozen.Close()
	fmt.Fprintln(w, "Timeout of 1 unit on the call's context. Trying to connect.")
	cctx, cancel = context.WithTimeout(ctx, unit)
	_, took, err = delay(frozen, cctx, 5)
	cancel()
	return expectTimeout(err, took)
}
