package auth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func u32(v uint32) *uint32 { return &v }

const fpA = "5f2b1c0d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, name string
		want      bool
	}{
		{"*", "", true},
		{"*", "anything.at.all", true},
		{"example.*", "example.fortune", true},
		{"example.*", "example.", true},
		{"example.*", "example", false},
		{"example.*", "xexample.a", false},
		{"*.fortune", "example.fortune", true},
		{"*.fortune", "example.fortunes", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"a*b*c", "acb", false},
		{"**", "x", true},
		{"exact", "exact", true},
		{"exact", "exac", false},
		{"exact", "exactly", false},
		{"?", "x", false},
		{"[a]", "a", false},
		{"[a]", "[a]", true},
		{"a*aa*aaa*b", strings.Repeat("a", 200), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, globMatch(c.pat, c.name), "%q ~ %q", c.pat, c.name)
	}
}

func TestPeerMatcher(t *testing.T) {
	client := Identity{
		CommonName:  "flint-client",
		DNSNames:    []string{"Client.Example", "alt.example"},
		SPIFFEID:    "spiffe://org/svc/client",
		Fingerprint: fpA,
	}
	unixPeer := Identity{Unix: &UnixCred{UID: 1000, GID: 100, PID: 5}}
	hmacPeer := Identity{HMAC: true}
	anon := Identity{}

	cases := []struct {
		name string
		p    PeerMatcher
		id   Identity
		want bool
	}{
		{"zero matcher matches nobody", PeerMatcher{}, client, false},
		{"zero matcher not even anonymous", PeerMatcher{}, anon, false},
		{"cn", PeerMatcher{CommonName: "flint-client"}, client, true},
		{"cn other", PeerMatcher{CommonName: "flint-server"}, client, false},
		{"cn case matters", PeerMatcher{CommonName: "Flint-Client"}, client, false},
		{"cn vs anonymous", PeerMatcher{CommonName: "flint-client"}, anon, false},
		{"dns fold", PeerMatcher{DNSName: "client.example"}, client, true},
		{"dns second", PeerMatcher{DNSName: "alt.example"}, client, true},
		{"dns other", PeerMatcher{DNSName: "x.example"}, client, false},
		{"dns no unicode folding", PeerMatcher{DNSName: "\u212Aey.example"}, Identity{DNSNames: []string{"key.example"}}, false},
		{"spiffe exact", PeerMatcher{SPIFFEID: "spiffe://org/svc/client"}, client, true},
		{"spiffe prefix", PeerMatcher{SPIFFEID: "spiffe://org/svc/*"}, client, true},
		{"spiffe prefix other", PeerMatcher{SPIFFEID: "spiffe://org/db/*"}, client, false},
		{"spiffe prefix needs more", PeerMatcher{SPIFFEID: "spiffe://org/svc/client/*"}, client, false},
		{"spiffe exact is not prefix", PeerMatcher{SPIFFEID: "spiffe://org/svc"}, client, false},
		{"spiffe star without slash is literal", PeerMatcher{SPIFFEID: "spiffe://org/svc/cli*"}, client, false},
		{"spiffe vs none", PeerMatcher{SPIFFEID: "spiffe://org/*"}, anon, false},
		{"fp", PeerMatcher{Fingerprint: fpA}, client, true},
		{"fp upper with colons", PeerMatcher{Fingerprint: strings.ToUpper(fpA[:2] + ":" + fpA[2:])}, client, true},
		{"fp other", PeerMatcher{Fingerprint: strings.Repeat("0", 64)}, client, false},
		{"fp only colons", PeerMatcher{Fingerprint: ":"}, anon, false},
		{"uid", PeerMatcher{UID: u32(1000)}, unixPeer, true},
		{"uid other", PeerMatcher{UID: u32(0)}, unixPeer, false},
		{"uid needs unix", PeerMatcher{UID: u32(0)}, client, false},
		{"gid", PeerMatcher{GID: u32(100)}, unixPeer, true},
		{"uid and gid", PeerMatcher{UID: u32(1000), GID: u32(100)}, unixPeer, true},
		{"uid and wrong gid", PeerMatcher{UID: u32(1000), GID: u32(101)}, unixPeer, false},
		{"any cert", PeerMatcher{Any: true}, client, true},
		{"any unix", PeerMatcher{Any: true}, unixPeer, true},
		{"any hmac", PeerMatcher{Any: true}, hmacPeer, true},
		{"any anon", PeerMatcher{Any: true}, anon, false},
		{"anonymous anon", PeerMatcher{Anonymous: true}, anon, true},
		{"anonymous cert", PeerMatcher{Anonymous: true}, client, false},
		{"anonymous and any", PeerMatcher{Anonymous: true, Any: true}, anon, false},
		{"hmac", PeerMatcher{HMAC: true}, hmacPeer, true},
		{"hmac cert", PeerMatcher{HMAC: true}, client, false},
		{"all must match", PeerMatcher{CommonName: "flint-client", UID: u32(1000)}, client, false},
		{"all match", PeerMatcher{CommonName: "flint-client", DNSName: "alt.example", Any: true}, client, true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.p.Match(c.id), c.name)
	}
}

