package naming

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/naming/storage"
	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Well-known names and ports, as in Pyro4.
const (
	// ObjectID is the name server's object id, and the name under which
	// it lists itself.
	ObjectID = "Pyro.NameServer"
	// DefaultPort is the name server's TCP port (Pyro4's NS_PORT).
	DefaultPort = 9090
	// DefaultBroadcastPort is the UDP port of the broadcast responder
	// (Pyro4's NS_BCPORT).
	DefaultBroadcastPort = 9091
	// selfMeta is the metadata of the name server's own entry.
	selfMeta = "class:Pyro4.naming.NameServer"
)

// Limits bound what a client can make the name server store or compute.
// Zero fields take the defaults shown. With the defaults an entry takes at
// most about 18 KB, so the whole store stays under 2 GB even when a client
// that may register fills it; rules are the real defence.
type Limits struct {
	MaxNameLen  int // bytes per name; default 1024
	MaxURILen   int // bytes per URI; default 1024
	MaxTags     int // metadata tags per name; default 64
	MaxTagLen   int // bytes per tag; default 256
	MaxRegexLen int // bytes per regex filter; default 256
	MaxEntries  int // registrations in total (checked before adding a name); default 100,000
	// RegexBudget bounds the time one list or remove call may spend
	// matching a regex against names (RE2 is linear in the input, but the
	// input is every name); past it the call fails with NamingError.
	// Default 2 seconds.
	RegexBudget time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxNameLen, 1024)
	def(&l.MaxURILen, 1024)
	def(&l.MaxTags, 64)
	def(&l.MaxTagLen, 256)
	def(&l.MaxRegexLen, 256)
	def(&l.MaxEntries, 100_000)
	if l.RegexBudget <= 0 {
		l.RegexBudget = 2 * time.Second
	}
	return l
}

// Config configures a NameServer. The zero value is an in-memory name
// server without rules (every admitted peer may do everything except
// touch the name server's own entry).
type Config struct {
	// Storage holds the registrations; nil means a new storage.Memory.
	// The name server does not close it (Server does).
	Storage storage.Storage
	// Rules decide who may do what to which names; see Rules.
	Rules Rules
	// Limits bound sizes; zero fields take defaults.
	Limits Limits
	// Logger receives the audit log (denials at Warn, changes at Info);
	// nil discards it.
	Logger hclog.Logger
}

// NameServer is the object published as Pyro.NameServer. Its exported
// methods are the remote methods of Pyro4 4.82's name server, with the same
// parameter names, defaults, results and exceptions; their parameters are
// untyped because Python callers may send anything, and each one is checked
// as Pyro4 checks it. Go programs normally reach a name server through a
// [Client] instead.
type NameServer struct {
	st    storage.Storage
	rules Rules
	lim   Limits
	log   hclog.Logger
}

// New returns a name server over cfg.Storage.
func New(cfg Config) *NameServer {
	ns := &NameServer{st: cfg.Storage, rules: slices.Clone(cfg.Rules), lim: cfg.Limits.withDefaults(), log: cfg.Logger}
	if ns.st == nil {
		ns.st = storage.NewMemory()
	}
	if ns.log == nil {
		ns.log = hclog.NewNullLogger()
	}
	return ns
}

// Storage returns the name server's storage.
func (ns *NameServer) Storage() storage.Storage { return ns.st }

// Options returns the registration options that publish ns as Pyro4's name
// server: id Pyro.NameServer, its seven methods and their Python parameter
// names (so keyword arguments work).
func (ns *NameServer) Options() []secure.Option {
	return []secure.Option{
		secure.WithID(ObjectID),
		secure.Expose("Lookup", "Register", "Remove", "List", "SetMetadata", "Count", "Ping"),
		secure.Params("lookup", "name", "return_metadata"),
		secure.Params("register", "name", "uri", "safe", "metadata"),
		secure.Params("remove", "name", "prefix", "regex"),
		secure.Params("list", "prefix", "regex", "metadata_all", "metadata_any", "return_metadata"),
		secure.Params("set_metadata", "name", "metadata"),
		secure.Idempotent("lookup", "list", "count", "ping", "set_metadata"),
	}
}

// Publish registers ns in d under Pyro.NameServer and records the name
// server's own entry (its URI, with metadata class:Pyro4.naming.NameServer)
// in the storage, replacing any entry left from an earlier run.
func (ns *NameServer) Publish(ctx context.Context, d *secure.Daemon) (secure.URI, error) {
	uri, err := d.Register(ns, ns.Options()...)
	if err != nil {
		return secure.URI{}, err
	}
	if err := ns.st.Put(ctx, ObjectID, storage.Entry{URI: uri.String(), Meta: []string{selfMeta}}); err != nil {
		_ = d.Unregister(ObjectID)
		return secure.URI{}, fmt.Errorf("naming: recording the name server's own entry: %w", err)
	}
	return uri, nil
}

