package naming

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/naming/storage"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// remoteErr asserts err is a remote exception of the given Python class
// and returns its message.
func remoteErr(t *testing.T, err error, class string) string {
	t.Helper()
	var re *secure.RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, class, re.Class, "message: %s", re.Message())
	return re.Message()
}

func TestNameServerMethods(t *testing.T) {
	srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext())})
	c := dialNS(t, srv, plaintext())
	ctx := ctxT(t)

	require.NoError(t, c.Ping(ctx))
	n, err := c.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the name server lists itself")
	self, meta, err := c.LookupMeta(ctx, ObjectID)
	require.NoError(t, err)
	assert.Equal(t, srv.URI(), self)
	assert.Equal(t, []string{"class:Pyro4.naming.NameServer"}, meta)

	one := secure.MustParseURI("PYRO:one@127.0.0.1:5001")
	two := secure.MustParseURI("PYRO:two@127.0.0.1:5002")
	require.NoError(t, c.Register(ctx, "ex.one", one, RegisterOptions{Metadata: []string{"b", "a"}}))
	require.NoError(t, c.Register(ctx, "ex.two", two, RegisterOptions{Safe: true}))
	err = c.Register(ctx, "ex.two", one, RegisterOptions{Safe: true})
	require.ErrorIs(t, err, secure.ErrNaming)
	assert.Equal(t, "name already registered: ex.two", remoteErr(t, err, "Pyro4.errors.NamingError"))

	got, err := c.Lookup(ctx, "ex.one")
	require.NoError(t, err)
	assert.Equal(t, one, got)
	got, meta, err = c.LookupMeta(ctx, "ex.two")
	require.NoError(t, err)
	assert.Equal(t, two, got)
	assert.Empty(t, meta)
	_, err = c.Lookup(ctx, "no.such")
	assert.Equal(t, "unknown name: no.such", remoteErr(t, err, "Pyro4.errors.NamingError"))

	all, err := c.List(ctx, Filter{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{ObjectID: srv.URI().String(), "ex.one": one.String(), "ex.two": two.String()}, all)
	pre, err := c.ListMeta(ctx, Filter{Prefix: "ex."})
	require.NoError(t, err)
	assert.Equal(t, map[string]Listing{"ex.one": {URI: one.String(), Meta: []string{"a", "b"}}, "ex.two": {URI: two.String(), Meta: []string{}}}, pre)
	re, err := c.List(ctx, Filter{Regex: `ex\.t`})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"ex.two": two.String()}, re)
	re, err = c.List(ctx, Filter{Regex: `one`})
	require.NoError(t, err)
	assert.Empty(t, re, "regex is anchored at the start, like re.match")
	re, err = c.List(ctx, Filter{Regex: `.*one`})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"ex.one": one.String()}, re)
	ma, err := c.List(ctx, Filter{MetadataAll: []string{"a", "b"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"ex.one"}, keys(ma))
	ma, err = c.List(ctx, Filter{MetadataAll: []string{"a", "zz"}})
	require.NoError(t, err)
	assert.Empty(t, ma)
	ma, err = c.List(ctx, Filter{MetadataAny: []string{"zz", "class:Pyro4.naming.NameServer"}})
	require.NoError(t, err)
	assert.Equal(t, []string{ObjectID}, keys(ma))

	require.NoError(t, c.SetMetadata(ctx, "ex.two", []string{"x"}))
	_, meta, _ = c.LookupMeta(ctx, "ex.two")
	assert.Equal(t, []string{"x"}, meta)
	require.NoError(t, c.SetMetadata(ctx, "ex.two", nil))
	_, meta, _ = c.LookupMeta(ctx, "ex.two")
	assert.Empty(t, meta)
	err = c.SetMetadata(ctx, "no.such", []string{"x"})
	assert.Equal(t, "unknown name: no.such", remoteErr(t, err, "Pyro4.errors.NamingError"))

	// Overwrite without safe replaces URI and metadata.
	require.NoError(t, c.Register(ctx, "ex.two", one, RegisterOptions{Metadata: []string{"m"}}))
	got, meta, _ = c.LookupMeta(ctx, "ex.two")
	assert.Equal(t, one, got)
	assert.Equal(t, []string{"m"}, meta)

	k, err := c.Remove(ctx, "ex.one")
	require.NoError(t, err)
	assert.Equal(t, 1, k)
	k, err = c.Remove(ctx, "ex.one")
	require.NoError(t, err)
	assert.Equal(t, 0, k)
	for i := range 5 {
		require.NoError(t, c.Register(ctx, fmt.Sprintf("bulk.%d", i), one, RegisterOptions{}))
	}
	k, err = c.RemoveRegex(ctx, `bulk\.[0-2]`)
	require.NoError(t, err)
	assert.Equal(t, 3, k)
	k, err = c.RemovePrefix(ctx, "bulk.")
	require.NoError(t, err)
	assert.Equal(t, 2, k)
	k, err = c.RemovePrefix(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, 0, k, "an empty prefix removes nothing, as in Pyro4")
	n, _ = c.Count(ctx)
	assert.Equal(t, 2, n)
}

