package policy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/transport"
	"github.com/flintrpc/flint/wire"
)

// readBufferSize is the read buffer of a connection: a small message
// (header, annotations and payload) arrives in one read system call, and
// large payloads bypass the buffer.
const readBufferSize = 8 << 10

// readers holds the buffered readers of ended connections (see
// ReleaseReader): a zeroed 8 KiB buffer per side was a sixth of the CPU a
// short-lived connection cost.
var readers sync.Pool // of *bufio.Reader with a readBufferSize buffer

// newBufReader returns a buffered reader of raw, reusing a released one.
func newBufReader(raw net.Conn) *bufio.Reader {
	if br, ok := readers.Get().(*bufio.Reader); ok {
		br.Reset(raw)
		return br
	}
	return bufio.NewReaderSize(raw, readBufferSize)
}

// Conn is a connection that passed the gate. It reads and writes Pyro4
// messages; every message it returns passed the size limits, the MAC (when
// one is in force) and the serializer allow-list.
//
// ReadMessage must be called from one goroutine at a time; WriteMessage is
// safe for concurrent use.
type Conn struct {
	raw      net.Conn
	p        *Policy
	r        *wire.Reader
	br       *bufio.Reader // under r
	wmu      sync.Mutex
	w        *wire.Writer
	identity auth.Identity
	server   bool
	release  func()
	closeMu  sync.Once
	network  string
	auth     wire.Authenticator // set in strong and pyro4 modes

	// The daemon's idle and write deadlines are moved only when they have
	// come a sixteenth of their timeout closer (re-arming a deadline costs
	// a runtime timer update per message): a timeout T takes effect after
	// between 15T/16 and T. Unix nanoseconds; 0 means not armed.
	idleUntil  atomic.Int64
	writeUntil int64 // guarded by wmu

	held      *wire.Message // guarded by wmu: written before the next message
	heldTimer *time.Timer
	closed    atomic.Bool
}

// rearm reports whether a deadline at until (0: none) must be moved to
// now+timeout, and returns that new deadline.
func rearm(until int64, timeout time.Duration) (time.Time, bool) {
	t := now().Add(timeout)
	return t, until == 0 || t.UnixNano()-until > int64(timeout/16)
}

// Identity returns what the peer proved: certificate identity, Unix
// credentials and whether it proved the HMAC key.
func (c *Conn) Identity() auth.Identity { return c.identity }

// Policy returns the policy the connection was admitted under.
func (c *Conn) Policy() *Policy { return c.p }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.raw.RemoteAddr() }

// LocalAddr returns the local address.
func (c *Conn) LocalAddr() net.Addr { return c.raw.LocalAddr() }

// IsTLS reports whether the connection runs inside TLS.
func (c *Conn) IsTLS() bool { _, ok := c.raw.(*tls.Conn); return ok }

// SetCompression turns on Pyro4-style zlib compression of sent payloads.
func (c *Conn) SetCompression(on bool) {
	c.wmu.Lock()
	c.w.SetCompression(on)
	c.wmu.Unlock()
}

// SetReadDeadline sets the deadline for the next ReadMessage.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.idleUntil.Store(0)
	return c.raw.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline for writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.writeUntil = 0
	return c.raw.SetWriteDeadline(t)
}

// ReadMessage reads the next message. On a daemon connection the idle
// timeout applies: a peer silent for longer is disconnected.
func (c *Conn) ReadMessage() (*wire.Message, error) {
	if c.server {
		if t, ok := rearm(c.idleUntil.Load(), c.p.limits.IdleTimeout); ok {
			_ = c.raw.SetReadDeadline(t)
			c.idleUntil.Store(t.UnixNano())
		}
	}
	return c.read()
}

// ReadHandshake reads the first message of a daemon connection (the Pyro4
// CONNECT), within the handshake timeout instead of the idle timeout.
func (c *Conn) ReadHandshake() (*wire.Message, error) {
	c.idleUntil.Store(0)
	_ = c.raw.SetReadDeadline(now().Add(c.p.limits.HandshakeTimeout))
	return c.read()
}

