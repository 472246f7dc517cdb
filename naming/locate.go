package naming

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// Environment variables read by LocateOptionsFromEnv.
const (
	EnvNSHost         = "FLINT_NS_HOST"         // name server host (explicit: no broadcast unless FLINT_NS_BROADCAST=1)
	EnvNSPort         = "FLINT_NS_PORT"         // name server port, default 9090
	EnvNSUnix         = "FLINT_NS_UNIXSOCKET"   // name server Unix socket, instead of host and port
	EnvNSBroadcast    = "FLINT_NS_BROADCAST"    // 0/1: use UDP broadcast discovery
	EnvNSBCPort       = "FLINT_NS_BCPORT"       // broadcast port, default 9091
	EnvBroadcastAddrs = "FLINT_BROADCAST_ADDRS" // comma list, default 255.255.255.255,0.0.0.0
)

// DefaultBroadcastAddrs are where discovery requests go unless told
// otherwise, as in Pyro4 ("<broadcast>, 0.0.0.0").
var DefaultBroadcastAddrs = []string{"255.255.255.255", "0.0.0.0"}

// LocateOptions say how to find a name server.
type LocateOptions struct {
	// Host and Port of the name server. An empty Host means localhost;
	// Port 0 means DefaultPort.
	Host string
	Port int
	// Unix, when set, is the name server's Unix socket path, used instead
	// of Host and Port (no broadcast).
	Unix string
	// Broadcast enables UDP discovery after the direct attempt failed.
	Broadcast bool
	// BroadcastAddrs receive the discovery requests; nil means
	// DefaultBroadcastAddrs.
	BroadcastAddrs []string
	// BroadcastPort is the responders' UDP port; 0 means
	// DefaultBroadcastPort.
	BroadcastPort int
	// BroadcastTimeout is how long each of the 3 rounds waits for replies;
	// default 0.7 seconds, as in Pyro4.
	BroadcastTimeout time.Duration
	// ConnectTimeout bounds each connection attempt; default 5 seconds.
	ConnectTimeout time.Duration
	// Policy is the connection gate for the name server connection: the
	// name server is trusted only once it has passed it. nil means
	// &policy.Policy{} (2-way TLS needed).
	Policy *policy.Policy
	// Serializer for calls to the name server; default serpent.
	Serializer string
}

// LocateOptionsFromEnv returns options from FLINT_NS_HOST, FLINT_NS_PORT,
// FLINT_NS_UNIXSOCKET, FLINT_NS_BROADCAST, FLINT_NS_BCPORT,
// FLINT_BROADCAST_ADDRS, FLINT_SERIALIZER and the policy variables (see
// policy.FromEnv). Broadcast is on when no host is configured.
func LocateOptionsFromEnv() (LocateOptions, error) {
	var o LocateOptions
	pol, err := policy.FromEnv(nil)
	if err != nil {
		return o, err
	}
	o.Policy = pol
	o.Serializer = os.Getenv(secure.EnvSerializer)
	o.Host = os.Getenv(EnvNSHost)
	o.Unix = os.Getenv(EnvNSUnix)
	if o.Port, err = envPort(EnvNSPort); err != nil {
		return o, err
	}
	if o.BroadcastPort, err = envPort(EnvNSBCPort); err != nil {
		return o, err
	}
	o.Broadcast = o.Host == "" && o.Unix == ""
	switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvNSBroadcast))) {
	case "":
	case "1", "true", "yes", "on":
		o.Broadcast = true
	case "0", "false", "no", "off":
		o.Broadcast = false
	default:
		return o, fmt.Errorf("naming: %s=%q is not a boolean", EnvNSBroadcast, os.Getenv(EnvNSBroadcast))
	}
	if s := os.Getenv(EnvBroadcastAddrs); s != "" {
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				o.BroadcastAddrs = append(o.BroadcastAddrs, a)
			}
		}
	}
	return o, nil
}

func envPort(name string) (int, error) {
	s := os.Getenv(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("naming: %s=%q is not a port", name, s)
	}
	return n, nil
}

// ErrNotFound is wrapped by Locate's error when no name server was found.
var ErrNotFound = errors.New("naming: name server not found")

