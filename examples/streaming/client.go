package streaming

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/flintrpc/flint/secure"
)

// Client gets the numbers of the Streamer at uri as a list and as
// streams, printing them to w like the client of Pyro4's streaming
// example; it then takes the first 20 Fibonacci numbers from the endless
// stream and closes it.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string) error {
	p, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer p.Close()

	fmt.Fprintln(w, "\nnormal list:")
	list, err := secure.Call[[]int](ctx, p, "list")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, pyList(list))

	for _, m := range []string{"iterator", "generator"} {
		fmt.Fprintf(w, "\nvia %s:\n", m)
		var items []int
		for n, err := range secure.Stream[int](ctx, p, m) {
			if err != nil {
				return err
			}
			items = append(items, n)
		}
		fmt.Fprintln(w, pyList(items))
	}

	fmt.Fprintln(w, "\nslow generator:")
	for n, err := range secure.Stream[int](ctx, p, "slow_generator") {
		if err != nil {
			return err
		}
		fmt.Fprintln(w, n)
	}

	fmt.Fprintln(w, "\nfirst 20 fibonacci numbers:")
	var fib []*big.Int
	for n, err := range secure.Stream[*big.Int](ctx, p, "fibonacci") {
		if err != nil {
			return err
		}
		fib = append(fib, n)
		if len(fib) == 20 {
			break // closes the remote iterator
		}
	}
	fmt.Fprintln(w, pyList(fib))
	return nil
}

// pyList formats items the way Python prints a list.
func pyList[T any](items []T) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = fmt.Sprint(it)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