// deniedError is a rule refusal; it reaches the peer as SecurityError.
type deniedError struct {
	action Action
	name   string
}

func (e *deniedError) Error() string {
	return fmt.Sprintf("not allowed to %s name %s", e.action, e.name)
}

func peerOf(ctx context.Context) auth.Identity {
	if ci, ok := secure.CallInfoFrom(ctx); ok {
		return ci.Peer
	}
	return auth.Identity{}
}

// deny logs a refusal and returns the error sent to the peer.
func (ns *NameServer) deny(ctx context.Context, a Action, name, why string) error {
	ns.log.Warn("name server request denied", "peer", peerOf(ctx).String(), "action", string(a),
		"name", logTrunc(name), "reason", why)
	return securityError(fmt.Sprintf("not allowed to %s %s", a, name))
}

func (ns *NameServer) storageError(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	ns.log.Error("name server storage failure", "op", op, "error", err.Error())
	return &secure.Error{Kind: secure.ErrNaming, Msg: "name server storage failure", Cause: err}
}

// reserved reports whether name is the name server's own entry, which no
// one may change or remove.
func reserved(name string) bool { return name == ObjectID }

// Lookup is the remote method lookup(name, return_metadata=False): the URI
// registered under name, or with return_metadata the tuple (URI,
// [metadata...]). An unknown name raises NamingError("unknown name: NAME").
func (ns *NameServer) Lookup(ctx context.Context, name, returnMetadata any) (any, error) {
	n, err := ns.nameArg(name)
	if err != nil {
		return nil, err
	}
	if !ns.rules.Allow(peerOf(ctx), n, ActionLookup) {
		return nil, ns.deny(ctx, ActionLookup, n, "no rule allows it")
	}
	e, err := ns.st.Get(ctx, n)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, namingError("unknown name: " + n)
	}
	if err != nil {
		return nil, ns.storageError("lookup", err)
	}
	u, err := secure.ParseURI(e.URI)
	if err != nil {
		return nil, ns.storageError("lookup", fmt.Errorf("stored uri of %s: %w", quoteTrunc(n), err))
	}
	uv, _ := u.MarshalValue()
	if truthy(returnMetadata) {
		return value.Tuple{uv, metaList(e.Meta)}, nil
	}
	return uv, nil
}

func metaList(tags []string) []any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = t
	}
	return out
}

// Register is the remote method register(name, uri, safe=False,
// metadata=None). uri is a URI string or object; metadata an iterable of
// str (not a str). With safe, an existing name raises
// NamingError("name already registered: NAME"); otherwise it is replaced.
// Pyro.NameServer cannot be registered over.
func (ns *NameServer) Register(ctx context.Context, name, uri, safe, metadata any) error {
	u, err := ns.uriArg(uri)
	if err != nil {
		return err
	}
	n, err := ns.nameArg(name)
	if err != nil {
		return err
	}
	tags, err := ns.metaArg("metadata", metadata)
	if err != nil {
		return err
	}
	if reserved(n) {
		return ns.deny(ctx, ActionOverwrite, n, "the name server's own entry is reserved")
	}
	if n == "" {
		return namingError("invalid name: empty")
	}
	cnt, err := ns.st.Count(ctx)
	if err != nil {
		return ns.storageError("register", err)
	}
	id := peerOf(ctx)
	isSafe := truthy(safe)
	var created bool
	err = ns.st.Update(ctx, n, func(_ storage.Entry, exists bool) (storage.Entry, storage.Op, error) {
		switch {
		case exists && isSafe:
			return storage.Entry{}, storage.Keep, namingError("name already registered: " + n)
		case exists && !ns.rules.Allow(id, n, ActionOverwrite):
			return storage.Entry{}, storage.Keep, &deniedError{ActionOverwrite, n}
		case !exists && !ns.rules.Allow(id, n, ActionRegister):
			return storage.Entry{}, storage.Keep, &deniedError{ActionRegister, n}
		case !exists && cnt >= ns.lim.MaxEntries:
			return storage.Entry{}, storage.Keep, namingError(fmt.Sprintf("name server is full (%d names)", ns.lim.MaxEntries))
		}
		created = !exists
		return storage.Entry{URI: u, Meta: tags}, storage.Write, nil
	})
	var de *deniedError
	switch {
	case errors.As(err, &de):
		return ns.deny(ctx, de.action, n, "no rule allows it")
	case err != nil:
		var fe *secure.Error
		if errors.As(err, &fe) && fe.Kind == secure.ErrNaming && fe.Cause == nil {
			return err
		}
		return ns.storageError("register", err)
	}
	if ns.log.IsInfo() {
		ns.log.Info("name registered", "peer", id.String(), "name", logTrunc(n), "uri", logTrunc(u), "new", created)
	}
	return nil
}

