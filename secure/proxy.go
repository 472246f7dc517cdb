package secure

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/codecs"
	"github.com/flintrpc/flint/transport"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// Resolver turns a PYRONAME or PYROMETA URI into a PYRO URI. The naming
// package provides one backed by a name server.
type Resolver interface {
	Resolve(ctx context.Context, u URI) (URI, error)
}

// ProxyConfig configures a Proxy. The zero value uses the secure default
// policy (which needs TLS material) and serpent.
type ProxyConfig struct {
	// Policy is the gate for the proxy's connections; nil means the
	// daemon's policy when the proxy was received inside a call, else
	// &policy.Policy{}.
	Policy *policy.Policy
	// Serializer is the serializer name; default "serpent".
	Serializer string
	// Serializers are the codecs available; nil means codecs.Default().
	Serializers *serial.Registry
	// Handshake is the data sent in the Pyro4 connect handshake; default
	// "hello".
	Handshake any
	// Timeout bounds each call that has no ctx deadline; 0 means none.
	Timeout time.Duration
	// ServerName overrides the name verified in the daemon's certificate.
	ServerName string
	// Resolver resolves PYRONAME and PYROMETA URIs.
	Resolver Resolver
	// ReconnectAttempts is how often a broken connection is re-dialled on
	// the next call (with doubling backoff from ReconnectBackoff); default
	// 3 attempts from 100ms. A negative value disables reconnection.
	ReconnectAttempts int
	ReconnectBackoff  time.Duration
	// RetryNonIdempotent re-sends any call whose connection broke after
	// the request was sent. Off by default: only methods the daemon marked
	// idempotent are re-sent.
	RetryNonIdempotent bool
	// Compression turns on Pyro4's zlib compression of requests.
	Compression bool
	// StreamBatch, above 1, lets remote iterators from a flint daemon
	// fetch up to this many items per round trip (at most 256). The
	// daemon then runs the iterator ahead of the items consumed, so leave
	// it 0 (one item per request, as Pyro4) for iterators with side
	// effects or that are expensive to advance.
	StreamBatch int
	// Dialer, when set, makes the connection instead of dialling the URI's
	// location: for socketpairs and other existing connections. Network is
	// "unix" or "tcp" as the policy should treat the connection.
	Dialer  func(ctx context.Context) (net.Conn, error)
	Network string
}

// Proxy calls the methods of one remote object. It is safe for concurrent
// use: against a flint daemon concurrent calls are pipelined on one
// connection; against a Pyro4 daemon they take turns, as Pyro4 answers in
// order.
type Proxy struct {
	uri   URI
	cfg   ProxyConfig
	codec serial.Serializer

	mu       sync.Mutex
	cc       *clientConn
	resolved URI
	meta     Metadata
	idem     []string
	hasMeta  bool
	closed   bool
	seq      uint16
}

// NewProxy returns a proxy for uri (a string or a URI). It connects lazily,
// on the first call; use Connect to connect now. When another proxy of
// this process has already learnt that the first call's method is an
// ordinary two-way one, that call is sent together with the handshake, so
// a short-lived proxy costs one round trip instead of two (see
// PROTOCOL.md, "The first call behind CONNECT").
func NewProxy(uri any, cfg ProxyConfig) (*Proxy, error) {
	var u URI
	switch x := uri.(type) {
	case string:
		var err error
		if u, err = ParseURI(x); err != nil {
			return nil, err
		}
	case URI:
		u = x
	default:
		return nil, fmt.Errorf("%w: NewProxy needs a string or URI, got %T", ErrInvalidURI, uri)
	}
	if cfg.Serializer == "" {
		cfg.Serializer = "serpent"
	}
	if cfg.Serializers == nil {
		cfg.Serializers = codecs.Default()
	}
	codec, err := cfg.Serializers.ByName(cfg.Serializer)
	if err != nil {
		return nil, err
	}
	if cfg.Handshake == nil {
		cfg.Handshake = "hello"
	}
	if cfg.ReconnectAttempts == 0 {
		cfg.ReconnectAttempts = 3
	}
	if cfg.ReconnectBackoff <= 0 {
		cfg.ReconnectBackoff = 100 * time.Millisecond
	}
	return &Proxy{uri: u, cfg: cfg, codec: codec}, nil
}

