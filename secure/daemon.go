package secure

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/serial/codecs"
	"github.com/flintrpc/flint/transport"
)

// DaemonObjectID is the id of the daemon's built-in object.
const DaemonObjectID = "Pyro.Daemon"

// DaemonConfig configures a Daemon. The zero value listens on a free port
// of localhost under the secure default policy, which needs TLS material
// (see package policy).
type DaemonConfig struct {
	// Host and Port say where to listen on TCP; default localhost and a
	// free port.
	Host string
	Port int
	// Unix, when set, listens on this Unix socket path instead ("@name" for
	// a Linux abstract socket).
	Unix string
	// Listener, when set, is served instead of opening one.
	Listener net.Listener
	// NATHost and NATPort are put in URIs instead of the bound address, for
	// daemons behind NAT or in containers.
	NATHost string
	NATPort int
	// Policy is the gate; nil means the secure default &policy.Policy{}.
	Policy *policy.Policy
	// Serializers are the codecs available; nil means codecs.Default().
	// Which ones peers may use is the policy's allow-list.
	Serializers *serial.Registry
	// ValidateHandshake checks the Pyro4 handshake data a proxy sends and
	// returns the response; nil accepts anything and answers "hello".
	ValidateHandshake func(ctx context.Context, info *CallInfo, data any) (any, error)
	// Compression turns on Pyro4's zlib compression of replies.
	Compression bool
	// Logger receives operational logs; nil uses the policy's logger.
	Logger hclog.Logger
}

// Daemon publishes Go objects to remote callers over Pyro4 protocol 48.
// Create one with NewDaemon, Register objects, then Serve.
type Daemon struct {
	cfg    DaemonConfig
	pol    *policy.Policy
	gate   *policy.Gate
	codecs *serial.Registry
	ln     net.Listener
	ep     transport.Endpoint
	log    hclog.Logger
	lim    policy.Limits

	mu      sync.RWMutex
	objects map[string]*entry
	byPtr   map[any]string
	conns   map[*serverConn]struct{}

	onewaySem chan struct{}
	inflight  atomic.Int64   // calls running or queued to a worker
	connWG    sync.WaitGroup // connection goroutines
	pool      *goPool        // goroutines for connections and calls
	mon       inlineMonitor  // takes over readers stuck in a long inline call
	closed    atomic.Bool
	closeOnce sync.Once
	done      chan struct{}
	finished  chan struct{} // closed when Shutdown has completed
	baseCtx   context.Context
	cancel    context.CancelFunc
}

type entry struct {
	id      string
	typ     *objectType
	mode    InstanceMode
	inst    reflect.Value
	factory func() (any, error)
	once    sync.Once
	onceErr error
}

// NewDaemon opens the listener and returns a daemon ready for Register and
// Serve. It fails when the policy gives no way to secure connections.
func NewDaemon(cfg DaemonConfig) (*Daemon, error) {
	pol := cfg.Policy
	if pol == nil {
		pol = &policy.Policy{}
	}
	d := &Daemon{cfg: cfg, pol: pol, codecs: cfg.Serializers, objects: map[string]*entry{},
		byPtr: map[any]string{}, conns: map[*serverConn]struct{}{}, done: make(chan struct{}), finished: make(chan struct{}),
		pool: newGoPool()}
	d.mon.d = d
	if d.codecs == nil {
		d.codecs = codecs.Default()
	}
	d.log = cfg.Logger
	if d.log == nil {
		d.log = pol.Log()
	}
	d.lim = pol.EffectiveLimits()
	d.onewaySem = make(chan struct{}, d.lim.MaxOnewayTotal)
	d.baseCtx, d.cancel = context.WithCancel(context.Background())
	network := "tcp"
	switch {
	case cfg.Listener != nil:
		d.ln = cfg.Listener
		network = cfg.Listener.Addr().Network()
		if network != "unix" {
			network = "tcp"
		}
	case cfg.Unix != "":
		network = "unix"
	}
	gate, err := policy.NewGate(pol, network)
	if err != nil {
		return nil, err
	}
	d.gate = gate
	if d.ln == nil {
		ep := transport.Endpoint{Network: "tcp"}
		if cfg.Unix != "" {
			ep = transport.Endpoint{Network: "unix", Address: cfg.Unix}
		} else {
			host := cfg.Host
			if host == "" {
				host = "localhost"
			}
			ep.Address = net.JoinHostPort(host, strconv.Itoa(cfg.Port))
		}
		ln, err := transport.Listen(context.Background(), ep, transport.ListenOptions{})
		if err != nil {
			return nil, fmt.Errorf("flint: listen on %s: %w", ep, err)
		}
		d.ln = ln
	}
	d.ep = endpointOf(d.ln.Addr(), cfg.Host)
	return d, nil
}