// SetMetadata is the remote method set_metadata(name, metadata): it
// replaces the metadata of an existing name (None or empty clears it).
func (ns *NameServer) SetMetadata(ctx context.Context, name, metadata any) error {
	n, err := ns.nameArg(name)
	if err != nil {
		return err
	}
	tags, err := ns.metaArg("metadata", metadata)
	if err != nil {
		return err
	}
	if reserved(n) {
		return ns.deny(ctx, ActionSetMetadata, n, "the name server's own entry is reserved")
	}
	id := peerOf(ctx)
	err = ns.st.Update(ctx, n, func(cur storage.Entry, exists bool) (storage.Entry, storage.Op, error) {
		if !exists {
			return cur, storage.Keep, storage.ErrNotFound
		}
		if !ns.rules.Allow(id, n, ActionSetMetadata) {
			return cur, storage.Keep, &deniedError{ActionSetMetadata, n}
		}
		cur.Meta = tags
		return cur, storage.Write, nil
	})
	var de *deniedError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return namingError("unknown name: " + n)
	case errors.As(err, &de):
		return ns.deny(ctx, de.action, n, "no rule allows it")
	case err != nil:
		return ns.storageError("set_metadata", err)
	}
	ns.log.Info("metadata set", "peer", id.String(), "name", logTrunc(n), "tags", len(tags))
	return nil
}

// Remove is the remote method remove(name=None, prefix=None, regex=None):
// it removes the name if it exists, else every name with the prefix, else
// every name matching the regex, and returns how many it removed.
// Pyro.NameServer is never removed; with rules in force, names the caller
// may not remove are left alone.
func (ns *NameServer) Remove(ctx context.Context, name, prefix, regex any) (int, error) {
	id := peerOf(ctx)
	if truthy(name) {
		if n, ok := name.(string); ok && !reserved(n) {
			removed := false
			err := ns.st.Update(ctx, n, func(cur storage.Entry, exists bool) (storage.Entry, storage.Op, error) {
				removed = false
				if !exists {
					return cur, storage.Keep, nil
				}
				if !ns.rules.Allow(id, n, ActionRemove) {
					return cur, storage.Keep, &deniedError{ActionRemove, n}
				}
				removed = true
				return cur, storage.Delete, nil
			})
			var de *deniedError
			switch {
			case errors.As(err, &de):
				return 0, ns.deny(ctx, ActionRemove, n, "no rule allows it")
			case err != nil:
				return 0, ns.storageError("remove", err)
			case removed:
				ns.log.Info("name removed", "peer", id.String(), "name", logTrunc(n))
				return 1, nil
			}
		} else if ok {
			ns.log.Warn("name server request denied", "peer", id.String(), "action", string(ActionRemove),
				"name", logTrunc(n), "reason", "the name server's own entry is reserved")
		}
	}
	var match func(string, storage.Entry) bool
	var from string
	var overBudget bool
	switch {
	case truthy(prefix):
		var err error
		if match, from, err = prefixMatcher(prefix); err != nil {
			return 0, err
		}
	case truthy(regex):
		re, err := ns.compileRegex(regex)
		if err != nil {
			return 0, err
		}
		match = ns.regexMatcher(re, &overBudget)
	default:
		return 0, nil
	}
	var names []string
	denied := 0
	err := ns.st.Range(ctx, from, func(n string, e storage.Entry) bool {
		if reserved(n) || !match(n, e) {
			return !overBudget
		}
		if !ns.rules.Allow(id, n, ActionRemove) {
			denied++
			return true
		}
		names = append(names, n)
		return true
	})
	if err != nil {
		return 0, ns.storageError("remove", err)
	}
	if overBudget {
		return 0, ns.regexTooSlow(ctx)
	}
	if denied > 0 {
		ns.log.Warn("name server request denied", "peer", id.String(), "action", string(ActionRemove),
			"names", denied, "reason", "no rule allows it; those names were kept")
	}
	if len(names) == 0 {
		return 0, nil
	}
	n, err := ns.st.Delete(ctx, names...)
	if err != nil {
		return 0, ns.storageError("remove", err)
	}
	ns.log.Info("names removed", "peer", id.String(), "count", n)
	return n, nil
}

