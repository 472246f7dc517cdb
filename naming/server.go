package naming

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"

	"github.com/flintrpc/flint/secure"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	// Daemon says where to listen and under which policy. A zero Port
	// means any free port (use DefaultPort for the usual one).
	Daemon secure.DaemonConfig
	// NameServer holds the storage, rules, limits and audit logger.
	NameServer Config
	// Broadcast, when not nil, starts a broadcast responder with this
	// configuration. It is off by default.
	Broadcast *BroadcastConfig
}

// Server is a complete name server: a daemon with the NameServer
// registered, and an optional broadcast responder. It owns its storage and
// closes it on Close.
type Server struct {
	d       *secure.Daemon
	ns      *NameServer
	bc      *BroadcastServer
	uri     secure.URI
	closeMu sync.Once
	err     error
}

// NewServer opens the daemon's listener (and the responder's socket),
// publishes the name server and records its own entry. Call Serve next.
func NewServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	ns := New(cfg.NameServer)
	d, err := secure.NewDaemon(cfg.Daemon)
	if err != nil {
		_ = ns.st.Close()
		return nil, err
	}
	s := &Server{d: d, ns: ns}
	if s.uri, err = ns.Publish(ctx, d); err != nil {
		_ = s.Close()
		return nil, err
	}
	if cfg.Broadcast != nil {
		if s.bc, err = NewBroadcastServer(s.InternalURI(), *cfg.Broadcast); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// URI returns the name server's URI (with the NAT address, if one is
// configured).
func (s *Server) URI() secure.URI { return s.uri }

// InternalURI returns the URI with the address the daemon is bound to,
// which the broadcast responder announces.
func (s *Server) InternalURI() secure.URI {
	u := secure.URI{Protocol: secure.ProtoPyro, Object: ObjectID}
	switch a := s.d.Addr().(type) {
	case *net.TCPAddr:
		u.Host, u.Port = a.IP.String(), a.Port
	case *net.UnixAddr:
		u.Sockname = a.Name
	default:
		if h, p, err := net.SplitHostPort(a.String()); err == nil {
			u.Host = h
			u.Port, _ = strconv.Atoi(p)
		}
	}
	return u
}

// Daemon returns the daemon serving the name server.
func (s *Server) Daemon() *secure.Daemon { return s.d }

// NameServer returns the published object.
func (s *Server) NameServer() *NameServer { return s.ns }

// Broadcast returns the broadcast responder, or nil when it is off.
func (s *Server) Broadcast() *BroadcastServer { return s.bc }

// Serve serves the name server (and the responder) until ctx ends or
// Close is called. When ctx ends it shuts down gracefully, closes the
// storage and returns nil.
func (s *Server) Serve(ctx context.Context) error {
	var wg sync.WaitGroup
	if s.bc != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.bc.Serve(ctx)
		}()
	}
	err := s.d.Serve(ctx)
	if errors.Is(err, secure.ErrClosed) {
		err = nil
	}
	cerr := s.Close()
	wg.Wait()
	return errors.Join(err, cerr)
}

// Close stops the daemon and the responder at once and closes the
// storage.
func (s *Server) Close() error {
	s.closeMu.Do(func() {
		var errs []error
		errs = append(errs, s.d.Close())
		if s.bc != nil {
			errs = append(errs, s.bc.Close())
		}
		errs = append(errs, s.ns.st.Close())
		s.err = errors.Join(errs...)
	})
	return s.err
}
