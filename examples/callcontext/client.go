package callcontext

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Client sends echo and oneway calls to the EchoServer at uri with a
// correlation id and a custom annotation, and prints the annotations of
// the replies to w, like the client of Pyro4's callcontext example.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string) error {
	// One correlation id for every call below (Pyro4's
	// current_context.correlation_id).
	var corr value.UUID
	_, _ = rand.Read(corr[:])
	corr[6] = corr[6]&0x0f | 0x40 // version 4
	corr[8] = corr[8]&0x3f | 0x80 // RFC 4122 variant
	ctx = secure.WithCorrelationID(ctx, corr)
	fmt.Fprintln(w, "correlation id set to:", corr)
	ctx = secure.WithAnnotations(ctx, map[string][]byte{"XYZZ": []byte("Hello, I am a custom annotation from the proxy!")})

	// echo calls msg and prints the reply's annotations.
	echo := func(p *secure.Proxy, method, msg string) error {
		reply := map[string][]byte{}
		if _, err := p.Call(secure.WithReplyAnnotations(ctx, reply), method, msg); err != nil {
			return err
		}
		fmt.Fprintf(w, "    Got response. Annotations:\n")
		for _, k := range slices.Sorted(maps.Keys(reply)) {
			v := fmt.Sprintf("%q", reply[k])
			if k == "CORR" {
				var u value.UUID
				copy(u[:], reply[k])
				v = u.String()
			}
			fmt.Fprintf(w, "      %s -> %s\n", k, v)
		}
		if len(reply) == 0 {
			fmt.Fprintln(w, "      (none)")
		}
		return nil
	}

	p, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintln(w, "Sending a few messages using one proxy...")
	for i := range 4 {
		if err := echo(p, "echo", fmt.Sprintf("hello-%d", i)); err != nil {
			return err
		}
	}

	for i := range 3 {
		fmt.Fprintln(w, "Sending one message from new proxy...")
		np, err := secure.NewProxy(uri, cfg)
		if err != nil {
			return err
		}
		err = echo(np, "echo", fmt.Sprintf("hello-proxy-%d", i))
		np.Close()
		if err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "Sending a oneway message... (no response, so no annotations)")
	if err := echo(p, "oneway", "hello-ONEWAY-1"); err != nil {
		return err
	}
	fmt.Fprintln(w, "Asynchronous message...")
	reply := map[string][]byte{}
	f := p.Go(secure.WithReplyAnnotations(ctx, reply), "echo", "hello-ASYNC")
	if _, err := f.Result(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "    Got response. Annotations: %s -> %q\n", ReplyAnnotation, reply[ReplyAnnotation])
	fmt.Fprintln(w, "\nSee the console output on the server for more results.")
	return nil
}
