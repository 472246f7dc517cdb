package autoproxy

import (
	"context"
	"fmt"
	"io"

	"github.com/flintrpc/flint/secure"
)

// Client asks the Factory at uri for three Thingies and makes each speak,
// printing to w, like the client of Pyro4's autoproxy example. The
// results of createSomething bind to *secure.Proxy.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string) error {
	factory, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer factory.Close()

	fmt.Fprintln(w, "Creating things.")
	var things []*secure.Proxy
	defer func() {
		for _, t := range things {
			t.Close()
		}
	}()
	for i := 1; i <= 3; i++ {
		thing, err := secure.Call[*secure.Proxy](ctx, factory, "createSomething", i)
		if err != nil {
			return err
		}
		things = append(things, thing)
		fmt.Fprintf(w, "thing%d is %s\n", i, thing)
	}

	fmt.Fprintln(w, "Speaking stuff.")
	for i, msg := range []string{"I am the first", "I am second", "I am last then..."} {
		if _, err := things[i].Call(ctx, "speak", msg); err != nil {
			return err
		}
	}
	return nil
}