func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func secureCfg(pol *policy.Policy) secure.DaemonConfig { return secure.DaemonConfig{Policy: pol} }

// TestNoneArguments calls every method the way Pyrolite does: positional
// arguments, with None for each optional parameter.
func TestNoneArguments(t *testing.T) {
	srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext())})
	c := dialNS(t, srv, plaintext())
	p := c.Proxy()
	ctx := ctxT(t)

	_, err := p.Call(ctx, "register", "a", "PYRO:a@127.0.0.1:1", nil, nil)
	require.NoError(t, err)
	v, err := p.Call(ctx, "lookup", "a", nil)
	require.NoError(t, err)
	var u secure.URI
	require.NoError(t, u.UnmarshalValue(v))
	assert.Equal(t, "PYRO:a@127.0.0.1:1", u.String())
	v, err = p.Call(ctx, "list", nil, nil, nil, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, v.(*value.Dict).Len())
	v, err = p.Call(ctx, "list", nil, nil, nil, nil, true)
	require.NoError(t, err)
	item, _ := v.(*value.Dict).GetString("a")
	assert.Equal(t, value.Tuple{"PYRO:a@127.0.0.1:1", []any{}}, item)
	_, err = p.Call(ctx, "set_metadata", "a", nil)
	require.NoError(t, err)
	v, err = p.Call(ctx, "remove", nil, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(0), v)
	v, err = p.Call(ctx, "remove", "a", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1), v)
	// A URI object (class dict) is accepted as well as a string.
	uv, _ := secure.MustParseURI("PYRO:b@127.0.0.1:2").MarshalValue()
	_, err = p.Call(ctx, "register", "b", uv, false, []any{"t"})
	require.NoError(t, err)
	v, err = p.CallKw(ctx, "lookup", nil, map[string]any{"name": "b", "return_metadata": true})
	require.NoError(t, err)
	tup := v.(value.Tuple)
	assert.Equal(t, []any{"t"}, tup[1])
	// remove(name) of a missing name falls through to the prefix, as in Pyro4.
	v, err = p.CallKw(ctx, "remove", nil, map[string]any{"name": "missing", "prefix": "b"})
	require.NoError(t, err)
	assert.Equal(t, int64(1), v)
}

