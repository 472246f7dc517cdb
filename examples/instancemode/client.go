package instancemode

import (
	"context"
	"fmt"
	"io"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Client calls msg on the three objects of the daemon at location
// ("host:port"), printing the number of the instance that handled each
// call to w, like the client of Pyro4's instancemode example. An empty
// location means PYRONAME: URIs, resolved by cfg.Resolver.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, location string) error {
	fmt.Fprintln(w, "Showing the different instancing modes.")
	fmt.Fprintln(w, "The number printed, is the id of the instance that handled the call.")

	// calls makes a proxy, calls msg three times and closes it.
	calls := func(id, message string) ([]any, error) {
		uri := "PYRONAME:" + id
		if location != "" {
			uri = "PYRO:" + id + "@" + location
		}
		p, err := secure.NewProxy(uri, cfg)
		if err != nil {
			return nil, err
		}
		defer p.Close()
		var got []any
		for range 3 {
			v, err := p.Call(ctx, "msg", message)
			if err != nil {
				return nil, err
			}
			fmt.Fprintln(w, show(v))
			got = append(got, instanceOf(v))
		}
		return got, nil
	}

	fmt.Fprintln(w, "\n-----PERCALL (different number every time) -----")
	got, err := calls(PercallID, "hello")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "instances:", distinct(got))

	fmt.Fprintln(w, "\n-----SESSION (same numbers within session) -----")
	first, err := calls(SessionID, "hello1")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "instances:", distinct(first))
	fmt.Fprintln(w, " ..new proxy..")
	second, err := calls(SessionID, "hello2")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "instances:", distinct(second))
	fmt.Fprintln(w, "instances over both sessions:", distinct(append(first, second...)))

	fmt.Fprintln(w, "\n-----SINGLE (same number always) -----")
	first, err = calls(SingleID, "hello1")
	if err != nil {
		return err
	}
	second, err = calls(SingleID, "hello2")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "instances over both proxies:", distinct(append(first, second...)))
	return nil
}

// instanceOf returns the instance number in a msg result: the number, or
// the first item of the session object's (number, correlation id) pair.
func instanceOf(v any) any {
	switch t := v.(type) {
	case value.Tuple:
		return t[0]
	case []any:
		return t[0]
	}
	return v
}

// show formats a msg result as Python prints it.
func show(v any) string {
	var items []any
	switch t := v.(type) {
	case value.Tuple:
		items = t
	case []any:
		items = t
	default:
		return fmt.Sprint(v)
	}
	s := "("
	for i, it := range items {
		if i > 0 {
			s += ", "
		}
		if str, ok := it.(string); ok {
			s += "'" + str + "'"
		} else {
			s += fmt.Sprint(it)
		}
	}
	return s + ")"
}

func distinct(vs []any) int {
	seen := map[string]bool{}
	for _, v := range vs {
		seen[fmt.Sprint(v)] = true
	}
	return len(seen)
}
