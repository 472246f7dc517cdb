package policy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/certs"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/wire"
)

// HMACMode selects message authentication with a shared key.
type HMACMode int

const (
	// HMACAuto is the zero value: strong when a key is set, off otherwise.
	HMACAuto HMACMode = iota
	// HMACOff disables message authentication even if a key is set.
	HMACOff
	// HMACPyro4 is Pyro4's legacy per-message HMAC-SHA1 annotation. It does
	// not cover the header and has no replay protection; use it only to talk
	// to Pyro4 peers configured with _pyroHmacKey.
	HMACPyro4
	// HMACStrong is flint's own: mutual challenge-response at connect,
	// HKDF-derived per-direction keys and a MAC with a sequence counter over
	// each whole message. Both peers must be flint.
	HMACStrong
)

// String returns the mode's name as used in FLINT_HMAC_MODE.
func (m HMACMode) String() string {
	switch m {
	case HMACOff:
		return "off"
	case HMACPyro4:
		return "pyro4"
	case HMACStrong:
		return "strong"
	}
	return "auto"
}

// ParseHMACMode parses "off", "pyro4", "strong" or "" (auto).
func ParseHMACMode(s string) (HMACMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return HMACAuto, nil
	case "off", "none":
		return HMACOff, nil
	case "pyro4":
		return HMACPyro4, nil
	case "strong":
		return HMACStrong, nil
	}
	return HMACAuto, fmt.Errorf("policy: unknown HMAC mode %q (want off, pyro4 or strong)", s)
}

// DefaultSerializers is the default allow-list. Pickle is never on it.
var DefaultSerializers = []string{"serpent", "json", "marshal", "msgpack"}

// Policy is what a connection must prove and what it may do. The zero value
// is the secure default; see the package documentation. A Policy must not
// be changed after it is in use by a daemon or proxy.
type Policy struct {
	// TLS holds certificate files for 2-way TLS; they are reloaded when they
	// change on disk. ServerTLS and ClientTLS, when set, are used instead.
	TLS       certs.Files
	ServerTLS *tls.Config
	ClientTLS *tls.Config

	// AllowInsecurePlaintext admits connections without TLS. Needed for
	// plain Pyro4 peers; never use it across a network you do not control.
	AllowInsecurePlaintext bool

	// UnixUIDs and UnixGIDs admit Unix-socket peers by their kernel
	// credentials. When either is set, a Unix-socket connection needs
	// neither TLS nor the plaintext opt-in, and peers not listed are refused.
	UnixUIDs []uint32
	UnixGIDs []uint32

	// HMACKey is a shared secret; HMACMode says how it is used.
	HMACKey  auth.Key
	HMACMode HMACMode

	// Serializers is the allow-list of serializer names; nil means
	// DefaultSerializers.
	Serializers []string

	// Rules authorizes calls; empty allows every call of a peer that passed
	// the checks above, otherwise a call needs a matching rule.
	Rules auth.Rules

	// ExposeTracebacks sends remote tracebacks and internal error details to
	// callers. Off by default; the exception class and message always go.
	ExposeTracebacks bool

	// AllowBlobCalls admits Pyro4's KEEPSERIALIZED flag. Off by default.
	AllowBlobCalls bool

	// Limits bounds resources; zero fields take defaults.
	Limits Limits

	// Logger receives the audit log; nil discards it.
	Logger hclog.Logger

	once       sync.Once
	initErr    error
	serverTLS  *tls.Config
	clientTLS  *tls.Config
	serIDs     map[uint16]bool
	limits     Limits
	hmacMode   HMACMode
	logger     hclog.Logger
	insecureLg sync.Once
	reloader   *certs.Reloader
	cliMu      sync.Mutex
	cliByName  map[string]*tls.Config
}

// clientConfig returns the TLS client configuration for a daemon name, or
// nil when the policy has no client TLS material. Configurations are cached
// per name so TLS sessions are resumed.
func (p *Policy) clientConfig(name string) (*tls.Config, error) {
	if p.clientTLS != nil {
		cfg := p.clientTLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = name
		}
		return cfg, nil
	}
	if p.reloader == nil {
		return nil, nil
	}
	p.cliMu.Lock()
	defer p.cliMu.Unlock()
	if cfg, ok := p.cliByName[name]; ok {
		return cfg, nil
	}
	cfg, err := p.reloader.ClientConfig(name)
	if err != nil {
		return nil, err
	}
	if p.cliByName == nil {
		p.cliByName = map[string]*tls.Config{}
	}
	p.cliByName[name] = cfg
	return cfg, nil
}

func (p *Policy) hasClientTLS() bool { return p.clientTLS != nil || p.reloader != nil }

// Errors the gate returns, wrapped with detail.
var (
	ErrRefused              = errors.New("policy: connection refused")
	ErrNoTransportSecurity  = errors.New("policy: no TLS material and plaintext not allowed")
	ErrSerializerNotAllowed = errors.New("policy: serializer not allowed")
	ErrDenied               = errors.New("policy: call denied")
	ErrLimit                = errors.New("policy: limit exceeded")
	ErrHandshake            = errors.New("policy: authentication handshake failed")
	ErrDowngrade            = errors.New("policy: peer does not offer the required strong authentication")
)