func TestRulesAllow(t *testing.T) {
	client := Identity{CommonName: "flint-client"}
	admin := Identity{Unix: &UnixCred{UID: 0}}
	anon := Identity{}

	assert.True(t, Rules(nil).Allow(anon, "anything", "anything"), "no rules allow everything")
	assert.NoError(t, Rules{}.Check(anon, "x", "y"))

	rules := Rules{
		{Peer: PeerMatcher{CommonName: "flint-client"}, Object: "example.*", Methods: []string{"get_fortune", "ping"}},
		{Peer: PeerMatcher{UID: u32(0)}, Object: "*", Methods: []string{"*"}},
		{Peer: PeerMatcher{Anonymous: true}, Object: "Pyro.NameServer", Methods: []string{"lookup"}},
		{Peer: PeerMatcher{}, Object: "*", Methods: []string{"*"}},                       // matches no one
		{Peer: PeerMatcher{Any: true}, Object: "", Methods: []string{"*"}},               // matches nothing
		{Peer: PeerMatcher{Any: true}, Object: "public", Methods: nil},                   // matches nothing
		{Peer: PeerMatcher{Any: true}, Object: "starred", Methods: []string{"get_*"}},    // literal name
		{Peer: PeerMatcher{Any: true}, Object: "Pyro.Daemon", Methods: []string{"ping"}}, // exact object
	}
	cases := []struct {
		id             Identity
		object, method string
		want           bool
	}{
		{client, "example.fortune", "get_fortune", true},
		{client, "example.fortune", "ping", true},
		{client, "example.fortune", "delete", false},
		{client, "example", "ping", false},
		{client, "other.fortune", "ping", false},
		{client, "Pyro.NameServer", "lookup", false},
		{admin, "anything", "shutdown", true},
		{admin, "", "", true},
		{anon, "Pyro.NameServer", "lookup", true},
		{anon, "Pyro.NameServer", "register", false},
		{anon, "example.fortune", "ping", false},
		{client, "public", "x", false},
		{client, "starred", "get_x", false},
		{client, "starred", "get_*", true},
		{client, "Pyro.Daemon", "ping", true},
		{client, "Pyro.Daemonx", "ping", false},
		{client, "Pyro_Daemon", "ping", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, rules.Allow(c.id, c.object, c.method), "%v %s.%s", c.id, c.object, c.method)
		err := rules.Check(c.id, c.object, c.method)
		if c.want {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, ErrDenied)
		}
	}
	err := rules.Check(anon, "evil\nobject", "m")
	require.ErrorIs(t, err, ErrDenied)
	assert.NotContains(t, err.Error(), "\n", "peer-supplied names are quoted")
}

