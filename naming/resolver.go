package naming

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/flintrpc/flint/secure"
)

// Resolver resolves PYRONAME and PYROMETA URIs through a name server; it
// implements secure.Resolver. A proxy calls it on every (re)connect, so a
// re-registered object is found at its new address.
//
// PYRONAME:name looks name up. PYROMETA:tag1,tag2 lists the names having
// all the tags and picks one at random (NamingError when there is none).
// A URI that names its name server (PYRONAME:name@host:port) is resolved
// there; otherwise the LocateOptions apply. The name server is always
// reached through the configured policy, and the URI it returns must be a
// PYRO URI.
type Resolver struct {
	opts LocateOptions
}

var _ secure.Resolver = (*Resolver)(nil)

// NewResolver returns a resolver that finds name servers with opts.
func NewResolver(opts LocateOptions) *Resolver { return &Resolver{opts: opts} }

// Resolve implements secure.Resolver.
func (r *Resolver) Resolve(ctx context.Context, u secure.URI) (secure.URI, error) {
	switch u.Protocol {
	case secure.ProtoPyro:
		return u, nil
	case secure.ProtoPyroName, secure.ProtoPyroMeta:
	default:
		return secure.URI{}, &secure.Error{Kind: secure.ErrPyro, Msg: "invalid uri protocol " + u.Protocol}
	}
	opts := r.opts
	switch {
	case u.Sockname != "":
		opts.Unix, opts.Host, opts.Port, opts.Broadcast = u.Sockname, "", 0, false
	case u.Host != "":
		opts.Unix, opts.Host, opts.Port, opts.Broadcast = "", u.Host, u.Port, false
	}
	p, err := Locate(ctx, opts)
	if err != nil {
		return secure.URI{}, err
	}
	c := NewClient(p)
	defer c.Close()
	var target secure.URI
	if u.Protocol == secure.ProtoPyroName {
		if target, err = c.Lookup(ctx, u.Object); err != nil {
			return secure.URI{}, err
		}
	} else {
		var found map[string]string
		if len(u.Meta) > 0 {
			if found, err = c.List(ctx, Filter{MetadataAll: u.Meta}); err != nil {
				return secure.URI{}, err
			}
		}
		if len(found) == 0 {
			return secure.URI{}, &secure.Error{Kind: secure.ErrNaming,
				Msg: fmt.Sprintf("no registrations available with desired metadata properties {%s}", strings.Join(u.Meta, ", "))}
		}
		uris := make([]string, 0, len(found))
		for _, s := range found {
			uris = append(uris, s)
		}
		slices.Sort(uris)
		pick := uris[rand.IntN(len(uris))]
		if target, err = secure.ParseURI(pick); err != nil {
			return secure.URI{}, &secure.Error{Kind: secure.ErrNaming, Msg: "name server returned an invalid uri", Cause: err}
		}
	}
	if target.Protocol != secure.ProtoPyro {
		return secure.URI{}, &secure.Error{Kind: secure.ErrNaming, Msg: fmt.Sprintf("%s resolved to %s, which is not a PYRO uri", u, target)}
	}
	return target, nil
}
