package exceptions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Client calls each failing method of the TestClass at uri and prints what
// comes back to w, like the client of Pyro4's exceptions example,
// including the remote traceback when the server sends one.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string) error {
	test, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer test.Close()

	q, err := secure.Call[float64](ctx, test, "div", 2.0, 9.0)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, q)

	// each makes a call that should fail with class and prints it.
	each := func(label, method, class string, args ...any) error {
		res, err := test.Call(ctx, method, args...)
		if err == nil {
			return fmt.Errorf("%s succeeded: %v", method, res)
		}
		var re *secure.RemoteError
		if !errors.As(err, &re) {
			return fmt.Errorf("%s: %w", method, err)
		}
		if class != "" && re.Class != class {
			return fmt.Errorf("%s: got %s, want %s", method, re.Class, class)
		}
		fmt.Fprintf(w, "%s: %s\n", label, re.Message())
		return nil
	}
	if err := each("DIVIDE BY ZERO", "div", "builtins.ZeroDivisionError", 2, 0); err != nil {
		return err
	}
	if err := each("VALUERROR", "error", "builtins.ValueError"); err != nil {
		return err
	}
	// error2 returns the exception instead of raising it.
	res, err := test.Call(ctx, "error2")
	if err != nil {
		return err
	}
	if x, ok := value.ParseException(res); ok {
		short := x.Class[strings.LastIndexByte(x.Class, '.')+1:]
		fmt.Fprintf(w, "%s('%v'), %v\n", short, x.Args[0], x.Args[0])
	} else {
		fmt.Fprintf(w, "%v\n", res)
	}
	if err := each("ANOTHER ERROR", "othererr", "builtins.RuntimeError"); err != nil {
		return err
	}
	if err := each("UNSERIALIZABLE ERROR", "unserializable", ""); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n*** invoking server method that crashes, catching traceback ***")
	_, err = test.Call(ctx, "complexerror")
	var re *secure.RemoteError
	if !errors.As(err, &re) {
		return fmt.Errorf("complexerror: want a remote error, got %v", err)
	}
	fmt.Fprintf(w, "CAUGHT ERROR  >>> %s\n", re.Message())
	fmt.Fprintln(w, "Printing Pyro traceback >>>>>>")
	if tb := re.RemoteTraceback(); tb != "" {
		fmt.Fprint(w, tb)
	} else {
		fmt.Fprintln(w, "(the server sends no tracebacks)")
	}
	fmt.Fprintln(w, "<<<<<<< end of Pyro traceback")
	return nil
}