// Locate finds a name server and returns a connected proxy for it, like
// Pyro4's locateNS: first the configured address (opts.Unix, or
// opts.Host:opts.Port with defaults localhost:9090), then, if
// opts.Broadcast, UDP discovery: up to 3 rounds of GET_NSURI to each
// broadcast address, taking replies that parse as
// PYRO:Pyro.NameServer@host:port.
//
// Whatever way it is found, the name server is connected through
// opts.Policy and returned only after that gate has authenticated it
// (TLS with a certificate from the configured CA, valid for the host).
// Under a plaintext policy nothing is authenticated: a discovered name
// server, and the addresses it hands out, are then only as trustworthy as
// the network.
//
// The error is a *secure.Error of kind ErrNaming that wraps ErrNotFound
// and the causes.
func Locate(ctx context.Context, opts LocateOptions) (*secure.Proxy, error) {
	var errs []error
	direct := secure.URI{Protocol: secure.ProtoPyro, Object: ObjectID}
	if opts.Unix != "" {
		direct.Sockname = opts.Unix
	} else {
		direct.Host, direct.Port = opts.Host, opts.Port
		if direct.Host == "" {
			direct.Host = "localhost"
		}
		if direct.Port == 0 {
			direct.Port = DefaultPort
		}
	}
	p, err := connectNS(ctx, direct, opts)
	if err == nil {
		return p, nil
	}
	errs = append(errs, fmt.Errorf("%s: %w", direct, err))
	if opts.Broadcast && opts.Unix == "" && ctx.Err() == nil {
		var found *secure.Proxy
		err := discover(ctx, opts, func(u secure.URI) bool {
			p, err := connectNS(ctx, u, opts)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s (found by broadcast): %w", u, err))
				return false
			}
			found = p
			return true
		})
		if found != nil {
			return found, nil
		}
		if err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, errors.New("no broadcast reply"))
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return nil, &secure.Error{Kind: secure.ErrNaming, Msg: "failed to locate the nameserver",
		Cause: errors.Join(append([]error{ErrNotFound}, errs...)...)}
}

func connectNS(ctx context.Context, u secure.URI, opts LocateOptions) (*secure.Proxy, error) {
	p, err := secure.NewProxy(u, secure.ProxyConfig{Policy: opts.Policy, Serializer: opts.Serializer})
	if err != nil {
		return nil, err
	}
	to := opts.ConnectTimeout
	if to <= 0 {
		to = 5 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	if err := p.Connect(cctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// discover runs broadcast discovery and calls try for each distinct
// name server URI that answers, until try returns true.
func discover(ctx context.Context, opts LocateOptions, try func(secure.URI) bool) error {
	port := opts.BroadcastPort
	if port == 0 {
		port = DefaultBroadcastPort
	}
	addrs := opts.BroadcastAddrs
	if addrs == nil {
		addrs = DefaultBroadcastAddrs
	}
	wait := opts.BroadcastTimeout
	if wait <= 0 {
		wait = 700 * time.Millisecond
	}
	var targets []*net.UDPAddr
	for _, a := range addrs {
		ua, err := net.ResolveUDPAddr("udp4", net.JoinHostPort(a, strconv.Itoa(port)))
		if err != nil {
			return fmt.Errorf("naming: broadcast address %q: %w", a, err)
		}
		targets = append(targets, ua)
	}
	lc := net.ListenConfig{Control: allowBroadcast}
	pc, err := lc.ListenPacket(ctx, "udp4", ":0")
	if err != nil {
		return fmt.Errorf("naming: broadcast socket: %w", err)
	}
	defer pc.Close()
	stop := context.AfterFunc(ctx, func() { _ = pc.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	seen := map[string]bool{}
	buf := make([]byte, 512)
	var sendErr error
	for range 3 {
		sent := 0
		for _, t := range targets {
			if _, err := pc.WriteTo([]byte(broadcastRequest), t); err != nil {
				sendErr = err
				continue
			}
			sent++
		}
		if sent == 0 {
			return fmt.Errorf("naming: broadcast send: %w", sendErr)
		}
		deadline := time.Now().Add(wait)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = pc.SetReadDeadline(deadline)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
					return context.DeadlineExceeded // the socket deadline can fire before ctx's timer
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break
				}
				// ICMP errors (nothing listening) surface here; keep waiting.
				if time.Now().After(deadline) {
					break
				}
				continue
			}
			u, ok := parseBroadcastReply(buf[:n])
			if !ok || seen[u.String()] {
				continue
			}
			seen[u.String()] = true
			if try(u) {
				return nil
			}
			if len(seen) >= 8 {
				return errors.New("naming: too many unusable broadcast replies")
			}
		}
	}
	return nil
}

// parseBroadcastReply decodes a responder's reply: the name server's URI
// as ISO-8859-1 text. Only PYRO:Pyro.NameServer@host:port is accepted.
func parseBroadcastReply(b []byte) (secure.URI, bool) {
	if len(b) == 0 || len(b) > maxReplyLen {
		return secure.URI{}, false
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c) // ISO-8859-1 maps each byte to the code point of the same value
	}
	u, err := secure.ParseURI(string(r))
	if err != nil || u.Protocol != secure.ProtoPyro || u.Object != ObjectID || u.Host == "" {
		return secure.URI{}, false
	}
	return u, true
}