func endpointOf(a net.Addr, host string) transport.Endpoint {
	switch x := a.(type) {
	case *net.TCPAddr:
		h := host
		if h == "" {
			h = x.IP.String()
		}
		return transport.Endpoint{Network: "tcp", Address: net.JoinHostPort(h, strconv.Itoa(x.Port))}
	case *net.UnixAddr:
		return transport.Endpoint{Network: "unix", Address: x.Name}
	}
	return transport.Endpoint{Network: a.Network(), Address: a.String()}
}

// Addr returns the address the daemon listens on.
func (d *Daemon) Addr() net.Addr { return d.ln.Addr() }

// Location returns the location put in URIs: the NAT address when
// configured, else the bound address.
func (d *Daemon) Location() string {
	if d.cfg.NATHost != "" {
		port := d.cfg.NATPort
		if port == 0 {
			if a, ok := d.ln.Addr().(*net.TCPAddr); ok {
				port = a.Port
			}
		}
		return URI{Protocol: ProtoPyro, Object: "x", Host: d.cfg.NATHost, Port: port}.Location()
	}
	if d.ep.Network == "unix" {
		return "./u:" + d.ep.Address
	}
	return d.ep.Location()
}

// URIFor returns the URI of the object registered under id.
func (d *Daemon) URIFor(id string) URI {
	u, _ := ParseURI("PYRO:" + id + "@" + d.Location())
	return u
}

// Policy returns the daemon's policy.
func (d *Daemon) Policy() *policy.Policy { return d.pol }

// Register publishes obj, a single instance shared by all callers. The
// options say which methods are exposed (required) and under which id.
// Reflection happens here, once; calls use the table built now.
func (d *Daemon) Register(obj any, opts ...Option) (URI, error) {
	if obj == nil {
		return URI{}, fmt.Errorf("%w: nil object", ErrNotRegistrable)
	}
	o, err := applyOptions(opts)
	if err != nil {
		return URI{}, err
	}
	ot, err := buildType(reflect.TypeOf(obj), o)
	if err != nil {
		return URI{}, err
	}
	if err := checkDirect(ot, obj); err != nil {
		return URI{}, err
	}
	e := &entry{typ: ot, mode: Single, inst: reflect.ValueOf(obj)}
	return d.add(e, o.id, obj)
}

// RegisterFactory publishes objects made by factory, in the given instance
// mode: Single makes one on first use, Session one per connection, PerCall
// one per call. factory must be a func() T or func() (T, error).
func (d *Daemon) RegisterFactory(factory any, mode InstanceMode, opts ...Option) (URI, error) {
	fv := reflect.ValueOf(factory)
	ft := fv.Type()
	if ft.Kind() != reflect.Func || ft.NumIn() != 0 || ft.NumOut() < 1 || ft.NumOut() > 2 ||
		(ft.NumOut() == 2 && ft.Out(1) != errType) {
		return URI{}, fmt.Errorf("%w: factory must be func() T or func() (T, error)", ErrNotRegistrable)
	}
	o, err := applyOptions(opts)
	if err != nil {
		return URI{}, err
	}
	ot, err := buildType(ft.Out(0), o)
	if err != nil {
		return URI{}, err
	}
	mk := func() (any, error) {
		out := fv.Call(nil)
		if len(out) == 2 && !out[1].IsNil() {
			return nil, out[1].Interface().(error)
		}
		return out[0].Interface(), nil
	}
	return d.add(&entry{typ: ot, mode: mode, factory: mk}, o.id, nil)
}

func applyOptions(opts []Option) (*regOptions, error) {
	o := &regOptions{}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (d *Daemon) add(e *entry, id string, obj any) (URI, error) {
	if id == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		id = "obj_" + hex.EncodeToString(b[:])
	}
	e.id = id
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.objects[id]; dup || id == DaemonObjectID {
		return URI{}, fmt.Errorf("%w: id %q is already registered", ErrDaemon, id)
	}
	if obj != nil && comparable(obj) {
		if old, dup := d.byPtr[obj]; dup {
			return URI{}, fmt.Errorf("%w: object already registered as %q", ErrDaemon, old)
		}
		d.byPtr[obj] = id
	}
	d.objects[id] = e
	return d.URIFor(id), nil
}