// Dial returns a proxy that is already connected (the handshake is done
// before Dial returns, so the first call always costs its own round trip).
func Dial(ctx context.Context, uri any, cfg ProxyConfig) (*Proxy, error) {
	p, err := NewProxy(uri, cfg)
	if err != nil {
		return nil, err
	}
	if err := p.Connect(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// URI returns the proxy's URI as given (a PYRONAME stays a PYRONAME).
func (p *Proxy) URI() URI { return p.uri }

// Metadata returns what the remote object exposes, as learned at connect.
func (p *Proxy) Metadata() Metadata {
	p.mu.Lock()
	defer p.mu.Unlock()
	// The lists may be shared with other proxies (seenReplies): the
	// caller gets its own.
	return Metadata{Methods: slices.Clone(p.meta.Methods), Oneway: slices.Clone(p.meta.Oneway), Attrs: slices.Clone(p.meta.Attrs)}
}

// Connect connects now (if not connected) and does the handshake.
func (p *Proxy) Connect(ctx context.Context) error {
	_, err := p.conn(ctx)
	return err
}

// Close closes the connection. A closed proxy cannot be used again.
func (p *Proxy) Close() error {
	p.mu.Lock()
	cc := p.cc
	p.cc, p.closed = nil, true
	p.mu.Unlock()
	if cc != nil {
		cc.close(newError(ErrConnectionClosed, nil, "proxy closed"))
	}
	return nil
}

func (p *Proxy) policyFor(ctx context.Context) *policy.Policy {
	if p.cfg.Policy != nil {
		return p.cfg.Policy
	}
	if pol, ok := ctx.Value(daemonPolicyKey{}).(*policy.Policy); ok {
		return pol
	}
	return defaultPolicy()
}

var (
	defPolOnce sync.Once
	defPol     *policy.Policy
)

func defaultPolicy() *policy.Policy {
	defPolOnce.Do(func() {
		p, err := policy.FromEnv(nil)
		if err != nil {
			p = &policy.Policy{}
		}
		defPol = p
	})
	return defPol
}

type daemonPolicyKey struct{}

// conn returns a live connection, dialling (and re-dialling after a break)
// as needed.
func (p *Proxy) conn(ctx context.Context) (*clientConn, error) {
	return p.connFirst(ctx, nil)
}

// firstCall is a call that rides right behind CONNECT on a connection the
// call itself opens, so that a lazily connected proxy's first call costs
// one round trip instead of two. Both Pyro4 and flint daemons read the
// call only after they accepted the handshake: a refused handshake means
// the call did not run, while a connection that breaks once the call was
// written may have run it (errSent).
type firstCall struct {
	method string
	build  func(object string) (*wire.Message, error)

	sent   bool               // the call was written
	seq    uint16             // its sequence number
	ch     chan *wire.Message // its reply; nil when no reply is awaited
	unlock func()             // ends the turn taken on a Pyro4 daemon's connection
}

// connFirst is conn; when it has to dial and first is not nil, it sends
// first behind the handshake (first.sent tells whether it did).
func (p *Proxy) connFirst(ctx context.Context, first *firstCall) (*clientConn, error) {
	if _, has := ctx.Deadline(); !has && p.cfg.Timeout > 0 {
		// The connection-level timeout bounds connecting too.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.Timeout)
		defer cancel()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.cc != nil && p.cc.usable() {
		return p.cc, nil
	}
	reconnect := p.cc != nil
	p.cc = nil
	attempts := 1
	if reconnect && p.cfg.ReconnectAttempts > 0 {
		attempts = p.cfg.ReconnectAttempts
	}
	backoff := p.cfg.ReconnectBackoff
	var err error
	for i := range attempts {
		if i > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctxError(ctx)
			case <-t.C:
			}
			backoff *= 2
		}
		var cc *clientConn
		pipelined := first
		if reconnect {
			// Re-dialling after a break keeps its retries: a call
			// written behind a handshake that then fails may have run,
			// and could not be dialled again.
			pipelined = nil
		}
		if cc, err = p.dial(ctx, pipelined); err == nil {
			p.cc = cc
			return cc, nil
		}
		if first != nil && first.sent {
			break // dialling again would send the call again
		}
		var re *RemoteError
		if errors.As(err, &re) || errors.Is(err, ErrSecurity) || policy.IsRefusal(err) {
			break // refused, not a transient failure
		}
	}
	return nil, err
}

func (p *Proxy) dial(ctx context.Context, first *firstCall) (*clientConn, error) {
	target := p.uri
	if target.Protocol != ProtoPyro {
		if p.cfg.Resolver == nil {
			return nil, newError(ErrNaming, nil, "cannot resolve %s: no name server resolver configured", target)
		}
		var err error
		if target, err = p.cfg.Resolver.Resolve(ctx, p.uri); err != nil {
			return nil, err
		}
	}
	metaKey := ""
	if p.cfg.Dialer == nil {
		metaKey = target.Object + "@" + target.Location()
	}
	if first != nil && (metaKey == "" || !knownMeta.twoWay(metaKey, first.method)) {
		first = nil
	}
	pol := p.policyFor(ctx)
	var c *policy.Conn
	var err error
	if p.cfg.Dialer != nil {
		raw, derr := p.cfg.Dialer(ctx)
		if derr != nil {
			return nil, newError(ErrCommunication, derr, "cannot connect")
		}
		network := p.cfg.Network
		if network == "" {
			network = "tcp"
		}
		c, err = policy.Client(ctx, pol, raw, network, policy.DialOptions{ServerName: p.cfg.ServerName})
	} else {
		ep, eerr := endpointFor(target)
		if eerr != nil {
			return nil, eerr
		}
		c, err = policy.Dial(ctx, pol, ep, policy.DialOptions{ServerName: p.cfg.ServerName})
	}
	if err != nil {
		if policy.IsRefusal(err) {
			return nil, newError(ErrSecurity, err, "cannot connect to %s", target.Location())
		}
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			// The caller's deadline ran out while connecting (a daemon
			// whose accept backlog is full leaves connect hanging).
			return nil, newError(ErrTimeout, err, "cannot connect to %s in time", target.Location())
		}
		return nil, newError(ErrCommunication, err, "cannot connect to %s", target.Location())
	}
	if p.cfg.Compression {
		c.SetCompression(true)
	}
	cc, meta, idem, err := handshake(ctx, c, p.codec, p.cfg.Handshake, target.Object, p.seq, first)
	if err != nil {
		c.Close()
		return nil, err
	}
	p.resolved, p.meta, p.idem, p.hasMeta = target, meta, idem, true
	if metaKey != "" {
		knownMeta.store(metaKey, meta)
	}
	return cc, nil
}

