package secure

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/flintrpc/flint/value"
)

// URI protocols.
const (
	ProtoPyro     = "PYRO"
	ProtoPyroName = "PYRONAME"
	ProtoPyroMeta = "PYROMETA"
)

// DefaultNSPort is the name server's default TCP port, used for PYRONAME and
// PYROMETA URIs that give a host but no port.
const DefaultNSPort = 9090

// ErrInvalidURI is returned (wrapped) for a URI that cannot be parsed.
var ErrInvalidURI = errors.New("invalid uri")

// URI names a remote object, in Pyro4's forms:
//
//	PYRO:objectid@host:port         a direct reference
//	PYRO:objectid@[::1]:port        the same over IPv6
//	PYRO:objectid@./u:/path/sock    over a Unix socket ("@name" for abstract)
//	PYRONAME:logical.name[@nshost[:nsport]]  resolved through a name server
//	PYROMETA:tag1,tag2[@nshost[:nsport]]     any object with all these tags
//
// The zero value is not a valid URI.
type URI struct {
	Protocol string   // ProtoPyro, ProtoPyroName or ProtoPyroMeta
	Object   string   // object id or logical name; empty for PYROMETA
	Meta     []string // PYROMETA tags
	Host     string   // host name or IP (no brackets); empty for Unix sockets
	Port     int      // TCP port
	Sockname string   // Unix socket path, or "@name" for an abstract socket
}

// ParseURI parses a URI string. It is stricter than Pyro4: an IPv6 location
// must end right after the port, and ports must be in 1..65535.
func ParseURI(s string) (URI, error) {
	var u URI
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return u, fmt.Errorf("%w: %q has no protocol", ErrInvalidURI, s)
	}
	u.Protocol = strings.ToUpper(s[:colon])
	rest := s[colon+1:]
	obj, loc, hasLoc := strings.Cut(rest, "@")
	if obj == "" || strings.ContainsAny(obj, " \t\r\n") {
		return u, fmt.Errorf("%w: %q has no object part", ErrInvalidURI, s)
	}
	if hasLoc && loc == "" {
		return u, fmt.Errorf("%w: %q has an empty location", ErrInvalidURI, s)
	}
	defPort := DefaultNSPort
	switch u.Protocol {
	case ProtoPyro:
		if !hasLoc {
			return u, fmt.Errorf("%w: %q lacks a location", ErrInvalidURI, s)
		}
		defPort = 0
		u.Object = obj
	case ProtoPyroName:
		u.Object = obj
	case ProtoPyroMeta:
		for _, m := range strings.Split(obj, ",") {
			if m = strings.TrimSpace(m); m != "" {
				u.Meta = append(u.Meta, m)
			}
		}
		if len(u.Meta) == 0 {
			return u, fmt.Errorf("%w: %q names no metadata", ErrInvalidURI, s)
		}
	default:
		return u, fmt.Errorf("%w: unknown protocol %q", ErrInvalidURI, u.Protocol)
	}
	if !hasLoc {
		return u, nil
	}
	if err := u.parseLocation(loc, defPort); err != nil {
		return URI{}, fmt.Errorf("%w: %q: %v", ErrInvalidURI, s, err)
	}
	return u, nil
}

// MustParseURI is like ParseURI but panics on error. It is meant for
// constants in programs and tests.
func MustParseURI(s string) URI {
	u, err := ParseURI(s)
	if err != nil {
		panic(err)
	}
	return u
}

func (u *URI) parseLocation(loc string, defPort int) error {
	if p, ok := strings.CutPrefix(loc, "./u:"); ok {
		if p == "" || strings.Contains(p, ":") {
			return errors.New("bad unix socket location")
		}
		u.Sockname = p
		return nil
	}
	var host, port string
	if strings.HasPrefix(loc, "[") {
		if strings.HasPrefix(loc, "[[") {
			return errors.New("ipv6 address enclosed in too many brackets")
		}
		end := strings.IndexByte(loc, ']')
		if end < 0 {
			return errors.New("unterminated ipv6 address")
		}
		host = loc[1:end]
		if net.ParseIP(strings.SplitN(host, "%", 2)[0]) == nil || !strings.Contains(host, ":") {
			return errors.New("the part between brackets must be a numeric ipv6 address")
		}
		after := loc[end+1:]
		if after != "" {
			if after[0] != ':' {
				return errors.New("junk after ipv6 address")
			}
			port = after[1:]
		}
	} else {
		host, port, _ = strings.Cut(loc, ":")
		if host == "" {
			return errors.New("empty host")
		}
	}
	u.Host = host
	if port == "" {
		if defPort == 0 {
			return errors.New("missing port")
		}
		u.Port = defPort
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("invalid port %q", port)
	}
	u.Port = n
	return nil
}

