package naming

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/flintrpc/flint/secure"
	"github.com/flintrpc/flint/value"
)

// Python-side errors, built the way a Pyro4 name server raises them.

func namingError(msg string) error { return &secure.Error{Kind: secure.ErrNaming, Msg: msg} }

func securityError(msg string) error { return &secure.Error{Kind: secure.ErrSecurity, Msg: msg} }

func typeError(msg string) error { return secure.NewRemoteError("builtins.TypeError", msg) }

func valueError(msg string) error { return secure.NewRemoteError("builtins.ValueError", msg) }

// truthy is Python's bool(v) for the model values.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case *big.Int:
		return x.Sign() != 0
	case float64:
		return x != 0
	case complex128:
		return x != 0
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case value.Tuple:
		return len(x) > 0
	case value.Set:
		return len(x) > 0
	case *value.Dict:
		return x.Len() > 0
	}
	return true
}

// items returns the elements of a Python iterable (list, tuple, set, dict
// keys), and false for anything that is not iterable.
func items(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case value.Tuple:
		return x, true
	case value.Set:
		return x, true
	case *value.Dict:
		keys := make([]any, 0, x.Len())
		for _, it := range x.Items {
			keys = append(keys, it.Key)
		}
		return keys, true
	}
	return nil, false
}

// metaArg checks a metadata argument the way Pyro4 does (not a str, an
// iterable) and returns its tags. Unlike Pyro4, tags must be strings: they
// are stored as such.
func (ns *NameServer) metaArg(what string, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(string); ok {
		return nil, typeError(what + " should not be a str, but another iterable (set, list, etc)")
	}
	if !truthy(v) {
		return nil, nil
	}
	its, ok := items(v)
	if !ok {
		return nil, typeError(fmt.Sprintf("'%s' object is not iterable", value.PyTypeName(v)))
	}
	if len(its) > ns.lim.MaxTags {
		return nil, namingError(fmt.Sprintf("too many metadata tags (max %d)", ns.lim.MaxTags))
	}
	tags := make([]string, 0, len(its))
	for _, it := range its {
		s, ok := it.(string)
		if !ok {
			return nil, typeError(fmt.Sprintf("%s items must be str, not %s", what, value.PyTypeName(it)))
		}
		if len(s) > ns.lim.MaxTagLen {
			return nil, namingError(fmt.Sprintf("metadata tag too long (max %d bytes)", ns.lim.MaxTagLen))
		}
		tags = append(tags, s)
	}
	return tags, nil
}

// filterTags returns the str elements of a metadata_all/metadata_any
// filter; non-str elements can never match a stored tag.
func filterTags(what string, v any) (tags []string, nonStr bool, err error) {
	if _, ok := v.(string); ok {
		return nil, false, typeError(what + " should not be a str, but another iterable (set, list, etc)")
	}
	its, ok := items(v)
	if !ok {
		return nil, false, typeError(fmt.Sprintf("'%s' object is not iterable", value.PyTypeName(v)))
	}
	for _, it := range its {
		if s, ok := it.(string); ok {
			tags = append(tags, s)
		} else {
			nonStr = true
		}
	}
	return tags, nonStr, nil
}

// nameArg checks that a name argument is a str of acceptable size.
func (ns *NameServer) nameArg(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", typeError("name must be a str")
	}
	if len(s) > ns.lim.MaxNameLen {
		return "", namingError(fmt.Sprintf("name too long (max %d bytes)", ns.lim.MaxNameLen))
	}
	return s, nil
}

// uriArg accepts a URI string or a Pyro4 URI object, as Pyro4 does, and
// returns the text to store.
func (ns *NameServer) uriArg(v any) (string, error) {
	switch x := v.(type) {
	case string:
		if len(x) > ns.lim.MaxURILen {
			return "", namingError(fmt.Sprintf("uri too long (max %d bytes)", ns.lim.MaxURILen))
		}
		if _, err := secure.ParseURI(x); err != nil {
			return "", secure.NewRemoteError(secure.ErrPyro.Class(), "invalid uri: "+quoteTrunc(x))
		}
		return x, nil
	case *value.Dict:
		if cls, _ := value.ClassName(x); cls == "Pyro4.core.URI" {
			var u secure.URI
			if err := u.UnmarshalValue(x); err != nil {
				return "", secure.NewRemoteError(secure.ErrPyro.Class(), "invalid uri")
			}
			s := u.String()
			if len(s) > ns.lim.MaxURILen {
				return "", namingError(fmt.Sprintf("uri too long (max %d bytes)", ns.lim.MaxURILen))
			}
			return s, nil
		}
	}
	return "", typeError("only URIs or strings can be registered")
}

// prefixArg returns the prefixes of a prefix filter: a str, or (as
// str.startswith allows) a tuple of str.
func prefixArg(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case value.Tuple:
		out := make([]string, 0, len(x))
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				return nil, typeError(fmt.Sprintf("tuple for startswith must only contain str, not %s", value.PyTypeName(it)))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, typeError(fmt.Sprintf("startswith first arg must be str or a tuple of str, not %s", value.PyTypeName(v)))
}

// compileRegex compiles a client's regex with Python re.match semantics:
// anchored at the start of the name, not at its end. Go's regexp runs in
// time linear in the name, whatever the pattern, and the pattern length is
// capped, so a hostile pattern cannot stall the name server. The syntax is
// RE2's: Python-only constructs (lookaround, backreferences) are refused.
func (ns *NameServer) compileRegex(v any) (*regexp.Regexp, error) {
	s, ok := v.(string)
	if !ok {
		return nil, typeError(fmt.Sprintf("first argument must be string or compiled pattern, not %s", value.PyTypeName(v)))
	}
	if len(s) > ns.lim.MaxRegexLen {
		return nil, namingError(fmt.Sprintf("invalid regex: longer than %d bytes", ns.lim.MaxRegexLen))
	}
	// Compile alone first, so that "a)(b" is refused instead of balancing
	// with the wrapper's parentheses.
	if _, err := regexp.Compile(s); err != nil {
		return nil, namingError("invalid regex: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	re, err := regexp.Compile(`^(?:` + s + `)`)
	if err != nil {
		return nil, namingError("invalid regex: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}

// logTrunc cuts peer-supplied text for the log (which quotes values with
// spaces) and quotes it when it holds control characters, so that it stays
// on one line.
func logTrunc(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "..."
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// quoteTrunc quotes peer-supplied text for messages and logs, cut to a
// readable length.
func quoteTrunc(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}
