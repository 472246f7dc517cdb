package naming

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/certs/certstest"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

func TestParseRule(t *testing.T) {
	good := []struct {
		in   string
		want string // String() of the result
	}{
		{"cn=svc-a:a.*:register,overwrite", "cn=svc-a:a.*:register,overwrite"},
		{" * : * : lookup ", "*:*:lookup"},
		{"spiffe=spiffe://example.org/ns/*:*:*", "spiffe=spiffe://example.org/ns/*:*:*"},
		{"uid=1000&gid=100:user.*:remove,set_metadata", "uid=1000&gid=100:user.*:remove,set_metadata"},
		{"any:pub.*:lookup", "any:pub.*:lookup"},
	}
	for _, g := range good {
		r, err := ParseRule(g.in)
		require.NoError(t, err, g.in)
		assert.Equal(t, g.want, r.String())
		again, err := ParseRule(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, again, "String round-trips")
	}
	bad := []string{"", "cn=x", "cn=x:names", "cn=x::lookup", "cn=x:a:", "cn=x:a:fly", "bogus=1:a:lookup",
		"anonymous&cn=x:a:lookup", ":a:lookup", "*&cn=x:a:lookup", "cn=x:a:lookup,", "uid=-1:a:*"}
	for _, b := range bad {
		_, err := ParseRule(b)
		require.ErrorIs(t, err, ErrBadRule, "%q", b)
	}
	rs, err := ParseRules("# comment\ncn=a:a.*:*; *:*:lookup\n\n")
	require.NoError(t, err)
	assert.Len(t, rs, 2)
	_, err = ParseRules("cn=a:a.*:*;cn=b")
	require.ErrorContains(t, err, "rule 2")
}

func TestRulesAllow(t *testing.T) {
	rs, err := ParseRules("cn=svc-a:a.*:register,remove; *:pub.*:lookup; uid=1000:u.*:*")
	require.NoError(t, err)
	a := auth.Identity{CommonName: "svc-a"}
	anon := auth.Identity{}
	u := auth.Identity{Unix: &auth.UnixCred{UID: 1000}}
	assert.True(t, rs.Allow(a, "a.x", ActionRegister))
	assert.False(t, rs.Allow(a, "a.x", ActionOverwrite))
	assert.False(t, rs.Allow(a, "b.x", ActionRegister))
	assert.False(t, rs.Allow(a, "a.x", ActionLookup))
	assert.True(t, rs.Allow(anon, "pub.x", ActionLookup))
	assert.True(t, rs.Allow(a, "pub.x", ActionLookup))
	assert.False(t, rs.Allow(anon, "a.x", ActionLookup))
	assert.True(t, rs.Allow(u, "u.1", ActionOverwrite))
	assert.False(t, rs.Allow(auth.Identity{Unix: &auth.UnixCred{UID: 1001}}, "u.1", ActionOverwrite))
	assert.True(t, Rules(nil).Allow(anon, "anything", ActionRemove), "no rules: everything allowed")
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, name string
		ok        bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a.*", "a.", true}, {"a.*", "a", false},
		{"a*c", "abbbc", true}, {"a*c", "abbbcd", false}, {"*.x.*", "q.x.r", true}, {"abc", "abc", true},
		{"abc", "abd", false}, {"a**b", "ab", true}, {"*a*a*a*a*b", strings.Repeat("a", 200), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.ok, globMatch(c.pat, c.name), "%q %q", c.pat, c.name)
	}
}