func endpointFor(u URI) (transport.Endpoint, error) {
	if u.Sockname != "" {
		return transport.Endpoint{Network: "unix", Address: u.Sockname}, nil
	}
	if u.Host == "" {
		return transport.Endpoint{}, fmt.Errorf("%w: %s has no location", ErrInvalidURI, u)
	}
	return transport.ParseLocation(u.Location())
}

func ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return newError(ErrTimeout, ctx.Err(), "call timed out")
	}
	return ctx.Err()
}

// handshake sends CONNECT (and first, if not nil, right behind it) and
// reads the reply, then starts the reader.
func handshake(ctx context.Context, c *policy.Conn, codec serial.Serializer, hs any, object string, seq uint16, first *firstCall) (*clientConn, Metadata, []string, error) {
	cc, meta, idem, err := connect(ctx, c, codec, hs, object, seq, first)
	if err != nil && first != nil && first.sent {
		var sent *errSent
		if !errors.As(err, &sent) {
			err = &errSent{err}
		}
	}
	return cc, meta, idem, err
}

func connect(ctx context.Context, c *policy.Conn, codec serial.Serializer, hs any, object string, seq uint16, first *firstCall) (*clientConn, Metadata, []string, error) {
	var meta Metadata
	var call *wire.Message
	if first != nil {
		var err error
		if call, err = first.build(object); err != nil {
			return nil, meta, nil, err
		}
		call.Seq = seq + 1
	}
	d := value.NewDict(2)
	hv, err := value.From(hs)
	if err != nil {
		return nil, meta, nil, err
	}
	d.Append("handshake", hv)
	d.Append("object", object)
	data, err := codec.Marshal(nil, d)
	if err != nil {
		return nil, meta, nil, newError(ErrSerialize, err, "cannot serialize handshake")
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetReadDeadline(dl)
		_ = c.SetWriteDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	msg := &wire.Message{Type: wire.MsgConnect, Flags: wire.FlagMetaOnConnect, Seq: seq, SerializerID: codec.ID(), Data: data}
	if call == nil {
		if err := c.WriteMessage(msg); err != nil {
			if terr := handshakeTimeout(ctx, err); terr != nil {
				return nil, meta, nil, terr
			}
			return nil, meta, nil, newError(ErrCommunication, err, "sending handshake")
		}
	} else {
		first.sent, first.seq = true, call.Seq
		if err := c.WriteMessages(msg, call); err != nil {
			if terr := handshakeTimeout(ctx, err); terr != nil {
				return nil, meta, nil, terr
			}
			return nil, meta, nil, newError(ErrConnectionClosed, err, "sending handshake and request")
		}
	}
	reply, err := c.ReadMessage()
	if err != nil {
		if terr := handshakeTimeout(ctx, err); terr != nil {
			return nil, meta, nil, terr
		}
		hint := ""
		if !c.IsTLS() {
			hint = " (the daemon may require TLS: set FLINT_TLS_CERT, FLINT_TLS_KEY and FLINT_TLS_CA)"
		}
		return nil, meta, nil, newError(ErrConnectionClosed, err, "the daemon closed the connection during the handshake%s", hint)
	}
	_ = c.SetReadDeadline(time.Time{})
	_ = c.SetWriteDeadline(time.Time{})
	switch reply.Type {
	case wire.MsgConnectOK:
	case wire.MsgConnectFail:
		// The daemon refused the handshake and so never read the call.
		if first != nil {
			first.sent = false
		}
		return nil, meta, nil, newError(ErrCommunication, nil, "connection rejected, reason: %s", failReason(reply))
	case wire.MsgPing:
		if v, ok := reply.Annotation("FERR"); ok {
			if first != nil {
				first.sent = false
			}
			return nil, meta, nil, newError(ErrSecurity, nil, "daemon refused the strong HMAC handshake: %s", v)
		}
		fallthrough
	default:
		return nil, meta, nil, newError(ErrProtocol, nil, "connect: invalid reply type %s", reply.Type)
	}
	if reply.SerializerID != codec.ID() {
		return nil, meta, nil, newError(ErrProtocol, nil, "connect: reply serializer %d, want %d", reply.SerializerID, codec.ID())
	}
	withMeta := reply.Flags&wire.FlagMetaOnConnect != 0
	if m, ok := seenReplies.get(codec.ID(), reply.Data); ok && withMeta {
		meta = m
	} else {
		rv, err := codec.Unmarshal(reply.Data, c.Policy().SerialLimits())
		if err != nil {
			return nil, meta, nil, newError(ErrSerialize, err, "decoding handshake reply")
		}
		if withMeta {
			rd, ok := rv.(*value.Dict)
			if !ok {
				return nil, meta, nil, newError(ErrProtocol, nil, "connect: metadata reply is %T", rv)
			}
			mv, _ := rd.GetString("meta")
			meta = parseMeta(mv)
			seenReplies.put(codec.ID(), reply.Data, meta)
		}
	}
	if withMeta {
		if len(meta.Methods) == 0 && len(meta.Attrs) == 0 && object != DaemonObjectID {
			return nil, meta, nil, newError(ErrPyro, nil, "remote object doesn't expose any methods or attributes")
		}
	}
	cc := newClientConn(c, seq)
	var idem []string
	if f, ok := reply.Annotation(annFlint); ok {
		for _, feat := range strings.Fields(string(f)) {
			switch {
			case feat == "pipeline":
				cc.pipeline = true
			case feat == "streambatch":
				cc.streamBatch = true
			case strings.HasPrefix(feat, "idempotent="):
				idem = strings.Split(strings.TrimPrefix(feat, "idempotent="), ",")
			}
		}
	}
	if call != nil {
		cc.seq = call.Seq
		switch {
		case slices.Contains(meta.Oneway, first.method):
			// The method became oneway since the metadata was cached:
			// the caller does not wait, and the reply the daemon sends
			// for the plain call is dropped.
			cc.pending[call.Seq] = nil
		default:
			first.ch = make(chan *wire.Message, 1)
			cc.pending[call.Seq] = first.ch
			if !cc.pipeline {
				cc.turn.Lock()
				first.unlock = cc.turn.Unlock
			}
		}
	}
	if call != nil && first.ch == nil {
		// Nobody waits for the reply to the call behind CONNECT: a
		// background reader drops it.
		cc.reading = true
		go cc.bgRead()
	}
	return cc, meta, idem, nil
}

// handshakeTimeout classifies a handshake read or write that failed
// because ctx ended: ErrTimeout when it had a deadline (also when the
// deadline ran out during the write), else ctx's own error. It returns nil
// for any other failure.
func handshakeTimeout(ctx context.Context, err error) error {
	if ctx.Err() == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	if _, has := ctx.Deadline(); has {
		return newError(ErrTimeout, err, "handshake timed out")
	}
	return ctxError(ctx)
}

func failReason(m *wire.Message) string {
	// CONNECTFAIL carries a serialized str: marshal when sent before a
	// serializer was agreed, else the request's serializer.
	reg := codecs.Default()
	if codec, err := reg.ByID(m.SerializerID); err == nil {
		if v, err := codec.Unmarshal(m.Data, serial.Limits{MaxBytes: 1 << 16}); err == nil {
			if s, ok := v.(string); ok {
				return s
			}
			return fmt.Sprint(v)
		}
	}
	return fmt.Sprintf("%q", m.Data)
}

func parseMeta(v any) Metadata {
	var m Metadata
	d, ok := v.(*value.Dict)
	if !ok {
		return m
	}
	names := func(key string) []string {
		x, _ := d.GetString(key)
		var out []string
		for _, it := range asSeq(x) {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return out
	}
	m.Methods, m.Oneway, m.Attrs = names("methods"), names("oneway"), names("attrs")
	return m
}
