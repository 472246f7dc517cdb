package policy

import "time"

// Default limits. They live here, in one place, so they can be audited.
const (
	DefaultMaxMessageSize      = 16 << 20
	DefaultMaxDecompressedSize = 16 << 20
	DefaultMaxDepth            = 64
	DefaultMaxItems            = 1 << 20
	DefaultHandshakeTimeout    = 10 * time.Second
	DefaultIdleTimeout         = 5 * time.Minute
	DefaultWriteTimeout        = 30 * time.Second
	DefaultMaxConns            = 1024
	DefaultMaxConnsPerPeer     = 64
	DefaultMaxCallsPerConn     = 64
	DefaultMaxStreamsPerConn   = 16
	DefaultStreamLifetime      = 10 * time.Minute
	DefaultMaxOnewayPerConn    = 16
	DefaultMaxOnewayTotal      = 256
)

// Limits bounds the resources a peer can use. A zero field takes its
// default; there is no "unlimited".
type Limits struct {
	// MaxMessageSize bounds annotations plus payload as on the wire.
	MaxMessageSize int
	// MaxDecompressedSize bounds an inflated payload (zlib bombs).
	MaxDecompressedSize int
	// MaxDepth and MaxItems bound decoded payloads.
	MaxDepth int
	MaxItems int
	// HandshakeTimeout bounds TLS, HMAC and Pyro4 connect handshakes.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a daemon connection that sends nothing for so long.
	IdleTimeout time.Duration
	// WriteTimeout closes a daemon connection whose peer does not read a
	// reply within it (a slow-read client cannot pin the daemon's workers).
	WriteTimeout time.Duration
	// MaxConns bounds a daemon's open connections; MaxConnsPerPeer bounds
	// those of one peer (same identity, or same IP address when anonymous).
	MaxConns        int
	MaxConnsPerPeer int
	// MaxCallsPerConn bounds calls running at once on one connection.
	MaxCallsPerConn int
	// MaxStreamsPerConn bounds open remote iterators per connection;
	// StreamLifetime bounds each one's life.
	MaxStreamsPerConn int
	StreamLifetime    time.Duration
	// MaxOnewayPerConn and MaxOnewayTotal bound oneway calls running at
	// once; further oneway calls wait (backpressure).
	MaxOnewayPerConn int
	MaxOnewayTotal   int
}

func (l Limits) withDefaults() Limits {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&l.MaxMessageSize, DefaultMaxMessageSize)
	set(&l.MaxDecompressedSize, DefaultMaxDecompressedSize)
	set(&l.MaxDepth, DefaultMaxDepth)
	set(&l.MaxItems, DefaultMaxItems)
	setD(&l.HandshakeTimeout, DefaultHandshakeTimeout)
	setD(&l.IdleTimeout, DefaultIdleTimeout)
	setD(&l.WriteTimeout, DefaultWriteTimeout)
	set(&l.MaxConns, DefaultMaxConns)
	set(&l.MaxConnsPerPeer, DefaultMaxConnsPerPeer)
	set(&l.MaxCallsPerConn, DefaultMaxCallsPerConn)
	set(&l.MaxStreamsPerConn, DefaultMaxStreamsPerConn)
	setD(&l.StreamLifetime, DefaultStreamLifetime)
	set(&l.MaxOnewayPerConn, DefaultMaxOnewayPerConn)
	set(&l.MaxOnewayTotal, DefaultMaxOnewayTotal)
	return l
}
