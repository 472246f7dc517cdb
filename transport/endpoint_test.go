package transport

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLocation(t *testing.T) {
	good := []struct {
		in   string
		want Endpoint
	}{
		{"localhost:9090", Endpoint{"tcp", "localhost:9090"}},
		{"127.0.0.1:1", Endpoint{"tcp", "127.0.0.1:1"}},
		{"example.com:65535", Endpoint{"tcp", "example.com:65535"}},
		{"my_host-1.Example.COM:5000", Endpoint{"tcp", "my_host-1.Example.COM:5000"}},
		{"[::1]:5000", Endpoint{"tcp", "[::1]:5000"}},
		{"[2001:DB8::1]:80", Endpoint{"tcp", "[2001:DB8::1]:80"}},
		{"[fe80::1%eth0]:80", Endpoint{"tcp", "[fe80::1%eth0]:80"}},
		{"[fe80::1%2]:80", Endpoint{"tcp", "[fe80::1%2]:80"}},
		{"./u:/tmp/pyro.sock", Endpoint{"unix", "/tmp/pyro.sock"}},
		{"./u:relative.sock", Endpoint{"unix", "relative.sock"}},
		{"./u:/path with space/s", Endpoint{"unix", "/path with space/s"}},
		{"./u:@flint-abstract", Endpoint{"unix", "@flint-abstract"}},
		{"./u:/" + strings.Repeat("a", MaxUnixPathLen-1), Endpoint{"unix", "/" + strings.Repeat("a", MaxUnixPathLen-1)}},
	}
	for _, c := range good {
		e, err := ParseLocation(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, e, c.in)
		assert.Equal(t, c.in, e.Location(), "round trip of %q", c.in)
		assert.Equal(t, c.want.Network+":"+c.want.Address, e.String())
	}

	bad := []string{
		"",
		"localhost",
		"localhost:",
		":9090",
		"localhost:0",
		"localhost:65536",
		"localhost:99999",
		"localhost:123456",
		"localhost:-1",
		"localhost:+80",
		"localhost: 80",
		"localhost:80 ",
		"localhost:080",
		"localhost:0x50",
		"localhost:8_0",
		"localhost:80:80",
		"host name:80",
		"host\n:80",
		"host\x00:80",
		"-host:80",
		"host..example:80",
		".host:80",
		"host.:80",
		"ho/st:80",
		"ho@st:80",
		"höst:80",
		"1.2.3:80",
		"256.1.1.1:80",
		"01.2.3.4:80",
		"::1:5000",
		"fe80::1:80",
		"[::1]",
		"[::1]:",
		"[::1]5000",
		"[::1]:5000junk",
		"[::1]:5000]",
		"[::1]:0",
		"[[::1]]:5000",
		"[::1:5000",
		"[]:5000",
		"[127.0.0.1]:5000",
		"[::ffff:1.2.3.4]:5000",
		"[localhost]:5000",
		"[::1%]:5000",
		"[::1%eth 0]:5000",
		"[::1%a.b]:5000",
		"[:::1]:5000",
		"[1::2::3]:5000",
		"./u:",
		"./u:@",
		"./u:/a:b",
		"./u:/tmp/x\x00y",
		"./u:/tmp/x\ny",
		"./u:/" + strings.Repeat("a", MaxUnixPathLen),
		"./U:/tmp/x",
		"u:/tmp/x",
		strings.Repeat("a", 600) + ":80",
		strings.Repeat("a", 64) + ".example:80",
		strings.Repeat("a.", 127) + "aa:80",
	}
	for _, s := range bad {
		e, err := ParseLocation(s)
		assert.ErrorIs(t, err, ErrBadLocation, "%q gave %v", s, e)
		assert.Equal(t, Endpoint{}, e)
	}
}

func TestParseListenLocation(t *testing.T) {
	for _, s := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0", "0.0.0.0:8080", "[::]:0", "./u:/tmp/x"} {
		e, err := ParseListenLocation(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, e.Location())
	}
	for _, s := range []string{"127.0.0.1:00", "127.0.0.1:", "127.0.0.1:65536", "[::1]:0junk"} {
		_, err := ParseListenLocation(s)
		assert.ErrorIs(t, err, ErrBadLocation, s)
	}
}

func TestLocationUnknownNetwork(t *testing.T) {
	assert.Equal(t, "", Endpoint{Network: "udp", Address: "x:1"}.Location())
	assert.Equal(t, "", Endpoint{}.Location())
}

// vectorLocations pulls the locations of PYRO URIs out of the recorded
// Pyro4 traffic, to seed the fuzzer with real input.
func vectorLocations(t testing.TB) []string {
	files, _ := filepath.Glob("/work/shared/vectors/*.json")
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				for _, field := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("\"' ,()", r) }) {
					if i := strings.Index(field, "PYRO:"); i >= 0 {
						if _, loc, ok := strings.Cut(field[i:], "@"); ok && !seen[loc] {
							seen[loc] = true
							out = append(out, loc)
						}
					}
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		var doc any
		if json.Unmarshal(data, &doc) == nil {
			walk(doc)
		}
	}
	return out
}

func TestVectorLocations(t *testing.T) {
	locs := vectorLocations(t)
	if len(locs) == 0 {
		t.Skip("no Pyro4 vectors available")
	}
	for _, l := range locs {
		e, err := ParseLocation(l)
		if assert.NoError(t, err, l) {
			assert.Equal(t, l, e.Location())
		}
	}
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{
		"localhost:9090", "127.0.0.1:1", "[::1]:5000", "[fe80::1%eth0]:80", "[::1]:5000junk",
		"./u:/tmp/pyro.sock", "./u:@abstract", "./u:", "[[::1]]:1", "host:0", "a.b.c:65535",
		"[::ffff:1.2.3.4]:1", "1.2.3.4:5",
	} {
		f.Add(s)
	}
	for _, s := range vectorLocations(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, listen := range []bool{false, true} {
			e, err := parseLocation(s, listen)
			if err != nil {
				if e != (Endpoint{}) {
					t.Fatalf("error with a non-zero endpoint for %q", s)
				}
				continue
			}
			if got := e.Location(); got != s {
				t.Fatalf("Location(ParseLocation(%q)) = %q", s, got)
			}
			switch e.Network {
			case NetworkTCP:
				if strings.ContainsAny(e.Address, " \t\r\n\x00/@") {
					t.Fatalf("odd characters in TCP address %q", e.Address)
				}
			case NetworkUnix:
				if e.Address == "" || len(e.Address) > MaxUnixPathLen {
					t.Fatalf("bad unix address %q", e.Address)
				}
			default:
				t.Fatalf("unknown network %q", e.Network)
			}
			if !listen {
				if _, err := parseLocation(s, true); err != nil {
					t.Fatalf("%q is a dial location but not a listen location", s)
				}
			}
		}
	})
}