func (c *Conn) read() (*wire.Message, error) {
	if c.r == nil {
		return nil, errReleased
	}
	m, err := c.r.ReadMessage()
	if err != nil {
		return nil, err
	}
	if err := c.check(m); err != nil {
		return m, err
	}
	return m, nil
}

// SerializerError reports a message whose serializer is not allowed.
type SerializerError struct{ ID uint16 }

func (e *SerializerError) Error() string {
	return fmt.Sprintf("message used serializer that is not accepted: %d", e.ID)
}

// Unwrap returns ErrSerializerNotAllowed.
func (e *SerializerError) Unwrap() error { return ErrSerializerNotAllowed }

func (c *Conn) check(m *wire.Message) error {
	if m.Type == wire.MsgPing {
		return nil
	}
	if !c.p.serIDs[m.SerializerID] {
		c.p.Log().Warn("message refused", "peer", c.peerString(), "reason", "serializer not allowed", "serializer", m.SerializerID)
		return &SerializerError{ID: m.SerializerID}
	}
	if m.Flags&wire.FlagKeepSerialized != 0 && !c.p.AllowBlobCalls {
		c.p.Log().Warn("message refused", "peer", c.peerString(), "reason", "blob call flag not allowed")
		return fmt.Errorf("%w: KEEPSERIALIZED (blob) calls are not allowed", ErrRefused)
	}
	return nil
}

// WriteMessage writes m, adding the MAC when one is in force. A message
// held back by [Conn.Hold] goes first, in the same write.
func (c *Conn) WriteMessage(m *wire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.armWrite()
	if c.held != nil {
		return c.wrote(c.w.WriteMessages(c.takeHeld(), m))
	}
	return c.wrote(c.w.WriteMessage(m))
}

// WriteMessages writes several messages in order, with one write where it
// can.
func (c *Conn) WriteMessages(ms ...*wire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.armWrite()
	if c.held != nil {
		ms = append([]*wire.Message{c.takeHeld()}, ms...)
	}
	return c.wrote(c.w.WriteMessages(ms...))
}

// ErrNotBuffered is returned by [Conn.Await] when the next message is
// larger than the connection's read buffer, so waiting for all of it
// without consuming it is not possible; ReadMessage must read it.
var ErrNotBuffered = errors.New("policy: the next message is larger than the read buffer")

// Await waits until the next message has arrived whole, so that the next
// ReadMessage returns it without blocking. It consumes nothing: when the
// wait ends early (a read deadline ran out, as when a caller's context
// ends), the bytes that did arrive stay buffered for the next reader, so
// a read can be given up without losing the connection. A header that does
// not parse is left for ReadMessage to report. Await is a read: the rule
// of one reading goroutine at a time applies.
func (c *Conn) Await() error {
	if c.br == nil {
		return errReleased
	}
	b, err := c.br.Peek(wire.HeaderSize)
	if err != nil {
		return err
	}
	h, err := wire.ParseHeader(b)
	if err != nil || h.DataSize < 0 {
		return nil
	}
	total := int64(wire.HeaderSize) + int64(h.AnnotationsSize) + int64(h.DataSize)
	if total > int64(c.br.Size()) {
		return ErrNotBuffered
	}
	_, err = c.br.Peek(int(total))
	return err
}