// Location returns the location part as Pyro4 writes it: "host:port",
// "[v6]:port" or "./u:path"; empty when the URI has none.
func (u URI) Location() string {
	switch {
	case u.Host != "":
		if strings.Contains(u.Host, ":") {
			return "[" + u.Host + "]:" + strconv.Itoa(u.Port)
		}
		return u.Host + ":" + strconv.Itoa(u.Port)
	case u.Sockname != "":
		return "./u:" + u.Sockname
	}
	return ""
}

// String returns the URI in Pyro4's text form.
func (u URI) String() string {
	var b strings.Builder
	b.WriteString(u.Protocol)
	b.WriteByte(':')
	if u.Protocol == ProtoPyroMeta {
		b.WriteString(strings.Join(u.Meta, ","))
	} else {
		b.WriteString(u.Object)
	}
	if loc := u.Location(); loc != "" {
		b.WriteByte('@')
		b.WriteString(loc)
	}
	return b.String()
}

// IsZero reports whether u is the zero URI.
func (u URI) IsZero() bool { return u.Protocol == "" }

// MarshalValue encodes u as Pyro4's URI class dict
// {"__class__": "Pyro4.core.URI", "state": (protocol, object, sockname, host, port)}.
func (u URI) MarshalValue() (any, error) {
	var obj any = u.Object
	if u.Protocol == ProtoPyroMeta {
		s := make(value.Set, len(u.Meta))
		for i, m := range u.Meta {
			s[i] = m
		}
		obj = s
	}
	var sock, host, port any
	if u.Sockname != "" {
		sock = u.Sockname
	}
	if u.Host != "" {
		host, port = u.Host, int64(u.Port)
	}
	d := value.NewDict(2)
	d.Append("__class__", "Pyro4.core.URI")
	d.Append("state", value.Tuple{u.Protocol, obj, sock, host, port})
	return d, nil
}

// UnmarshalValue accepts a URI string, a Pyro4 URI class dict, or a Pyro4
// Proxy class dict (whose URI it takes).
func (u *URI) UnmarshalValue(v any) error {
	switch x := v.(type) {
	case string:
		p, err := ParseURI(x)
		if err != nil {
			return err
		}
		*u = p
		return nil
	case *value.Dict:
		cls, _ := value.ClassName(x)
		st, _ := x.GetString("state")
		items := asSeq(st)
		switch cls {
		case "Pyro4.core.URI":
			return u.fromState(items)
		case "Pyro4.core.Proxy":
			if len(items) < 1 {
				return fmt.Errorf("%w: proxy state is empty", ErrInvalidURI)
			}
			return u.UnmarshalValue(items[0])
		}
		return fmt.Errorf("%w: dict of class %q is not a URI", ErrInvalidURI, cls)
	}
	return fmt.Errorf("%w: cannot make a URI from %T", ErrInvalidURI, v)
}

func (u *URI) fromState(st []any) error {
	if len(st) != 5 {
		return fmt.Errorf("%w: URI state has %d items, want 5", ErrInvalidURI, len(st))
	}
	var p URI
	var ok bool
	if p.Protocol, ok = st[0].(string); !ok {
		return fmt.Errorf("%w: URI protocol is %T", ErrInvalidURI, st[0])
	}
	switch o := st[1].(type) {
	case string:
		p.Object = o
	default:
		for _, m := range asSeq(o) {
			if s, ok := m.(string); ok {
				p.Meta = append(p.Meta, s)
			}
		}
	}
	if s, ok := st[2].(string); ok {
		p.Sockname = s
	}
	if h, ok := st[3].(string); ok {
		p.Host = h
	}
	if n, ok := st[4].(int64); ok {
		p.Port = int(n)
	}
	if _, err := ParseURI(p.String()); err != nil {
		return err
	}
	*u = p
	return nil
}

// asSeq returns the items of a list, tuple or set value.
func asSeq(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case value.Tuple:
		return x
	case value.Set:
		return x
	}
	return nil
}