// prefixMatcher returns the matcher for a prefix filter and the longest
// prefix Range can start from.
func prefixMatcher(prefix any) (func(string, storage.Entry) bool, string, error) {
	ps, err := prefixArg(prefix)
	if err != nil {
		return nil, "", err
	}
	if len(ps) == 1 {
		p := ps[0]
		return func(n string, _ storage.Entry) bool { return strings.HasPrefix(n, p) }, p, nil
	}
	return func(n string, _ storage.Entry) bool {
		for _, p := range ps {
			if strings.HasPrefix(n, p) {
				return true
			}
		}
		return false
	}, "", nil
}

// List is the remote method list(prefix=None, regex=None,
// metadata_all=None, metadata_any=None, return_metadata=False): a dict of
// name to URI string, or with return_metadata name to (uri, [metadata]).
// At most one filter may be given (ValueError otherwise). regex matches at
// the start of the name like Python's re.match, in RE2 syntax. With rules
// in force, only names the caller may look up are listed.
func (ns *NameServer) List(ctx context.Context, prefix, regex, metadataAll, metadataAny, returnMetadata any) (*value.Dict, error) {
	given := 0
	for _, f := range []any{prefix, regex, metadataAll, metadataAny} {
		if f != nil {
			given++
		}
	}
	if given > 1 {
		return nil, valueError("you can only filter on one thing at a time")
	}
	match := func(string, storage.Entry) bool { return true }
	from := ""
	overBudget := false
	switch {
	case truthy(prefix):
		var err error
		if match, from, err = prefixMatcher(prefix); err != nil {
			return nil, err
		}
	case truthy(regex):
		var re *regexp.Regexp
		var err error
		if re, err = ns.compileRegex(regex); err != nil {
			return nil, err
		}
		match = ns.regexMatcher(re, &overBudget)
	case truthy(metadataAll):
		tags, nonStr, err := filterTags("metadata_all", metadataAll)
		if err != nil {
			return nil, err
		}
		match = func(_ string, e storage.Entry) bool {
			if nonStr {
				return false
			}
			for _, t := range tags {
				if _, ok := slices.BinarySearch(e.Meta, t); !ok {
					return false
				}
			}
			return true
		}
	case truthy(metadataAny):
		tags, _, err := filterTags("metadata_any", metadataAny)
		if err != nil {
			return nil, err
		}
		match = func(_ string, e storage.Entry) bool {
			for _, t := range tags {
				if _, ok := slices.BinarySearch(e.Meta, t); ok {
					return true
				}
			}
			return false
		}
	}
	withMeta := truthy(returnMetadata)
	id := peerOf(ctx)
	out := &value.Dict{}
	err := ns.st.Range(ctx, from, func(n string, e storage.Entry) bool {
		if !match(n, e) || !ns.rules.Allow(id, n, ActionLookup) {
			return !overBudget
		}
		if withMeta {
			out.Append(n, value.Tuple{e.URI, metaList(e.Meta)})
		} else {
			out.Append(n, e.URI)
		}
		return true
	})
	if err != nil {
		return nil, ns.storageError("list", err)
	}
	if overBudget {
		return nil, ns.regexTooSlow(ctx)
	}
	return out, nil
}

// regexMatcher returns a matcher for re that stops matching (and sets
// *over) once the regex budget is spent.
func (ns *NameServer) regexMatcher(re *regexp.Regexp, over *bool) func(string, storage.Entry) bool {
	start := time.Now()
	n := 0
	return func(name string, _ storage.Entry) bool {
		if *over {
			return false
		}
		if n++; n%16 == 0 && time.Since(start) > ns.lim.RegexBudget {
			*over = true
			return false
		}
		return re.MatchString(name)
	}
}

func (ns *NameServer) regexTooSlow(ctx context.Context) error {
	ns.log.Warn("regex filter over budget", "peer", peerOf(ctx).String(), "budget", ns.lim.RegexBudget)
	return namingError("regex filter took too long; use a simpler pattern or a prefix")
}

// Count is the remote method count(): the number of registrations,
// including the name server's own.
func (ns *NameServer) Count(ctx context.Context) (int, error) {
	n, err := ns.st.Count(ctx)
	if err != nil {
		return 0, ns.storageError("count", err)
	}
	return n, nil
}

// Ping is the remote method ping(); it does nothing.
func (ns *NameServer) Ping() {}

// FlintMethods implements secure.DirectMethods: the daemon calls the
// name server's most frequent methods without reflection.
func (ns *NameServer) FlintMethods() map[string]any {
	return map[string]any{"Lookup": ns.Lookup, "Count": ns.Count, "Ping": ns.Ping}
}
