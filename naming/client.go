package naming

import (
	"context"
	"fmt"
	"slices"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Client calls a name server (flint's or Pyro4's) with typed arguments and
// results. Calls are sent as Pyro4's own proxies send them (keyword
// arguments), so a Pyro4 name server understands them.
type Client struct {
	p *secure.Proxy
}

// NewClient returns a client over a proxy for a name server, such as the
// one Locate returns. Closing the client closes the proxy.
func NewClient(p *secure.Proxy) *Client { return &Client{p: p} }

// Proxy returns the underlying proxy.
func (c *Client) Proxy() *secure.Proxy { return c.p }

// Close closes the proxy.
func (c *Client) Close() error { return c.p.Close() }

// Ping checks that the name server answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.p.Call(ctx, "ping")
	return err
}

// Count returns the number of registrations, the name server's own
// included.
func (c *Client) Count(ctx context.Context) (int, error) {
	return secure.Call[int](ctx, c.p, "count")
}

// Lookup returns the URI registered under name. An unknown name is a
// remote NamingError (errors.Is(err, secure.ErrNaming)).
func (c *Client) Lookup(ctx context.Context, name string) (secure.URI, error) {
	// return_metadata is passed positionally, as its default: Pyro4 name
	// servers read it the same, and a flint daemon then calls the method
	// through its typed path (every parameter given, no keywords).
	return secure.Call[secure.URI](ctx, c.p, "lookup", name, false)
}

// LookupMeta returns the URI and the metadata registered under name.
func (c *Client) LookupMeta(ctx context.Context, name string) (secure.URI, []string, error) {
	v, err := c.p.CallKw(ctx, "lookup", []any{name}, map[string]any{"return_metadata": true})
	if err != nil {
		return secure.URI{}, nil, err
	}
	pair, ok := asSeq(v)
	if !ok || len(pair) != 2 {
		return secure.URI{}, nil, resultError("lookup", v)
	}
	var u secure.URI
	if err := u.UnmarshalValue(pair[0]); err != nil {
		return secure.URI{}, nil, resultError("lookup", v)
	}
	meta, err := tagsOf(pair[1])
	if err != nil {
		return secure.URI{}, nil, resultError("lookup", v)
	}
	return u, meta, nil
}

// RegisterOptions are the optional arguments of Register.
type RegisterOptions struct {
	// Safe refuses to replace an existing registration
	// (NamingError "name already registered: NAME").
	Safe bool
	// Metadata tags to store with the name.
	Metadata []string
}

// Register registers uri under name.
func (c *Client) Register(ctx context.Context, name string, uri secure.URI, opts RegisterOptions) error {
	kw := map[string]any{"safe": opts.Safe}
	if opts.Metadata != nil {
		kw["metadata"] = tagSet(opts.Metadata)
	}
	_, err := c.p.CallKw(ctx, "register", []any{name, uri.String()}, kw)
	return err
}

// SetMetadata replaces the metadata of an existing name; no tags clears it.
func (c *Client) SetMetadata(ctx context.Context, name string, tags []string) error {
	_, err := c.p.Call(ctx, "set_metadata", name, tagSet(tags))
	return err
}

// Remove removes name and reports how many names were removed (0 or 1).
func (c *Client) Remove(ctx context.Context, name string) (int, error) {
	return c.remove(ctx, map[string]any{"name": name})
}

// RemovePrefix removes every name starting with prefix (an empty prefix
// removes nothing, as in Pyro4).
func (c *Client) RemovePrefix(ctx context.Context, prefix string) (int, error) {
	return c.remove(ctx, map[string]any{"prefix": prefix})
}

// RemoveRegex removes every name that regex matches at its start.
func (c *Client) RemoveRegex(ctx context.Context, regex string) (int, error) {
	return c.remove(ctx, map[string]any{"regex": regex})
}

func (c *Client) remove(ctx context.Context, kw map[string]any) (int, error) {
	v, err := c.p.CallKw(ctx, "remove", nil, kw)
	if err != nil {
		return 0, err
	}
	var n int
	if err := value.Bind(v, &n); err != nil {
		return 0, resultError("remove", v)
	}
	return n, nil
}

// Filter selects names for List and ListMeta. Set at most one field.
type Filter struct {
	Prefix      string   // names starting with Prefix
	Regex       string   // names the regex matches at their start
	MetadataAll []string // names having all these tags
	MetadataAny []string // names having at least one of these tags
}

func (f Filter) kwargs(withMeta bool) map[string]any {
	kw := map[string]any{}
	if f.Prefix != "" {
		kw["prefix"] = f.Prefix
	}
	if f.Regex != "" {
		kw["regex"] = f.Regex
	}
	if len(f.MetadataAll) > 0 {
		kw["metadata_all"] = tagSet(f.MetadataAll)
	}
	if len(f.MetadataAny) > 0 {
		kw["metadata_any"] = tagSet(f.MetadataAny)
	}
	if withMeta {
		kw["return_metadata"] = true
	}
	return kw
}

// List returns name → URI text for the names f selects.
func (c *Client) List(ctx context.Context, f Filter) (map[string]string, error) {
	v, err := c.p.CallKw(ctx, "list", nil, f.kwargs(false))
	if err != nil {
		return nil, err
	}
	d, ok := v.(*value.Dict)
	if !ok {
		return nil, resultError("list", v)
	}
	out := make(map[string]string, d.Len())
	for _, it := range d.Items {
		k, ok1 := it.Key.(string)
		u, ok2 := it.Value.(string)
		if !ok1 || !ok2 {
			return nil, resultError("list", v)
		}
		out[k] = u
	}
	return out, nil
}

// Listing is one entry of ListMeta's result.
type Listing struct {
	URI  string
	Meta []string // sorted
}

// ListMeta returns name → URI and metadata for the names f selects.
func (c *Client) ListMeta(ctx context.Context, f Filter) (map[string]Listing, error) {
	v, err := c.p.CallKw(ctx, "list", nil, f.kwargs(true))
	if err != nil {
		return nil, err
	}
	d, ok := v.(*value.Dict)
	if !ok {
		return nil, resultError("list", v)
	}
	out := make(map[string]Listing, d.Len())
	for _, it := range d.Items {
		k, ok := it.Key.(string)
		pair, ok2 := asSeq(it.Value)
		if !ok || !ok2 || len(pair) != 2 {
			return nil, resultError("list", v)
		}
		u, ok := pair[0].(string)
		if !ok {
			return nil, resultError("list", v)
		}
		meta, err := tagsOf(pair[1])
		if err != nil {
			return nil, resultError("list", v)
		}
		out[k] = Listing{URI: u, Meta: meta}
	}
	return out, nil
}

func tagSet(tags []string) value.Set {
	s := make(value.Set, len(tags))
	for i, t := range tags {
		s[i] = t
	}
	return s
}

func tagsOf(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	its, ok := asSeq(v)
	if !ok {
		return nil, fmt.Errorf("metadata is %s", value.PyTypeName(v))
	}
	out := make([]string, 0, len(its))
	for _, it := range its {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("metadata item is %s", value.PyTypeName(it))
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

func asSeq(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case value.Tuple:
		return x, true
	case value.Set:
		return x, true
	}
	return nil, false
}

func resultError(method string, v any) error {
	return &secure.Error{Kind: secure.ErrProtocol, Msg: fmt.Sprintf("name server %s returned an unexpected %s", method, value.PyTypeName(v))}
}
