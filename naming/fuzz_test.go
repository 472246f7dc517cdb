package naming

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flintrpc/flint/naming/storage"
	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// fuzzNames are registered before each fuzz call; tags are derived from
// the name so the metadata filters have something to find.
func fuzzNS(t *testing.T, names []string) *NameServer {
	ns := New(Config{})
	ctx := context.Background()
	if err := ns.st.Put(ctx, ObjectID, storage.Entry{URI: "PYRO:Pyro.NameServer@127.0.0.1:9090", Meta: []string{selfMeta}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == "" || n == ObjectID {
			continue
		}
		tags := value.Set{"len:" + string(rune('0'+len(n)%10))}
		if strings.Contains(n, ".") {
			tags = append(tags, "dotted")
		}
		if err := ns.Register(ctx, n, "PYRO:x@127.0.0.1:1", false, tags); err != nil {
			if okRefusal(err) {
				continue
			}
			t.Fatalf("register %q: %v", n, err)
		}
	}
	return ns
}

// okRefusal reports whether err is one of the errors the name server may
// legitimately answer a hostile request with.
func okRefusal(err error) bool {
	var re *secure.RemoteError
	if errors.As(err, &re) {
		return re.Class == "builtins.TypeError" || re.Class == "builtins.ValueError" || re.Class == "Pyro4.errors.PyroError"
	}
	var fe *secure.Error
	return errors.As(err, &fe) && (fe.Kind == secure.ErrNaming || fe.Kind == secure.ErrSecurity) && fe.Cause == nil
}

func listNames(t *testing.T, d *value.Dict) []string {
	out := make([]string, 0, d.Len())
	for _, it := range d.Items {
		s, ok := it.Key.(string)
		if !ok {
			t.Fatalf("non-str key %T", it.Key)
		}
		out = append(out, s)
	}
	return out
}

// FuzzList drives list() and remove() with arbitrary names and filters.
// Invariants: no panic; only Pyro4-style refusals; results are a subset of
// the registered names in name order; the prefix filter is exact; a regex
// equal to a quoted prefix gives the same result; metadata filters agree
// with the stored tags; every call finishes fast; remove() removes exactly
// what list() shows and never the name server's entry.
func FuzzList(f *testing.F) {
	f.Add("a.one\na.two\nb.one\nPyro.x", byte(0), "a.")
	f.Add("a.one\na.two\nb.one", byte(1), `a\.t`)
	f.Add("aaaaaaaaaaaaaaaaaaaaaaaaaaaa!", byte(1), `(a+)+$`)
	f.Add("x\ny", byte(1), "(unclosed")
	f.Add("x.y\nxy", byte(2), "dotted")
	f.Add("x.y\nxy", byte(3), "len:2")
	f.Add("Pyro.NameServer\nPyro.x", byte(0), "Pyro.")
	f.Add("\xff\xfe\nname", byte(1), "\xff")
	f.Add("a\nb", byte(1), "")
	f.Fuzz(func(t *testing.T, namesText string, kind byte, filter string) {
		if len(namesText) > 2048 || len(filter) > 512 {
			return
		}
		names := strings.Split(namesText, "\n")
		if len(names) > 32 {
			names = names[:32]
		}
		ns := fuzzNS(t, names)
		ctx := context.Background()
		all, err := ns.List(ctx, nil, nil, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		registered := listNames(t, all)
		if !slices.IsSorted(registered) {
			t.Fatalf("not in name order: %q", registered)
		}
		args := make([]any, 5)
		switch kind % 4 {
		case 0:
			args[0] = filter
		case 1:
			args[1] = filter
		case 2:
			args[2] = value.Set{filter}
		case 3:
			args[3] = []any{filter, "zz-none"}
		}
		args[4] = kind&4 != 0
		start := time.Now()
		got, err := ns.List(ctx, args[0], args[1], args[2], args[3], args[4])
		if time.Since(start) > 2*time.Second {
			t.Fatalf("list took %v", time.Since(start))
		}
		if err != nil {
			if !okRefusal(err) {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		gotNames := listNames(t, got)
		for _, n := range gotNames {
			if !slices.Contains(registered, n) {
				t.Fatalf("%q listed but not registered", n)
			}
		}
		switch kind % 4 {
		case 0:
			var want []string
			for _, n := range registered {
				if filter == "" || strings.HasPrefix(n, filter) {
					want = append(want, n)
				}
			}
			if !slices.Equal(want, gotNames) {
				t.Fatalf("prefix %q: got %q want %q", filter, gotNames, want)
			}
			if filter != "" && utf8.ValidString(filter) && len(regexp.QuoteMeta(filter)) <= ns.lim.MaxRegexLen {
				viaRe, err := ns.List(ctx, nil, regexp.QuoteMeta(filter), nil, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(listNames(t, viaRe), gotNames) {
					t.Fatalf("regex %q and prefix disagree", regexp.QuoteMeta(filter))
				}
			}
		case 2, 3:
			for _, it := range mustList(t, ns, true).Items {
				n := it.Key.(string)
				tags := it.Value.(value.Tuple)[1].([]any)
				has := slices.Contains(tags, any(filter))
				if has != slices.Contains(gotNames, n) {
					t.Fatalf("tag %q on %q: has=%v, listed=%v", filter, n, has, !has)
				}
			}
		}
		// remove() with the same prefix/regex removes what list() showed,
		// except the name server's own entry.
		if kind%4 <= 1 && filter != "" {
			var want int
			for _, n := range gotNames {
				if n != ObjectID {
					want++
				}
			}
			var removed int
			if kind%4 == 0 {
				removed, err = ns.Remove(ctx, nil, filter, nil)
			} else {
				removed, err = ns.Remove(ctx, nil, nil, filter)
			}
			if err != nil || removed != want {
				t.Fatalf("remove: %d, %v; list showed %d", removed, err, want)
			}
			if _, err := ns.Lookup(ctx, ObjectID, nil); err != nil {
				t.Fatalf("name server entry gone: %v", err)
			}
		}
	})
}

func mustList(t *testing.T, ns *NameServer, meta bool) *value.Dict {
	d, err := ns.List(context.Background(), nil, nil, nil, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
