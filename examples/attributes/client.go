package attributes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Client reads and writes the remote attributes of the Thingy at uri and
// tries names that are not exposed, printing to w, like the client of
// Pyro4's attributes example.
func Client(ctx context.Context, w io.Writer, cfg secure.ProxyConfig, uri string) error {
	p, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer p.Close()

	fmt.Fprintln(w, "\nDirect attribute access:")
	v, err := p.GetAttr(ctx, "prop_value")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "p.prop_value=", v)
	fmt.Fprintln(w, "adding 500 to p.prop_value")
	var n int64
	if err := value.Bind(v, &n); err != nil {
		return err
	}
	if err := p.SetAttr(ctx, "prop_value", n+500); err != nil {
		return err
	}
	if v, err = p.GetAttr(ctx, "prop_value"); err != nil {
		return err
	}
	fmt.Fprintln(w, "p.prop_value=", v)
	remote, err := secure.Call[int64](ctx, p, "getValue")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "actual remote value: ", remote, " (via p.getValue() remote method call)")

	// A dunder name is reachable when the server published it explicitly.
	dunder, err := p.Call(ctx, "__dunder__")
	if err != nil {
		fmt.Fprintln(w, "calling p.__dunder__()....: refused:", err)
	} else {
		fmt.Fprintln(w, "calling p.__dunder__()....: ", dunder)
	}

	fmt.Fprintln(w, "\nAccessing unexposed attributes:")
	for _, name := range []string{"sub", "value", "_value", "__value"} {
		fmt.Fprintf(w, "accessing p.%s...\n", name)
		_, err := p.GetAttr(ctx, name)
		var re *secure.RemoteError
		if !errors.As(err, &re) || re.Class != "builtins.AttributeError" {
			return fmt.Errorf("reading %s: want AttributeError, got %v", name, err)
		}
		fmt.Fprintln(w, "ok, got expected error:", re.Message())
	}

	fmt.Fprintln(w, "\nTrying dotted name traversal:")
	sub, err := p.GetAttr(ctx, "prop_sub")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "value gotten from p.prop_sub=", pyDict(sub))
	fmt.Fprintln(w, "\nTrying to update the dictionary directly on the remote object...")
	if d, ok := sub.(*value.Dict); ok {
		d.Set("test", "nope") // changes only the local copy
	}
	again, err := p.GetAttr(ctx, "prop_sub")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "value gotten from p.prop_sub=", pyDict(again), "  (should be unchanged!)")
	if pyDict(again) != "{'name': 'value'}" {
		return errors.New("the remote dictionary changed")
	}
	fmt.Fprintln(w, "\nTrying to set the read-only p.prop_sub...")
	err = p.SetAttr(ctx, "prop_sub", map[string]string{"test": "nope"})
	var re *secure.RemoteError
	if !errors.As(err, &re) || re.Class != "builtins.AttributeError" {
		return fmt.Errorf("setting prop_sub: want AttributeError, got %v", err)
	}
	fmt.Fprintln(w, "ok, got expected error:", re.Message())
	return nil
}

// pyDict formats a str-keyed dict the way Python prints it.
func pyDict(v any) string {
	m := map[string]string{}
	if err := value.Bind(v, &m); err != nil {
		return fmt.Sprint(v)
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("'%s': '%s'", k, m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