func comparable(v any) bool {
	t := reflect.TypeOf(v)
	return t.Comparable() && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Map || t.Kind() == reflect.Chan)
}

// Unregister removes the object registered under id. Callers get
// DaemonError("unknown object") afterwards.
func (d *Daemon) Unregister(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.objects[id]
	if !ok {
		return fmt.Errorf("%w: unknown object %q", ErrDaemon, id)
	}
	delete(d.objects, id)
	if e.inst.IsValid() {
		delete(d.byPtr, e.inst.Interface())
	}
	return nil
}

// UnregisterObject removes a registered object by value.
func (d *Daemon) UnregisterObject(obj any) error {
	d.mu.RLock()
	id, ok := d.byPtr[obj]
	d.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: object is not registered", ErrDaemon)
	}
	return d.Unregister(id)
}

// IDOf returns the id under which obj is registered.
func (d *Daemon) IDOf(obj any) (string, bool) {
	if obj == nil || !comparable(obj) {
		return "", false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	id, ok := d.byPtr[obj]
	return id, ok
}

func (d *Daemon) lookup(id string) (*entry, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	e, ok := d.objects[id]
	return e, ok
}

// Serve accepts connections until ctx ends or Close is called. Each
// connection passes the policy gate in its own goroutine, so a slow
// handshake never blocks others. When ctx ends, Serve shuts the daemon
// down gracefully (bounded by 10 seconds) and returns nil.
func (d *Daemon) Serve(ctx context.Context) error {
	if d.closed.Load() {
		return ErrClosed
	}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.Shutdown(sctx)
	})
	defer stop()
	var delay time.Duration
	for {
		raw, err := d.ln.Accept()
		if err != nil {
			if d.closed.Load() {
				// Return only once the shutdown has let calls in flight
				// finish, so a program that exits after Serve does not
				// cut their replies off.
				<-d.finished
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return nil // the listener was closed by its owner
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscallEMFILE) {
				delay = min(max(delay*2, 5*time.Millisecond), time.Second)
				d.log.Warn("accept failed; retrying", "error", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("flint: accept: %w", err)
		}
		delay = 0
		d.connWG.Add(1)
		d.pool.Go(func() {
			defer d.connWG.Done()
			d.serveRaw(raw)
		})
	}
}

// ServeConn serves one already connected net.Conn (for example one end of
// a socketpair) through the gate, until it closes. It blocks.
func (d *Daemon) ServeConn(ctx context.Context, raw net.Conn) {
	d.connWG.Add(1)
	defer d.connWG.Done()
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	d.serveRaw(raw)
}

func (d *Daemon) serveRaw(raw net.Conn) {
	if d.closed.Load() {
		raw.Close()
		return
	}
	c, err := d.gate.Accept(d.baseCtx, raw)
	if err != nil {
		return
	}
	sc := newServerConn(d, c)
	d.mu.Lock()
	if d.closed.Load() {
		d.mu.Unlock()
		c.Close()
		return
	}
	d.conns[sc] = struct{}{}
	d.mu.Unlock()
	sc.serve()
	d.mu.Lock()
	delete(d.conns, sc)
	d.mu.Unlock()
}

// Close stops the daemon at once: the listener and every connection close,
// and running calls see their context cancelled.
func (d *Daemon) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return d.Shutdown(ctx)
}

// Shutdown stops accepting, lets calls in flight finish until ctx ends,
// then closes every connection and waits for the daemon's goroutines.
// A method must not call Shutdown or Close synchronously (its own call is
// in flight); start it in a goroutine instead.
func (d *Daemon) Shutdown(ctx context.Context) error {
	var err error
	d.closeOnce.Do(func() {
		d.closed.Store(true)
		err = d.ln.Close()
		close(d.done)
		// Stop reading new calls: half-close is not portable, so wait for
		// calls in flight, then close.
		tick := time.NewTicker(5 * time.Millisecond)
		for d.inflight.Load() > 0 && ctx.Err() == nil {
			select {
			case <-tick.C:
			case <-ctx.Done():
			}
		}
		tick.Stop()
		d.cancel()
		d.mu.Lock()
		for sc := range d.conns {
			sc.c.Close()
		}
		d.mu.Unlock()
		// Connection goroutines wait for their calls, whose contexts are
		// now cancelled; methods that ignore their context delay this.
		d.connWG.Wait()
		d.pool.close()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		close(d.finished)
	})
	<-d.finished
	return err
}

// Done is closed when the daemon starts shutting down.
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Connections returns the number of connections being served.
func (d *Daemon) Connections() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.conns)
}