func TestParseRule(t *testing.T) {
	cases := []struct {
		in    string
		want  Rule
		canon string
	}{
		{"cn=flint-client:example.*:get_fortune,ping",
			Rule{Peer: PeerMatcher{CommonName: "flint-client"}, Object: "example.*", Methods: []string{"get_fortune", "ping"}}, ""},
		{"uid=1000:*:*", Rule{Peer: PeerMatcher{UID: u32(1000)}, Object: "*", Methods: []string{"*"}}, ""},
		{"spiffe=spiffe://org/svc/*:Pyro.NameServer:register",
			Rule{Peer: PeerMatcher{SPIFFEID: "spiffe://org/svc/*"}, Object: "Pyro.NameServer", Methods: []string{"register"}}, ""},
		{"cn=ops&uid=0:admin:shutdown",
			Rule{Peer: PeerMatcher{CommonName: "ops", UID: u32(0)}, Object: "admin", Methods: []string{"shutdown"}}, ""},
		{"uid=0&cn=ops:admin:shutdown",
			Rule{Peer: PeerMatcher{CommonName: "ops", UID: u32(0)}, Object: "admin", Methods: []string{"shutdown"}}, "cn=ops&uid=0:admin:shutdown"},
		{" any : obj : a , b ", Rule{Peer: PeerMatcher{Any: true}, Object: "obj", Methods: []string{"a", "b"}}, "any:obj:a,b"},
		{"anonymous:Pyro.NameServer:lookup,list",
			Rule{Peer: PeerMatcher{Anonymous: true}, Object: "Pyro.NameServer", Methods: []string{"lookup", "list"}}, ""},
		{"hmac&gid=100:x:y", Rule{Peer: PeerMatcher{HMAC: true, GID: u32(100)}, Object: "x", Methods: []string{"y"}}, ""},
		{"dns=Client.Example:x:*", Rule{Peer: PeerMatcher{DNSName: "Client.Example"}, Object: "x", Methods: []string{"*"}}, ""},
		{"fp=" + strings.ToUpper(fpA) + ":x:y", Rule{Peer: PeerMatcher{Fingerprint: fpA}, Object: "x", Methods: []string{"y"}}, "fp=" + fpA + ":x:y"},
		{"cn=host:8080:x:y", Rule{Peer: PeerMatcher{CommonName: "host:8080"}, Object: "x", Methods: []string{"y"}}, ""},
		{"cn=a=b:x:y", Rule{Peer: PeerMatcher{CommonName: "a=b"}, Object: "x", Methods: []string{"y"}}, ""},
		{"uid=4294967295:x:y", Rule{Peer: PeerMatcher{UID: u32(4294967295)}, Object: "x", Methods: []string{"y"}}, ""},
		{"uid=007:x:y", Rule{Peer: PeerMatcher{UID: u32(7)}, Object: "x", Methods: []string{"y"}}, "uid=7:x:y"},
		{"cn=Ünïcode name:obj with space:m", Rule{Peer: PeerMatcher{CommonName: "Ünïcode name"}, Object: "obj with space", Methods: []string{"m"}}, ""},
	}
	for _, c := range cases {
		r, err := ParseRule(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, r, c.in)
		canon := c.canon
		if canon == "" {
			canon = c.in
		}
		assert.Equal(t, canon, r.String(), c.in)
		back, err := ParseRule(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, back, "round trip of %q", c.in)
	}
}