// syncBuffer is a log sink shared by the daemon's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestProtection runs a name server under 2-way TLS where each service
// certificate may only manage its own names: a client without rights
// cannot register, overwrite, re-tag or remove others' names, nor the
// name server's entry, and each refusal is an audit log line.
func TestProtection(t *testing.T) {
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	srvFiles, _ := ca.WriteFiles(t, dir)
	client := func(cn string) *policy.Policy {
		return &policy.Policy{TLS: ca.WriteLeaf(t, dir, cn, certstest.Leaf{CommonName: cn, Client: true})}
	}
	rules, err := ParseRules(`
		cn=svc-a:a.*:register,overwrite,remove,set_metadata
		cn=svc-b:b.*:register,overwrite,remove,set_metadata
		cn=admin:*:*
		*:*:lookup`)
	require.NoError(t, err)
	logs := &syncBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Info})
	srv := startServer(t, ServerConfig{
		Daemon:     secure.DaemonConfig{Policy: &policy.Policy{TLS: srvFiles}},
		NameServer: Config{Rules: rules, Logger: logger},
	})
	ctx := ctxT(t)
	a, b, admin := dialNS(t, srv, client("svc-a")), dialNS(t, srv, client("svc-b")), dialNS(t, srv, client("admin"))
	ua := secure.MustParseURI("PYRO:a@127.0.0.1:1001")
	evil := secure.MustParseURI("PYRO:evil@127.0.0.1:6666")

	require.NoError(t, a.Register(ctx, "a.svc", ua, RegisterOptions{Metadata: []string{"t"}}))
	require.NoError(t, a.Register(ctx, "a.svc", ua, RegisterOptions{Metadata: []string{"t"}}), "own names may be overwritten")
	denied := func(err error) {
		t.Helper()
		require.ErrorIs(t, err, secure.ErrSecurity)
	}
	denied(b.Register(ctx, "a.svc", evil, RegisterOptions{}))
	denied(b.Register(ctx, "a.new", evil, RegisterOptions{}))
	denied(b.SetMetadata(ctx, "a.svc", []string{"hijacked"}))
	_, err = b.Remove(ctx, "a.svc")
	denied(err)
	n, err := b.RemovePrefix(ctx, "a.")
	require.NoError(t, err)
	assert.Equal(t, 0, n, "others' names are left alone")
	n, err = b.RemoveRegex(ctx, ".*")
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	denied(a.Register(ctx, ObjectID, evil, RegisterOptions{}))
	denied(admin.Register(ctx, ObjectID, evil, RegisterOptions{}))
	denied(admin.SetMetadata(ctx, ObjectID, nil))
	n, err = admin.Remove(ctx, ObjectID)
	require.NoError(t, err)
	assert.Equal(t, 0, n)

	// Nothing changed.
	got, meta, err := b.LookupMeta(ctx, "a.svc")
	require.NoError(t, err, "everyone may look up")
	assert.Equal(t, ua, got)
	assert.Equal(t, []string{"t"}, meta)
	self, err := b.Lookup(ctx, ObjectID)
	require.NoError(t, err)
	assert.Equal(t, srv.URI(), self)
	_, err = b.Lookup(ctx, "a.new")
	require.ErrorIs(t, err, secure.ErrNaming)

	// The owner and the admin can.
	require.NoError(t, b.Register(ctx, "b.svc", evil, RegisterOptions{}))
	n, err = admin.RemovePrefix(ctx, "b.")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = a.Remove(ctx, "a.svc")
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	out := logs.String()
	assert.Contains(t, out, "name server request denied")
	assert.Contains(t, out, `peer="cn=svc-b`)
	assert.Contains(t, out, "action=overwrite")
	assert.Contains(t, out, "action=register")
	assert.Contains(t, out, "action=remove")
	assert.Contains(t, out, "action=set_metadata")
	assert.Contains(t, out, "own entry is reserved")
	assert.Equal(t, 10, strings.Count(out, "name server request denied"), out)
}

