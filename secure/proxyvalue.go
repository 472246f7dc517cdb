package secure

import (
	"fmt"

	"github.com/flintrpc/flint/value"
)

// MarshalValue encodes the proxy as Pyro4's Proxy class dict, so a proxy
// can be passed to a remote method (for callbacks). The HMAC key is never
// included, unlike Pyro4.
func (p *Proxy) MarshalValue() (any, error) {
	p.mu.Lock()
	meta := p.meta
	p.mu.Unlock()
	return proxyValue(p.uri, meta), nil
}

// UnmarshalValue makes p a proxy for the URI in a Pyro4 Proxy or URI class
// dict, or a URI string. Its configuration is the zero ProxyConfig; when it
// is called from inside a daemon method with that method's context, it
// uses the daemon's policy.
func (p *Proxy) UnmarshalValue(v any) error {
	var u URI
	if err := u.UnmarshalValue(v); err != nil {
		return err
	}
	np, err := NewProxy(u, ProxyConfig{})
	if err != nil {
		return err
	}
	if d, ok := v.(*value.Dict); ok {
		if st, ok := d.GetString("state"); ok {
			items := asSeq(st)
			if len(items) >= 4 {
				np.meta = Metadata{Oneway: strs(items[1]), Methods: strs(items[2]), Attrs: strs(items[3])}
			}
			if len(items) >= 9 {
				if s, ok := items[8].(string); ok && s != "" {
					if c, err := np.cfg.Serializers.ByName(s); err == nil {
						np.codec, np.cfg.Serializer = c, s
					}
				}
			}
		}
	}
	*p = Proxy{uri: np.uri, cfg: np.cfg, codec: np.codec, meta: np.meta}
	return nil
}

func strs(v any) []string {
	var out []string
	for _, x := range asSeq(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// String returns a short description for logs.
func (p *Proxy) String() string { return fmt.Sprintf("<flint proxy %s>", p.uri) }