func TestParseRuleErrors(t *testing.T) {
	bad := []string{
		"",
		"cn=x",
		"cn=x:obj",
		":obj:m",
		"cn=:obj:m",
		"cn=x::m",
		"cn=x:obj:",
		"cn=x:obj:a,,b",
		"cn=x:obj:get_*",
		"cn=x&cn=y:obj:m",
		"nobody:obj:m",
		"CN=x:obj:m",
		"any=yes:obj:m",
		"any&anonymous:obj:m",
		"anonymous&uid=0:obj:m",
		"uid=-1:obj:m",
		"uid=4294967296:obj:m",
		"uid=0x10:obj:m",
		"uid=+1:obj:m",
		"uid= :obj:m",
		"spiffe=https://org/x:obj:m",
		"spiffe=spiffe://:obj:m",
		"spiffe=spiffe://org/*/x:obj:m",
		"spiffe=spiffe://org*:obj:m",
		"fp=abcd:obj:m",
		"fp=" + strings.Repeat("g", 64) + ":obj:m",
		"cn=x:obj:m;uid=0:*:*",
		"cn=x\n:obj:m",
		"cn=x\x00:obj:m",
		"cn=x\u0085:obj:m",
		"cn=\xff:obj:m",
		"cn=x&:obj:m",
		"&cn=x:obj:m",
		"cn=x:   :m",
	}
	for _, s := range bad {
		_, err := ParseRule(s)
		assert.ErrorIs(t, err, ErrBadRule, "%q", s)
	}
}

func TestParseRules(t *testing.T) {
	rs, err := ParseRules("cn=a:x:*; uid=0:*:*\n\nanonymous:ns:lookup\n")
	require.NoError(t, err)
	require.Len(t, rs, 3)
	assert.Equal(t, "cn=a:x:*", rs[0].String())
	assert.Equal(t, "uid=0:*:*", rs[1].String())
	assert.Equal(t, "anonymous:ns:lookup", rs[2].String())
	assert.True(t, rs.Allow(Identity{}, "ns", "lookup"))
	assert.False(t, rs.Allow(Identity{}, "ns", "register"))

	rs, err = ParseRules(" ;\n ")
	require.NoError(t, err)
	assert.Empty(t, rs)

	_, err = ParseRules("cn=a:x:*;bogus")
	assert.ErrorIs(t, err, ErrBadRule)
	assert.ErrorContains(t, err, "rule 2")
}

func TestRuleValidate(t *testing.T) {
	ok := Rule{Peer: PeerMatcher{Any: true}, Object: "o", Methods: []string{"m"}}
	require.NoError(t, ok.Validate())
	for name, r := range map[string]Rule{
		"no peer":    {Object: "o", Methods: []string{"m"}},
		"no object":  {Peer: PeerMatcher{Any: true}, Methods: []string{"m"}},
		"no methods": {Peer: PeerMatcher{Any: true}, Object: "o"},
		"empty name": {Peer: PeerMatcher{Any: true}, Object: "o", Methods: []string{""}},
		"conflict":   {Peer: PeerMatcher{Any: true, Anonymous: true}, Object: "o", Methods: []string{"m"}},
		"anon+cn":    {Peer: PeerMatcher{Anonymous: true, CommonName: "x"}, Object: "o", Methods: []string{"m"}},
		"bad fp":     {Peer: PeerMatcher{Fingerprint: "zz"}, Object: "o", Methods: []string{"m"}},
	} {
		assert.ErrorIs(t, r.Validate(), ErrBadRule, name)
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		"cn=flint-client:example.*:get_fortune,ping",
		"uid=1000:*:*",
		"spiffe=spiffe://org/svc/*:Pyro.NameServer:register",
		"cn=ops&uid=0&gid=0:admin:shutdown",
		"anonymous:Pyro.NameServer:lookup",
		"any&hmac:x:y",
		"dns=a.example:o:m",
		"fp=" + fpA + ":o:m",
		" cn = a b : o : m1 , m2 ",
		"cn=a:b:c:d:e",
		"::",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			if r.Object != "" || r.Methods != nil || !r.Peer.IsZero() {
				t.Fatalf("error with a non-zero rule: %q", s)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed rule %q does not validate: %v", s, err)
		}
		text := r.String()
		back, err := ParseRule(text)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", text, s, err)
		}
		if back.String() != text {
			t.Fatalf("round trip changed %q into %q", text, back.String())
		}
		assert.Equal(t, r, back)
		// Matching must never panic, whatever the rule.
		Rules{r}.Allow(Identity{CommonName: r.Peer.CommonName}, r.Object, "m")
	})
}
