package secure

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/value"
)

func TestParseURI(t *testing.T) {
	good := map[string]URI{
		"PYRO:obj@localhost:5000":        {Protocol: "PYRO", Object: "obj", Host: "localhost", Port: 5000},
		"pyro:obj@127.0.0.1:1":           {Protocol: "PYRO", Object: "obj", Host: "127.0.0.1", Port: 1},
		"PYRO:obj@[::1]:9":               {Protocol: "PYRO", Object: "obj", Host: "::1", Port: 9},
		"PYRO:obj@./u:/tmp/s.sock":       {Protocol: "PYRO", Object: "obj", Sockname: "/tmp/s.sock"},
		"PYRONAME:a.b":                   {Protocol: "PYRONAME", Object: "a.b"},
		"PYRONAME:a.b@nshost":            {Protocol: "PYRONAME", Object: "a.b", Host: "nshost", Port: 9090},
		"PYROMETA:x,y@nshost:1234":       {Protocol: "PYROMETA", Meta: []string{"x", "y"}, Host: "nshost", Port: 1234},
		"PYRO:Pyro.NameServer@1.2.3.4:9": {Protocol: "PYRO", Object: "Pyro.NameServer", Host: "1.2.3.4", Port: 9},
	}
	for s, want := range good {
		got, err := ParseURI(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
		again, err := ParseURI(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, again, "round trip of %s", s)
	}
	bad := []string{"", "PYRO", "PYRO:", "PYRO:obj", "FOO:obj@h:1", "PYRO:obj@h", "PYRO:obj@h:0", "PYRO:obj@h:70000",
		"PYRO:obj@[[::1]]:1", "PYRO:obj@[::1]:5000junk", "PYRO:obj@[nothex]:1", "PYRO:obj@./u:", "PYRO:obj@./u:a:b",
		"PYRO:o bj@h:1", "PYRO:obj@:1", "PYRO:obj@h:x"}
	for _, s := range bad {
		_, err := ParseURI(s)
		assert.ErrorIs(t, err, ErrInvalidURI, s)
	}
}

func TestURIClassDict(t *testing.T) {
	for _, s := range []string{"PYRO:obj@localhost:5000", "PYRO:obj@./u:/x.sock", "PYRONAME:some.name@nshost:9090", "PYRO:o@[::1]:7"} {
		u := MustParseURI(s)
		v, err := u.MarshalValue()
		require.NoError(t, err)
		var back URI
		require.NoError(t, back.UnmarshalValue(v))
		assert.Equal(t, u, back)
		var fromStr URI
		require.NoError(t, fromStr.UnmarshalValue(s))
		assert.Equal(t, u, fromStr)
	}
	// The shape Pyro4 sends (vectors: ns_lookup_result).
	d := value.NewDict(2)
	d.Append("__class__", "Pyro4.core.URI")
	d.Append("state", value.Tuple{"PYRO", "example.vectors", nil, "localhost", int64(47001)})
	var u URI
	require.NoError(t, u.UnmarshalValue(d))
	assert.Equal(t, "PYRO:example.vectors@localhost:47001", u.String())
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"PYRO:obj@localhost:5000", "PYRO:obj@[::1]:9", "PYRO:obj@./u:/tmp/s", "PYRONAME:a.b@h",
		"PYROMETA:a,b", "PYRO:x@[::1]:5000junk", "pyro:@", "PYRO:a@b@c:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		again, err := ParseURI(u.String())
		if err != nil {
			t.Fatalf("%q parsed to %q which does not parse: %v", s, u.String(), err)
		}
		if again.String() != u.String() {
			t.Fatalf("unstable: %q -> %q -> %q", s, u.String(), again.String())
		}
	})
}