// Probe reports, without waiting, whether the peer has closed the
// connection (or it failed): it returns the read error then, and nil while
// the connection is open, also when data is waiting. It consumes nothing
// and must be called by the connection's only reader, with no read
// deadline in force (it clears it).
func (c *Conn) Probe() error {
	if c.br == nil {
		return errReleased
	}
	if c.br.Buffered() > 0 {
		return nil
	}
	under := c.raw
	tc, isTLS := c.raw.(*tls.Conn)
	if isTLS {
		under = tc.NetConn()
	}
	if sc, ok := under.(syscall.Conn); ok {
		st, err := peekSocket(sc)
		switch {
		case err != nil:
			return err
		case st == sockClosed:
			return io.EOF
		case st == sockIdle, st == sockData && !isTLS:
			return nil
		}
		// TLS bytes are waiting: a close_notify alert, or a session
		// ticket. Only TLS can tell; read them below.
	}
	_ = c.raw.SetReadDeadline(time.Now().Add(probeWait))
	_, err := c.br.Peek(1)
	_ = c.raw.SetReadDeadline(time.Time{})
	if err == nil || isTimeout(err) {
		return nil
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// probeWait bounds Probe's read when the socket cannot be peeked at.
const probeWait = 50 * time.Microsecond

// What peekSocket finds on a socket.
const (
	sockIdle    = iota // open, nothing to read
	sockData           // bytes are waiting
	sockClosed         // the peer closed it
	sockUnknown        // the socket cannot be peeked at here
)

// Pending reports whether bytes of another message have already arrived
// and wait to be read.
func (c *Conn) Pending() bool { return c.br != nil && c.br.Buffered() > 0 }

// Hold keeps m back so that it goes out in one write with the next message
// written, but no later than after d. A daemon holds its CONNECTOK when the
// client already sent its first call behind the CONNECT: handshake answer
// and reply then reach the client together.
func (c *Conn) Hold(m *wire.Message, d time.Duration) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.held != nil { // only one message is ever held; keep the order
		c.writeHeld()
	}
	c.held = m
	c.heldTimer = time.AfterFunc(d, c.flushHeld)
}

// takeHeld returns the held message and forgets it; wmu is held.
func (c *Conn) takeHeld() *wire.Message {
	m := c.held
	c.held = nil
	c.heldTimer.Stop()
	return m
}

// flushHeld writes a held message that no other message picked up in time.
func (c *Conn) flushHeld() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.held == nil || c.closed.Load() {
		return
	}
	c.writeHeld()
}

// writeHeld writes the held message on its own; wmu is held.
func (c *Conn) writeHeld() {
	c.armWrite()
	_ = c.wrote(c.w.WriteMessage(c.takeHeld()))
}

// armWrite bounds a daemon's write by the write timeout.
func (c *Conn) armWrite() {
	if c.server {
		if t, ok := rearm(c.writeUntil, c.p.limits.WriteTimeout); ok {
			_ = c.raw.SetWriteDeadline(t)
			c.writeUntil = t.UnixNano()
		}
	}
}

// wrote handles the outcome of a write: a daemon drops a peer it cannot
// write to (a client that never reads must not pin a worker).
func (c *Conn) wrote(err error) error {
	if err != nil && c.server {
		c.p.Log().Warn("closing connection", "peer", c.peerString(), "reason", "write failed or timed out: "+err.Error())
		c.raw.Close()
	}
	return err
}

// errReleased is what reads of a connection fail with after
// ReleaseReader.
var errReleased = fmt.Errorf("policy: reading a released connection: %w", net.ErrClosed)

// ReleaseReader gives the connection's read buffer back for a later
// connection. It reports whether it did: only after Close, and only once.
// The caller must make sure that no read (ReadMessage, ReadHandshake,
// Await, Probe, Pending) is running or will run: any later read fails
// with net.ErrClosed. Released buffers are never handed out with
// anything of this connection still readable through them.
func (c *Conn) ReleaseReader() bool {
	if !c.closed.Load() || c.br == nil {
		return false
	}
	br := c.br
	c.br, c.r = nil, nil
	br.Reset(nil)
	readers.Put(br)
	return true
}

// Close closes the connection and releases its slot in the gate.
func (c *Conn) Close() error {
	c.closed.Store(true)
	err := c.raw.Close()
	c.closeMu.Do(func() {
		if c.release != nil {
			c.release()
		}
	})
	return err
}

func (c *Conn) peerString() string {
	s := c.identity.String()
	if c.raw.RemoteAddr() != nil {
		s += " addr=" + c.raw.RemoteAddr().String()
	}
	return s
}

// Gate admits connections to a daemon under a policy and counts them.
type Gate struct {
	p       *Policy
	mu      sync.Mutex
	total   int
	perPeer map[string]int
	network string
}