func TestArgumentErrors(t *testing.T) {
	srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext()), NameServer: Config{Limits: Limits{MaxEntries: 4, MaxTags: 3}}})
	c := dialNS(t, srv, plaintext())
	p := c.Proxy()
	ctx := ctxT(t)
	call := func(method string, args []any, kw map[string]any) error {
		_, err := p.CallKw(ctx, method, args, kw)
		return err
	}
	uri := "PYRO:x@127.0.0.1:1"
	cases := []struct {
		method string
		args   []any
		kw     map[string]any
		class  string
		msg    string
	}{
		{"register", []any{int64(42), uri}, nil, "builtins.TypeError", "name must be a str"},
		{"register", []any{"n", int64(42)}, nil, "builtins.TypeError", "only URIs or strings can be registered"},
		{"register", []any{"n", "not a uri"}, nil, "Pyro4.errors.PyroError", ""},
		{"register", []any{"n", uri}, map[string]any{"metadata": "abc"}, "builtins.TypeError", "metadata should not be a str, but another iterable (set, list, etc)"},
		{"register", []any{"n", uri}, map[string]any{"metadata": int64(5)}, "builtins.TypeError", "'int' object is not iterable"},
		{"register", []any{"n", uri}, map[string]any{"metadata": []any{int64(1)}}, "builtins.TypeError", "metadata items must be str, not int"},
		{"register", []any{"n", uri}, map[string]any{"metadata": []any{"1", "2", "3", "4"}}, "Pyro4.errors.NamingError", "too many metadata tags (max 3)"},
		{"register", []any{strings.Repeat("n", 1025), uri}, nil, "Pyro4.errors.NamingError", "name too long (max 1024 bytes)"},
		{"register", []any{"", uri}, nil, "Pyro4.errors.NamingError", "invalid name: empty"},
		{"lookup", []any{int64(1)}, nil, "builtins.TypeError", "name must be a str"},
		{"lookup", nil, nil, "builtins.TypeError", "name must be a str"},
		{"set_metadata", []any{"n", "abc"}, nil, "builtins.TypeError", "metadata should not be a str, but another iterable (set, list, etc)"},
		{"list", nil, map[string]any{"prefix": "a", "regex": "b"}, "builtins.ValueError", "you can only filter on one thing at a time"},
		{"list", nil, map[string]any{"prefix": "", "metadata_any": []any{}}, "builtins.ValueError", "you can only filter on one thing at a time"},
		{"list", nil, map[string]any{"metadata_all": "abc"}, "builtins.TypeError", "metadata_all should not be a str, but another iterable (set, list, etc)"},
		{"list", nil, map[string]any{"metadata_any": int64(3)}, "builtins.TypeError", "'int' object is not iterable"},
		{"list", nil, map[string]any{"prefix": int64(3)}, "builtins.TypeError", "startswith first arg must be str or a tuple of str, not int"},
		{"list", nil, map[string]any{"regex": int64(3)}, "builtins.TypeError", "first argument must be string or compiled pattern, not int"},
		{"list", nil, map[string]any{"regex": "(unclosed"}, "Pyro4.errors.NamingError", "invalid regex: missing closing ): `(unclosed`"},
		{"list", nil, map[string]any{"regex": "a)(b"}, "Pyro4.errors.NamingError", "invalid regex: unexpected ): `a)(b`"},
		{"list", nil, map[string]any{"regex": `(?<=a)b`}, "Pyro4.errors.NamingError", ""},
		{"list", nil, map[string]any{"regex": strings.Repeat("a", 10_000)}, "Pyro4.errors.NamingError", "invalid regex: longer than 256 bytes"},
		{"remove", nil, map[string]any{"regex": "[z-a]"}, "Pyro4.errors.NamingError", ""},
		{"lookup", []any{"a", false, "extra"}, nil, "builtins.TypeError", ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+fmt.Sprint(tc.args, tc.kw), func(t *testing.T) {
			msg := remoteErr(t, call(tc.method, tc.args, tc.kw), tc.class)
			if tc.msg != "" {
				assert.Equal(t, tc.msg, msg)
			}
		})
	}
	// A tuple of prefixes works, as with str.startswith.
	require.NoError(t, c.Register(ctx, "p.1", secure.MustParseURI(uri), RegisterOptions{}))
	require.NoError(t, c.Register(ctx, "q.1", secure.MustParseURI(uri), RegisterOptions{}))
	v, err := p.CallKw(ctx, "list", nil, map[string]any{"prefix": value.Tuple{"p.", "q."}})
	require.NoError(t, err)
	assert.Equal(t, 2, v.(*value.Dict).Len())
	// MaxEntries: 3 names now, one more fits, the fifth does not.
	require.NoError(t, c.Register(ctx, "r.1", secure.MustParseURI(uri), RegisterOptions{}))
	err = c.Register(ctx, "r.2", secure.MustParseURI(uri), RegisterOptions{})
	assert.Equal(t, "name server is full (4 names)", remoteErr(t, err, "Pyro4.errors.NamingError"))
	require.NoError(t, c.Register(ctx, "r.1", secure.MustParseURI(uri), RegisterOptions{}), "overwriting needs no room")
}

// TestReservedEntry: nobody can replace, remove or re-tag Pyro.NameServer.
func TestReservedEntry(t *testing.T) {
	srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext())})
	c := dialNS(t, srv, plaintext())
	ctx := ctxT(t)
	evil := secure.MustParseURI("PYRO:evil@127.0.0.1:6666")
	err := c.Register(ctx, ObjectID, evil, RegisterOptions{})
	require.ErrorIs(t, err, secure.ErrSecurity)
	remoteErr(t, err, "Pyro4.errors.SecurityError")
	err = c.SetMetadata(ctx, ObjectID, []string{"x"})
	remoteErr(t, err, "Pyro4.errors.SecurityError")
	n, err := c.Remove(ctx, ObjectID)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	n, err = c.RemovePrefix(ctx, "Pyro.")
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	n, err = c.RemoveRegex(ctx, ".*")
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	u, meta, err := c.LookupMeta(ctx, ObjectID)
	require.NoError(t, err)
	assert.Equal(t, srv.URI(), u)
	assert.Equal(t, []string{selfMeta}, meta)
}