func (p *Policy) init() error {
	p.once.Do(func() {
		p.logger = hclog.NewNullLogger()
		p.limits = p.Limits.withDefaults()
		p.hmacMode = p.HMACMode
		if p.hmacMode == HMACAuto {
			if p.HMACKey.IsZero() {
				p.hmacMode = HMACOff
			} else {
				p.hmacMode = HMACStrong
			}
		}
		if p.hmacMode != HMACOff && p.HMACKey.IsZero() {
			p.initErr = fmt.Errorf("policy: HMAC mode %s needs a key", p.hmacMode)
			return
		}
		names := p.Serializers
		if names == nil {
			names = DefaultSerializers
		}
		p.serIDs = make(map[uint16]bool)
		for _, n := range names {
			id, ok := serializerIDs[strings.TrimSpace(n)]
			if !ok {
				p.initErr = fmt.Errorf("policy: unknown serializer %q in allow-list", n)
				return
			}
			p.serIDs[id] = true
		}
		p.serverTLS, p.clientTLS = p.ServerTLS, p.ClientTLS
		if p.TLS != (certs.Files{}) {
			if p.reloader, p.initErr = certs.NewReloader(p.TLS); p.initErr != nil {
				return
			}
			if p.serverTLS == nil {
				p.serverTLS = p.reloader.ServerConfig()
			}
		}
	})
	return p.initErr
}

var serializerIDs = map[string]uint16{
	"serpent": serial.IDSerpent, "json": serial.IDJSON, "marshal": serial.IDMarshal,
	"pickle": serial.IDPickle, "dill": serial.IDDill, "msgpack": serial.IDMsgpack,
	"cloudpickle": serial.IDCloudpickle,
}

// Validate checks the policy and, for a daemon (server true), that it has a
// way to secure connections on a listener of the given network ("tcp" or
// "unix"). It returns an error that says how to fix the configuration.
func (p *Policy) Validate(server bool, network string) error {
	if err := p.init(); err != nil {
		return err
	}
	if p.AllowInsecurePlaintext {
		p.insecureLg.Do(func() {
			p.Log().Warn("INSECURE: plaintext connections allowed; traffic is neither encrypted nor authenticated by TLS")
		})
		return nil
	}
	if network == "unix" && (len(p.UnixUIDs) > 0 || len(p.UnixGIDs) > 0) {
		return nil
	}
	if server && p.serverTLS == nil || !server && !p.hasClientTLS() {
		return fmt.Errorf("%w: create certificates with `flint certs init DIR` and set FLINT_TLS_CERT, FLINT_TLS_KEY and FLINT_TLS_CA "+
			"(or set Policy.TLS); on a Unix socket, allow peers by uid/gid; or, for plain Pyro4 peers on a trusted network only, set FLINT_INSECURE=1",
			ErrNoTransportSecurity)
	}
	return nil
}

// SerializerAllowed reports whether the serializer id is on the allow-list.
func (p *Policy) SerializerAllowed(id uint16) bool {
	if p.init() != nil {
		return false
	}
	return p.serIDs[id]
}

// EffectiveHMACMode returns the HMAC mode after HMACAuto is resolved.
func (p *Policy) EffectiveHMACMode() HMACMode {
	_ = p.init()
	return p.hmacMode
}

// EffectiveLimits returns the limits with defaults filled in.
func (p *Policy) EffectiveLimits() Limits {
	_ = p.init()
	return p.limits
}

// Log returns the audit logger (never nil): Logger if set, even after the
// policy is in use, else a logger that discards.
func (p *Policy) Log() hclog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	_ = p.init()
	return p.logger
}

// Authorize checks a call against the rules and logs a denial.
func (p *Policy) Authorize(id auth.Identity, object, method string) error {
	if p.Rules.Allow(id, object, method) {
		return nil
	}
	p.Log().Warn("call denied", "peer", id.String(), "object", object, "method", method)
	return fmt.Errorf("%w: %s may not call %s.%s", ErrDenied, id.String(), object, method)
}

// HasRules reports whether authorization rules are in force.
func (p *Policy) HasRules() bool { return len(p.Rules) > 0 }

func (p *Policy) unixAllowed(c *auth.UnixCred) bool {
	if c == nil {
		return false
	}
	return slices.Contains(p.UnixUIDs, c.UID) || slices.Contains(p.UnixGIDs, c.GID)
}

func (p *Policy) unixRuleSet() bool { return len(p.UnixUIDs) > 0 || len(p.UnixGIDs) > 0 }

// readLimits returns the wire limits.
func (p *Policy) wireLimits() wire.Limits {
	return wire.Limits{MaxMessageSize: p.limits.MaxMessageSize, MaxDecompressedSize: p.limits.MaxDecompressedSize}
}

// SerialLimits returns the decoding limits for payloads.
func (p *Policy) SerialLimits() serial.Limits {
	l := p.EffectiveLimits()
	return serial.Limits{MaxDepth: l.MaxDepth, MaxItems: l.MaxItems, MaxBytes: l.MaxDecompressedSize}
}

// now is replaced in tests.
var now = time.Now