// NewGate returns a gate for a daemon listening on network ("tcp" or
// "unix"). It fails when the policy gives no way to secure such
// connections.
func NewGate(p *Policy, network string) (*Gate, error) {
	if err := p.Validate(true, network); err != nil {
		return nil, err
	}
	return &Gate{p: p, perPeer: make(map[string]int), network: network}, nil
}

// Policy returns the gate's policy.
func (g *Gate) Policy() *Policy { return g.p }

// Open returns the number of admitted connections still open.
func (g *Gate) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

func (g *Gate) admit(key string) (func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.total >= g.p.limits.MaxConns {
		return nil, fmt.Errorf("%w: %d connections open (MaxConns)", ErrLimit, g.total)
	}
	if g.perPeer[key] >= g.p.limits.MaxConnsPerPeer {
		return nil, fmt.Errorf("%w: peer %s has %d connections open (MaxConnsPerPeer)", ErrLimit, key, g.perPeer[key])
	}
	g.total++
	g.perPeer[key]++
	return func() {
		g.mu.Lock()
		g.total--
		if g.perPeer[key]--; g.perPeer[key] <= 0 {
			delete(g.perPeer, key)
		}
		g.mu.Unlock()
	}, nil
}

// Accept runs the daemon side of the gate on a freshly accepted connection:
// connection limits, Unix peer credentials, the TLS handshake and the strong
// HMAC handshake, all within the handshake timeout. On failure it closes raw
// and logs why.
func (g *Gate) Accept(ctx context.Context, raw net.Conn) (*Conn, error) {
	p := g.p
	addr := "?"
	if raw.RemoteAddr() != nil {
		addr = raw.RemoteAddr().String()
	}
	refuse := func(err error, id auth.Identity) (*Conn, error) {
		p.Log().Warn("connection refused", "peer", id.String(), "addr", addr, "reason", err.Error())
		raw.Close()
		return nil, err
	}
	// Connections per peer are counted by address before authentication so
	// that unauthenticated floods are bounded too.
	key := peerAddrKey(raw)
	release, err := g.admit(key)
	if err != nil {
		return refuse(err, auth.Identity{})
	}
	c := &Conn{raw: raw, p: p, server: true, release: release}
	fail := func(err error) (*Conn, error) {
		c.Close()
		p.Log().Warn("connection refused", "peer", c.identity.String(), "addr", addr, "reason", err.Error())
		return nil, err
	}
	deadline := now().Add(p.limits.HandshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = raw.SetDeadline(deadline)

	isUnix := transport.IsUnix(raw)
	if isUnix {
		cred, err := transport.PeerCred(raw)
		if err == nil {
			c.identity.Unix = cred
		}
		if p.unixRuleSet() && !p.unixAllowed(cred) {
			return fail(fmt.Errorf("%w: unix peer %s is not on the uid/gid allow-list", ErrRefused, c.identity.String()))
		}
	}
	switch {
	case p.serverTLS != nil:
		tc := tls.Server(raw, p.serverTLS)
		hctx, cancel := context.WithDeadline(ctx, deadline)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return fail(fmt.Errorf("%w: TLS handshake: %v", ErrRefused, err))
		}
		st := tc.ConnectionState()
		if len(st.PeerCertificates) > 0 {
			unix := c.identity.Unix
			c.identity = auth.IdentityFromCert(st.PeerCertificates[0])
			c.identity.Unix = unix
		}
		c.raw = tc
	case isUnix && p.unixRuleSet():
	case p.AllowInsecurePlaintext:
	default:
		return fail(ErrNoTransportSecurity)
	}
	c.br = newBufReader(c.raw)
	c.r = wire.NewReader(c.br, p.wireLimits())
	c.w = wire.NewWriter(c.raw)
	switch p.hmacMode {
	case HMACPyro4:
		a := wire.Pyro4HMAC(p.HMACKey.Bytes())
		c.r.SetAuthenticator(a)
		c.w.SetAuthenticator(a)
	case HMACStrong:
		if err := strongServer(c); err != nil {
			return fail(err)
		}
		c.identity.HMAC = true
	}
	_ = c.raw.SetDeadline(time.Time{})
	p.Log().Info("connection accepted", "peer", c.identity.String(), "addr", addr, "tls", c.IsTLS(), "hmac", p.hmacMode.String())
	return c, nil
}