// TestRestrictedLookup: without a lookup rule, names are invisible.
func TestRestrictedLookup(t *testing.T) {
	ca := certstest.NewCA(t)
	dir := t.TempDir()
	srvFiles, _ := ca.WriteFiles(t, dir)
	client := func(cn string) *policy.Policy {
		return &policy.Policy{TLS: ca.WriteLeaf(t, dir, cn, certstest.Leaf{CommonName: cn, Client: true})}
	}
	rules, err := ParseRules("cn=svc-a:a.*:*; cn=svc-b:b.*:*")
	require.NoError(t, err)
	srv := startServer(t, ServerConfig{Daemon: secure.DaemonConfig{Policy: &policy.Policy{TLS: srvFiles}}, NameServer: Config{Rules: rules}})
	ctx := ctxT(t)
	a, b := dialNS(t, srv, client("svc-a")), dialNS(t, srv, client("svc-b"))
	require.NoError(t, a.Register(ctx, "a.svc", secure.MustParseURI("PYRO:a@127.0.0.1:1"), RegisterOptions{}))
	require.NoError(t, b.Register(ctx, "b.svc", secure.MustParseURI("PYRO:b@127.0.0.1:1"), RegisterOptions{}))
	_, err = b.Lookup(ctx, "a.svc")
	require.ErrorIs(t, err, secure.ErrSecurity)
	all, err := b.List(ctx, Filter{})
	require.NoError(t, err)
	assert.Equal(t, []string{"b.svc"}, keys(all))
	// A resolver acting as svc-b cannot resolve svc-a's name either.
	r := NewResolver(LocateOptions{Host: "127.0.0.1", Port: srv.URI().Port, Policy: client("svc-b")})
	_, err = r.Resolve(ctx, secure.MustParseURI("PYRONAME:a.svc"))
	require.ErrorIs(t, err, secure.ErrSecurity)
}

// TestUnixUIDRules: on a Unix socket, rules can name the peer's uid.
func TestUnixUIDRules(t *testing.T) {
	uid := uint32(os.Getuid())
	sock := filepath.Join(t.TempDir(), "ns.sock")
	pol := func() *policy.Policy { return &policy.Policy{UnixUIDs: []uint32{uid}} }
	rules, err := ParseRules(fmt.Sprintf("uid=%d:mine.*:*; uid=%d:other.*:*", uid, uid+1))
	require.NoError(t, err)
	srv := startServer(t, ServerConfig{Daemon: secure.DaemonConfig{Unix: sock, Policy: pol()}, NameServer: Config{Rules: rules}})
	assert.Equal(t, sock, srv.URI().Sockname)
	p, err := Locate(ctxT(t), LocateOptions{Unix: sock, Policy: pol()})
	require.NoError(t, err)
	c := NewClient(p)
	defer c.Close()
	ctx := ctxT(t)
	u := secure.MustParseURI("PYRO:x@127.0.0.1:1")
	require.NoError(t, c.Register(ctx, "mine.x", u, RegisterOptions{}))
	require.ErrorIs(t, c.Register(ctx, "other.x", u, RegisterOptions{}), secure.ErrSecurity)
	got, err := c.Lookup(ctx, "mine.x")
	require.NoError(t, err)
	assert.Equal(t, u, got)
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"cn=svc-a:a.*:register,overwrite", "*:*:lookup", "spiffe=spiffe://example.org/ns/*:*:*",
		"uid=1000&gid=100:user.*:remove,set_metadata", "any:pub.*:lookup", "anonymous:x:*", "fp=" + strings.Repeat("ab", 32) + ":n:*",
		"cn=a:b:c:d", "::", "cn=:x:lookup"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			if !errors.Is(err, ErrBadRule) {
				t.Fatalf("%q: error %v does not wrap ErrBadRule", s, err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("%q parsed into an invalid rule: %v", s, err)
		}
		again, err := ParseRule(r.String())
		if err != nil {
			t.Fatalf("%q: String %q does not parse: %v", s, r.String(), err)
		}
		if again.String() != r.String() {
			t.Fatalf("%q: %q then %q", s, r.String(), again.String())
		}
		_ = r.Match(auth.Identity{CommonName: "x"}, s, ActionLookup)
	})
}
