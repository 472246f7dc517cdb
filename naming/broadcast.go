package naming

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/flintrpc/flint/secure"
)

// broadcastRequest is the datagram Pyro4's locateNS sends.
const broadcastRequest = "GET_NSURI"

// maxReplyLen bounds a broadcast reply we accept or send.
const maxReplyLen = 256

// BroadcastConfig configures a BroadcastServer.
type BroadcastConfig struct {
	// Addr is the UDP address to bind, "host:port"; "" means all
	// interfaces on DefaultBroadcastPort. Port 0 picks a free port.
	Addr string
	// Rate is how many replies per second are sent at most (a token
	// bucket of Burst tokens); default 20 per second, burst 20. Requests
	// beyond it are dropped, so the responder cannot be used to flood a
	// spoofed source address.
	Rate  float64
	Burst int
	// Logger receives operational logs; nil discards them.
	Logger hclog.Logger
}

// BroadcastServer answers Pyro4's UDP discovery: a datagram that is exactly
// "GET_NSURI" gets the name server's URI as text. Every other datagram is
// ignored, and replies are rate-limited.
//
// Discovery by broadcast is not a security boundary: anyone on the network
// segment can answer. A client must trust a name server only after the
// connection gate has authenticated it (see Locate).
type BroadcastServer struct {
	pc     net.PacketConn
	uri    secure.URI
	log    hclog.Logger
	bucket tokenBucket

	answered, dropped, ignored atomic.Uint64
	closeOnce                  sync.Once
}

// BroadcastStats counts the datagrams a BroadcastServer has handled.
type BroadcastStats struct {
	Answered uint64 // GET_NSURI requests answered
	Dropped  uint64 // GET_NSURI requests dropped by the rate limit
	Ignored  uint64 // other datagrams
}

// NewBroadcastServer binds the UDP socket of a responder that announces
// nsURI (the name server's internal URI, not a NAT one).
func NewBroadcastServer(nsURI secure.URI, cfg BroadcastConfig) (*BroadcastServer, error) {
	if nsURI.Protocol != secure.ProtoPyro || nsURI.Host == "" {
		return nil, fmt.Errorf("naming: broadcast responder needs a PYRO uri with a host, got %s", nsURI)
	}
	if len(nsURI.String()) > maxReplyLen {
		return nil, fmt.Errorf("naming: name server uri longer than %d bytes", maxReplyLen)
	}
	addr := cfg.Addr
	if addr == "" {
		addr = ":" + strconv.Itoa(DefaultBroadcastPort)
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 20
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	lc := net.ListenConfig{Control: reuseAddr}
	pc, err := lc.ListenPacket(context.Background(), "udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("naming: broadcast responder: %w", err)
	}
	b := &BroadcastServer{pc: pc, uri: nsURI, log: cfg.Logger}
	if b.log == nil {
		b.log = hclog.NewNullLogger()
	}
	b.bucket = tokenBucket{rate: cfg.Rate, burst: float64(cfg.Burst), tokens: float64(cfg.Burst), last: time.Now()}
	return b, nil
}

// Addr returns the bound UDP address.
func (b *BroadcastServer) Addr() net.Addr { return b.pc.LocalAddr() }

// Stats returns the counters.
func (b *BroadcastServer) Stats() BroadcastStats {
	return BroadcastStats{Answered: b.answered.Load(), Dropped: b.dropped.Load(), Ignored: b.ignored.Load()}
}

// Serve answers requests until ctx ends or Close is called; then it
// returns nil.
func (b *BroadcastServer) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = b.Close() })
	defer stop()
	buf := make([]byte, 512)
	for {
		n, from, err := b.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			b.log.Warn("broadcast responder read failed", "error", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		b.handle(buf[:n], from)
	}
}

func (b *BroadcastServer) handle(req []byte, from net.Addr) {
	if string(req) != broadcastRequest {
		b.ignored.Add(1)
		return
	}
	if !b.bucket.allow(time.Now()) {
		b.dropped.Add(1)
		return
	}
	reply := b.replyFor(from)
	if _, err := b.pc.WriteTo([]byte(reply), from); err != nil {
		b.log.Debug("broadcast reply failed", "to", from.String(), "error", err)
		return
	}
	b.answered.Add(1)
}

// replyFor returns the URI text for a request from addr: when the name
// server listens on all interfaces, the address of the interface that
// faces the asker is put in, as Pyro4 does.
func (b *BroadcastServer) replyFor(from net.Addr) string {
	u := b.uri
	if ip := net.ParseIP(u.Host); ip != nil && ip.IsUnspecified() {
		if ua, ok := from.(*net.UDPAddr); ok {
			if c, err := net.DialUDP("udp", nil, ua); err == nil {
				if la, ok := c.LocalAddr().(*net.UDPAddr); ok {
					u.Host = la.IP.String()
				}
				c.Close()
			}
		}
	}
	return u.String()
}

// Close stops the responder.
func (b *BroadcastServer) Close() error {
	var err error
	b.closeOnce.Do(func() { err = b.pc.Close() })
	return err
}

// tokenBucket is a plain token bucket; it is used from one goroutine.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func (t *tokenBucket) allow(now time.Time) bool {
	if el := now.Sub(t.last).Seconds(); el > 0 {
		t.tokens = min(t.burst, t.tokens+el*t.rate)
	}
	t.last = now
	if t.tokens < 1 {
		return false
	}
	t.tokens--
	return true
}