func peerAddrKey(c net.Conn) string {
	if transport.IsUnix(c) {
		if cred, err := transport.PeerCred(c); err == nil {
			return fmt.Sprintf("uid:%d", cred.UID)
		}
		return "unix"
	}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	if c.RemoteAddr() == nil {
		return "?"
	}
	return c.RemoteAddr().String()
}

// DialOptions tune the client side of the gate.
type DialOptions struct {
	// ServerName is the name to verify in the daemon's certificate; by
	// default the host of the address dialed.
	ServerName string
}

// Client runs the proxy side of the gate over an established connection:
// TLS (verifying the daemon's certificate and name) and the strong HMAC
// handshake. On failure it closes raw.
func Client(ctx context.Context, p *Policy, raw net.Conn, network string, opts DialOptions) (*Conn, error) {
	if err := p.Validate(false, network); err != nil {
		raw.Close()
		return nil, err
	}
	c := &Conn{raw: raw, p: p}
	deadline := now().Add(p.limits.HandshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = raw.SetDeadline(deadline)
	if transport.IsUnix(raw) {
		if cred, err := transport.PeerCred(raw); err == nil {
			c.identity.Unix = cred
		}
	}
	if network == "unix" && p.unixRuleSet() && !p.unixAllowed(c.identity.Unix) {
		raw.Close()
		return nil, fmt.Errorf("%w: daemon's unix peer %s is not on the uid/gid allow-list", ErrRefused, c.identity.String())
	}
	if p.hasClientTLS() {
		name := opts.ServerName
		if name == "" && network == "tcp" {
			if h, _, err := net.SplitHostPort(raw.RemoteAddr().String()); err == nil {
				name = h
			}
		}
		if name == "" {
			name = "localhost"
		}
		cfg, err := p.clientConfig(name)
		if err != nil {
			raw.Close()
			return nil, err
		}
		tc := tls.Client(raw, cfg)
		hctx, cancel := context.WithDeadline(ctx, deadline)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("%w: TLS handshake: %v", ErrRefused, err)
		}
		st := tc.ConnectionState()
		if len(st.PeerCertificates) > 0 {
			c.identity = auth.IdentityFromCert(st.PeerCertificates[0])
		}
		c.raw = tc
	}
	c.br = newBufReader(c.raw)
	c.r = wire.NewReader(c.br, p.wireLimits())
	c.w = wire.NewWriter(c.raw)
	switch p.hmacMode {
	case HMACPyro4:
		a := wire.Pyro4HMAC(p.HMACKey.Bytes())
		c.r.SetAuthenticator(a)
		c.w.SetAuthenticator(a)
	case HMACStrong:
		if err := strongClient(c); err != nil {
			c.raw.Close()
			return nil, err
		}
		c.identity.HMAC = true
	}
	_ = c.raw.SetDeadline(time.Time{})
	return c, nil
}

// Dial connects to e and runs the client side of the gate.
func Dial(ctx context.Context, p *Policy, e transport.Endpoint, opts DialOptions) (*Conn, error) {
	raw, err := transport.Dial(ctx, e)
	if err != nil {
		return nil, err
	}
	if opts.ServerName == "" && e.Network == "tcp" {
		if h, _, err := net.SplitHostPort(e.Address); err == nil {
			opts.ServerName = h
		}
	}
	return Client(ctx, p, raw, e.Network, opts)
}

// IsRefusal reports whether err came from the gate refusing a peer.
func IsRefusal(err error) bool {
	return errors.Is(err, ErrRefused) || errors.Is(err, ErrHandshake) || errors.Is(err, ErrDowngrade) ||
		errors.Is(err, ErrLimit) || errors.Is(err, ErrNoTransportSecurity)
}
