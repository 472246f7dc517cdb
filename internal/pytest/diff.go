package pytest

import (
	"fmt"

	"github.com/flintrpc/flint/value"
)

// FirstDiff describes where want and got first differ (by value.Equal), as
// a path such as "$[2][k]" and both values shortened to 200 characters, so
// that failure messages stay readable on large values. It returns "" when
// they are equal.
func FirstDiff(want, got any) string {
	return diffAt("$", want, got)
}

func diffAt(path string, want, got any) string {
	if value.Equal(want, got) {
		return ""
	}
	short := func(v any) string {
		s := fmt.Sprintf("%#v", v)
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return s
	}
	seq := func(w, g []any) string {
		if len(w) != len(g) {
			return fmt.Sprintf("%s: length %d, want %d", path, len(g), len(w))
		}
		for i := range w {
			if d := diffAt(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	}
	switch w := want.(type) {
	case []any:
		if g, ok := got.([]any); ok {
			if d := seq(w, g); d != "" {
				return d
			}
		}
	case value.Tuple:
		if g, ok := got.(value.Tuple); ok {
			if d := seq(w, g); d != "" {
				return d
			}
		}
	case *value.Dict:
		if g, ok := got.(*value.Dict); ok && w.Len() == g.Len() {
			for _, it := range w.Items {
				gv, ok := g.Get(it.Key)
				if !ok {
					return fmt.Sprintf("%s: key %s missing", path, short(it.Key))
				}
				if d := diffAt(fmt.Sprintf("%s[%s]", path, short(it.Key)), it.Value, gv); d != "" {
					return d
				}
			}
		}
	}
	return fmt.Sprintf("%s: got %s, want %s", path, short(got), short(want))
}
