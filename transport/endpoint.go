package transport

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Networks of an Endpoint.
const (
	NetworkTCP  = "tcp"
	NetworkUnix = "unix"
)

// UnixPrefix starts every Unix-socket location in Pyro4 URIs.
const UnixPrefix = "./u:"

// MaxUnixPathLen is the longest Unix socket path or abstract name
// (counting the '@') accepted, set by the kernel's sun_path size.
const MaxUnixPathLen = 107

// maxLocationLen bounds a location string before it is examined.
const maxLocationLen = 512

// Endpoint is a place to listen on or dial.
//
// For NetworkTCP, Address is "host:port", with IPv6 hosts in brackets
// ("[::1]:9090"). For NetworkUnix it is a socket path, or "@name" for a
// Linux abstract socket.
type Endpoint struct {
	Network string
	Address string
}

// String returns "network:address", for logs.
func (e Endpoint) String() string { return e.Network + ":" + e.Address }

// Location returns the Pyro4 URI location of e: "host:port",
// "[v6addr]:port" or "./u:/path". It returns "" for an Endpoint with an
// unknown network. For endpoints made by ParseLocation it is the exact
// inverse.
func (e Endpoint) Location() string {
	switch e.Network {
	case NetworkTCP:
		return e.Address
	case NetworkUnix:
		return UnixPrefix + e.Address
	}
	return ""
}

// ParseLocation parses a Pyro4 URI location, the part after '@' in
// "PYRO:obj@location":
//
//	host:port          a host name or IPv4 address and a port 1..65535
//	[v6addr]:port      a numeric IPv6 address (with an optional %zone)
//	./u:/path/sock     a Unix socket path (no ':'; relative paths allowed)
//	./u:@name          a Linux abstract Unix socket (flint extension)
//
// It is stricter than Pyro4: the port is required and must be plain
// decimal without leading zeros, nothing may follow an IPv6 location's
// port, host names must be made of letters, digits, '-', '_' and '.', and
// control characters are refused everywhere. Errors wrap [ErrBadLocation].
func ParseLocation(loc string) (Endpoint, error) { return parseLocation(loc, false) }

// ParseListenLocation is [ParseLocation] for an address to listen on: it
// also accepts port 0, which asks the system for a free port.
func ParseListenLocation(loc string) (Endpoint, error) { return parseLocation(loc, true) }

func parseLocation(loc string, listen bool) (Endpoint, error) {
	if len(loc) > maxLocationLen {
		return Endpoint{}, fmt.Errorf("%w: longer than %d bytes", ErrBadLocation, maxLocationLen)
	}
	if name, ok := strings.CutPrefix(loc, UnixPrefix); ok {
		if err := checkUnixName(name); err != nil {
			return Endpoint{}, err
		}
		return Endpoint{Network: NetworkUnix, Address: name}, nil
	}
	var host, port string
	if rest, ok := strings.CutPrefix(loc, "["); ok {
		h, after, ok := strings.Cut(rest, "]")
		if !ok {
			return Endpoint{}, fmt.Errorf("%w: %q: missing ']'", ErrBadLocation, loc)
		}
		if err := checkIPv6(h); err != nil {
			return Endpoint{}, fmt.Errorf("%w: %q: %w", ErrBadLocation, loc, err)
		}
		p, ok := strings.CutPrefix(after, ":")
		if !ok {
			return Endpoint{}, fmt.Errorf("%w: %q: want [address]:port", ErrBadLocation, loc)
		}
		host, port = h, p
	} else {
		h, p, ok := strings.Cut(loc, ":")
		if !ok {
			return Endpoint{}, fmt.Errorf("%w: %q: want host:port", ErrBadLocation, loc)
		}
		if err := checkHost(h); err != nil {
			return Endpoint{}, fmt.Errorf("%w: %q: %w", ErrBadLocation, loc, err)
		}
		host, port = h, p
	}
	if err := checkPort(port, listen); err != nil {
		return Endpoint{}, fmt.Errorf("%w: %q: %w", ErrBadLocation, loc, err)
	}
	return Endpoint{Network: NetworkTCP, Address: net.JoinHostPort(host, port)}, nil
}

func checkUnixName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty Unix socket path", ErrBadLocation)
	case name == "@":
		return fmt.Errorf("%w: empty abstract socket name", ErrBadLocation)
	case len(name) > MaxUnixPathLen:
		return fmt.Errorf("%w: Unix socket path longer than %d bytes", ErrBadLocation, MaxUnixPathLen)
	case strings.Contains(name, ":"):
		return fmt.Errorf("%w: ':' in Unix socket path %q", ErrBadLocation, name)
	case hasControl(name):
		return fmt.Errorf("%w: control character in Unix socket path %q", ErrBadLocation, name)
	}
	return nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// checkIPv6 accepts what Pyro4 accepts between brackets (hex digits and
// ':'), plus an optional zone, provided it really is an IPv6 address.
func checkIPv6(h string) error {
	addr, zone, hasZone := strings.Cut(h, "%")
	if addr == "" {
		return fmt.Errorf("empty IPv6 address")
	}
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		if !(c == ':' || '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return fmt.Errorf("the part between brackets must be a numeric IPv6 address")
		}
	}
	if hasZone {
		if zone == "" {
			return fmt.Errorf("empty IPv6 zone")
		}
		for i := 0; i < len(zone); i++ {
			if !isHostChar(zone[i]) || zone[i] == '.' {
				return fmt.Errorf("bad character in IPv6 zone")
			}
		}
	}
	ip, err := netip.ParseAddr(h)
	if err != nil || !ip.Is6() {
		return fmt.Errorf("not an IPv6 address")
	}
	return nil
}

func isHostChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// checkHost accepts a DNS-style host name or a dotted IPv4 address.
func checkHost(h string) error {
	if h == "" {
		return fmt.Errorf("empty host")
	}
	if len(h) > 253 {
		return fmt.Errorf("host name longer than 253 bytes")
	}
	allDigits := true
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("bad host name label")
		}
		if label[0] == '-' {
			return fmt.Errorf("host name label starts with '-'")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !isHostChar(c) || c == '.' {
				return fmt.Errorf("bad character %q in host", c)
			}
			if c < '0' || c > '9' {
				allDigits = false
			}
		}
	}
	if allDigits {
		if ip, err := netip.ParseAddr(h); err != nil || !ip.Is4() {
			return fmt.Errorf("bad IPv4 address")
		}
	}
	return nil
}

func checkPort(p string, allowZero bool) error {
	if p == "" {
		return fmt.Errorf("missing port")
	}
	if len(p) > 5 {
		return fmt.Errorf("bad port")
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return fmt.Errorf("bad port")
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return fmt.Errorf("port with a leading zero")
	}
	n, _ := strconv.Atoi(p) // at most 5 digits: cannot fail
	if n > 65535 || n == 0 && !allowZero {
		return fmt.Errorf("port %d out of range", n)
	}
	return nil
}