// TestHostileRegex: patterns that backtrack exponentially in Python run in
// linear time here, and huge ones are refused before compiling.
func TestHostileRegex(t *testing.T) {
	srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext())})
	c := dialNS(t, srv, plaintext())
	ctx := ctxT(t)
	long := strings.Repeat("a", 1000) + "!"
	require.NoError(t, c.Register(ctx, long, secure.MustParseURI("PYRO:x@127.0.0.1:1"), RegisterOptions{}))
	for _, pat := range []string{`(a+)+$`, `(a|aa)+$`, `(a*)*b`, `((a+)+)+$`} {
		start := time.Now()
		got, err := c.List(ctx, Filter{Regex: pat})
		require.NoError(t, err, pat)
		assert.Empty(t, got, pat)
		assert.Less(t, time.Since(start), 2*time.Second, pat)
	}
	start := time.Now()
	_, err := c.List(ctx, Filter{Regex: strings.Repeat("(a+)+", 2000)})
	remoteErr(t, err, "Pyro4.errors.NamingError")
	assert.Less(t, time.Since(start), 2*time.Second)
	got, err := c.List(ctx, Filter{Regex: `(a+)+!`})
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

// TestSafeRegisterRace: of many concurrent safe registrations of one name,
// exactly one wins.
func TestSafeRegisterRace(t *testing.T) {
	for _, kind := range []string{"memory", "bolt"} {
		t.Run(kind, func(t *testing.T) {
			var st storage.Storage = storage.NewMemory()
			if kind == "bolt" {
				b, err := storage.OpenBolt(t.TempDir()+"/ns.db", storage.BoltOptions{})
				require.NoError(t, err)
				st = b
			}
			srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext()), NameServer: Config{Storage: st}})
			ctx := ctxT(t)
			var wins, losses atomic.Int32
			var wg sync.WaitGroup
			for i := range 16 {
				c := dialNS(t, srv, plaintext())
				wg.Add(1)
				go func() {
					defer wg.Done()
					u := secure.MustParseURI(fmt.Sprintf("PYRO:o%d@127.0.0.1:1", i))
					err := c.Register(ctx, "contested", u, RegisterOptions{Safe: true})
					switch {
					case err == nil:
						wins.Add(1)
					case errors.Is(err, secure.ErrNaming):
						losses.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			assert.Equal(t, int32(1), wins.Load())
			assert.Equal(t, int32(15), losses.Load())
		})
	}
}

// TestRegexBudget: a regex that is linear but slow on many long names is
// cut off by the time budget instead of occupying the server.
func TestRegexBudget(t *testing.T) {
	st := storage.NewMemory()
	ns := New(Config{Storage: st, Limits: Limits{RegexBudget: 50 * time.Millisecond}})
	ctx := ctxT(t)
	long := strings.Repeat("a", 1000)
	const names = 5000
	for i := range names {
		require.NoError(t, ns.Register(ctx, fmt.Sprintf("%s%05d", long, i), "PYRO:x@127.0.0.1:1", nil, nil))
	}
	// Matching (.*a){20}! against all the names takes seconds (about 0.5 ms
	// per name without the race detector); the budget stops it early.
	for _, call := range []func() error{
		func() error { _, err := ns.List(ctx, nil, `(.*a){20}!`, nil, nil, nil); return err },
		func() error { _, err := ns.Remove(ctx, nil, nil, `(.*a){20}!`); return err },
	} {
		start := time.Now()
		err := call()
		var fe *secure.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, secure.ErrNaming, fe.Kind)
		assert.Contains(t, fe.Msg, "took too long")
		assert.Less(t, time.Since(start), 2*time.Second)
	}
	n, err := ns.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, names, n, "nothing was removed")
	// A simple pattern over the same names fits the default budget.
	d, err := New(Config{Storage: st}).List(ctx, nil, `x|aaa`, nil, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, names, d.Len())
}

// TestSerializers: the Go client works over every serializer flint
// offers, and the name server answers in kind.
func TestSerializers(t *testing.T) {
	srv := startServer(t, ServerConfig{Daemon: secureCfg(plaintext())})
	ctx := ctxT(t)
	for _, ser := range []string{"serpent", "json", "marshal", "msgpack"} {
		t.Run(ser, func(t *testing.T) {
			p, err := Locate(ctx, LocateOptions{Host: "127.0.0.1", Port: srv.URI().Port, Policy: plaintext(), Serializer: ser})
			require.NoError(t, err)
			c := NewClient(p)
			defer c.Close()
			u := secure.MustParseURI("PYRO:obj@127.0.0.1:7000")
			name := "ser." + ser
			require.NoError(t, c.Register(ctx, name, u, RegisterOptions{Metadata: []string{"m2", "m1"}}))
			got, meta, err := c.LookupMeta(ctx, name)
			require.NoError(t, err)
			assert.Equal(t, u, got)
			assert.Equal(t, []string{"m1", "m2"}, meta)
			l, err := c.ListMeta(ctx, Filter{MetadataAll: []string{"m1", "m2"}, Prefix: ""})
			require.NoError(t, err)
			assert.Equal(t, Listing{URI: u.String(), Meta: []string{"m1", "m2"}}, l[name])
			n, err := c.Remove(ctx, name)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		})
	}
}
