package secure

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
	"github.com/flintrpc/flint/wire"
)

// annFlint marks a flint daemon's CONNECTOK: its value lists features, so a
// flint proxy knows it may pipeline calls on the connection.
const annFlint = "FLNT"

const flintFeatures = "pipeline streambatch"

// heldConnectOK is how long a CONNECTOK may wait for the reply to the call
// that came behind the CONNECT, to go out in the same write.
const heldConnectOK = time.Millisecond

// serverConn serves one connection that passed the gate.
type serverConn struct {
	d      *Daemon
	c      *policy.Conn
	ctx    context.Context // two-way calls: ends with the connection
	cancel context.CancelFunc
	// onewayCtx is the parent of oneway calls' contexts: the client does
	// not wait for them, so its leaving does not cancel them (the
	// daemon's Close does).
	onewayCtx context.Context
	session   SessionData
	callSem   chan struct{}
	oneSem    chan struct{}
	mu        sync.Mutex
	sessions  map[*entry]reflect.Value
	streams   map[string]*stream
	lim       serial.Limits

	// The reader role: one goroutine at a time runs readLoop. The fields
	// below are used by the role's holder, or are safe for concurrent use.
	work    chan *wire.Message // to idle call workers
	workers int                // call workers started
	wg      sync.WaitGroup     // workers, oneway calls, calls that lost the role
	inline  atomic.Uint64      // reader generation<<1 | inlineRunning
	since   atomic.Uint64      // the inline monitor's tick when the inline call began
	taken   atomic.Int32       // calls still running whose reader role was taken over
	// pipelined is set once the client has sent a call before the reply
	// to its previous one: calls then go to workers, never inline.
	pipelined atomic.Bool
	done      chan struct{} // closed when the connection has ended
}

func newServerConn(d *Daemon, c *policy.Conn) *serverConn {
	base := context.WithValue(d.baseCtx, daemonPolicyKey{}, d.pol)
	ctx, cancel := context.WithCancel(base)
	return &serverConn{d: d, c: c, ctx: ctx, cancel: cancel, onewayCtx: base,
		callSem:  make(chan struct{}, d.lim.MaxCallsPerConn),
		oneSem:   make(chan struct{}, d.lim.MaxOnewayPerConn),
		sessions: map[*entry]reflect.Value{}, streams: map[string]*stream{},
		lim: d.pol.SerialLimits()}
}

func (sc *serverConn) serve() {
	if !sc.handshake() {
		sc.close()
		sc.c.ReleaseReader() // this goroutine was the only reader
		return
	}
	sc.work = make(chan *wire.Message)
	sc.done = make(chan struct{})
	if !sc.readLoop(0) {
		// A call ran long on this goroutine and another one took over
		// reading; the connection's end is signalled by the last reader.
		<-sc.done
	}
}

// readLoop reads and dispatches messages while this goroutine holds the
// reader role of generation gen. It reports true when the connection
// ended, and false when a long inline call gave the role to another
// goroutine.
func (sc *serverConn) readLoop(gen uint64) bool {
	if !sc.readMessages(gen) {
		return false
	}
	sc.finish()
	return true
}

// readMessages is readLoop's loop: it reports true when the connection
// must end and false when the reader role moved to another goroutine.
func (sc *serverConn) readMessages(gen uint64) bool {
	for {
		m, err := sc.c.ReadMessage()
		if err != nil {
			if !isClosedErr(err) {
				sc.d.log.Warn("closing connection", "peer", sc.c.Identity().String(), "reason", err.Error())
			}
			return true
		}
		switch m.Type {
		case wire.MsgPing:
			pong := &wire.Message{Type: wire.MsgPing, Seq: m.Seq, SerializerID: m.SerializerID, Data: []byte("pong")}
			sc.addCorr(pong, m)
			if sc.c.WriteMessage(pong) != nil {
				return true
			}
		case wire.MsgInvoke:
			if m.Flags&wire.FlagOneway != 0 {
				if !sc.oneway(m) {
					return true
				}
				continue
			}
			// A call slot bounds calls running at once (backpressure).
			select {
			case sc.callSem <- struct{}{}:
			case <-sc.ctx.Done():
				return true
			}
			sc.d.inflight.Add(1)
			if !sc.pipelined.Load() && (sc.c.Pending() || sc.taken.Load() > 0) {
				// A call that came while an earlier one runs (buffered
				// behind it, or read while a taken-over call still runs)
				// shows that the client pipelines.
				sc.pipelined.Store(true)
			}
			if !sc.pipelined.Load() {
				if !sc.runInline(m, gen) {
					return false
				}
				continue
			}
			if !sc.toWorker(m) {
				sc.d.inflight.Add(-1)
				<-sc.callSem
				return true
			}
		default:
			sc.d.log.Warn("closing connection", "peer", sc.c.Identity().String(), "reason", fmt.Sprintf("unexpected message type %s", m.Type))
			return true
		}
	}
}

// oneway runs a oneway call on a pooled goroutine. It first waits for a
// oneway slot on this connection and in the daemon, so a flood of oneway
// calls slows the reading of this connection instead of piling up.
func (sc *serverConn) oneway(m *wire.Message) bool {
	select {
	case sc.oneSem <- struct{}{}:
	case <-sc.ctx.Done():
		return false
	}
	select {
	case sc.d.onewaySem <- struct{}{}:
	case <-sc.ctx.Done():
		<-sc.oneSem
		return false
	}
	sc.d.inflight.Add(1)
	sc.wg.Add(1)
	sc.d.pool.Go(func() {
		defer func() { <-sc.d.onewaySem; <-sc.oneSem; sc.d.inflight.Add(-1); sc.wg.Done() }()
		sc.invoke(m)
	})
	return true
}

// toWorker hands the call m to an idle worker, or starts one (up to
// MaxCallsPerConn), or waits for one to be free. Workers live as long as
// the connection, so their stacks stay grown and a call costs no goroutine
// start. It reports false when the connection is closing.
func (sc *serverConn) toWorker(m *wire.Message) bool {
	select {
	case sc.work <- m:
		return true
	default:
	}
	if sc.workers < cap(sc.callSem) {
		sc.workers++
		sc.wg.Add(1)
		sc.d.pool.Go(func() {
			defer sc.wg.Done()
			for m := range sc.work {
				sc.invoke(m)
				<-sc.callSem
				sc.d.inflight.Add(-1)
			}
		})
	}
	select {
	case sc.work <- m:
		return true
	case <-sc.ctx.Done():
		return false
	}
}

// finish ends the connection once its reader stops: workers, inline calls
// that lost the reader role and oneway calls are waited for.
func (sc *serverConn) finish() {
	// The client is gone (or broke the protocol): calls still running for
	// it see their context cancelled, as nobody will read their replies.
	sc.cancel()
	close(sc.work)
	sc.wg.Wait()
	sc.close()
	// finish runs on the last holder of the reader role, after its last
	// read; the goroutines that held it before have stopped reading.
	sc.c.ReleaseReader()
	close(sc.done)
}

func isClosedErr(err error) bool {
	return errors.Is(err, errEOF) || strings.Contains(err.Error(), "use of closed network connection") ||
		strings.Contains(err.Error(), "connection reset")
}

func (sc *serverConn) close() {
	sc.cancel()
	sc.c.Close()
	sc.mu.Lock()
	streams := sc.streams
	sc.streams = map[string]*stream{}
	sessions := sc.sessions
	sc.sessions = nil
	sc.mu.Unlock()
	for _, s := range streams {
		s.close()
	}
	for _, inst := range sessions {
		if cl, ok := inst.Interface().(interface{ Close() error }); ok {
			_ = cl.Close()
		}
	}
}

// handshake answers the Pyro4 CONNECT message.
func (sc *serverConn) handshake() bool {
	m, err := sc.c.ReadHandshake()
	if err != nil {
		var se *policy.SerializerError
		if errors.As(err, &se) {
			sc.fail(m, se.Error())
		} else if !isClosedErr(err) {
			sc.d.log.Warn("handshake failed", "peer", sc.c.Identity().String(), "reason", err.Error())
		}
		return false
	}
	if m.Type != wire.MsgConnect {
		sc.fail(nil, fmt.Sprintf("invalid msg type %d received", m.Type))
		return false
	}
	codec, err := sc.d.codecs.ByID(m.SerializerID)
	if err != nil {
		sc.fail(nil, fmt.Sprintf("message used serializer that is not accepted: %d", m.SerializerID))
		return false
	}
	data, err := codec.Unmarshal(m.Data, sc.lim)
	if err != nil {
		sc.fail(nil, "invalid handshake data: "+err.Error())
		return false
	}
	var hs, obj any = data, nil
	if dd, ok := data.(*value.Dict); ok && m.Flags&wire.FlagMetaOnConnect != 0 {
		hs, _ = dd.GetString("handshake")
		obj, _ = dd.GetString("object")
	} else if ok {
		if h, ok := dd.GetString("handshake"); ok {
			hs = h
		}
	}
	info := &CallInfo{Peer: sc.c.Identity(), Object: DaemonObjectID, Method: "<handshake>", Session: &sc.session}
	sc.fillCorr(info, m)
	var resp any = "hello"
	if sc.d.cfg.ValidateHandshake != nil {
		resp, err = sc.d.cfg.ValidateHandshake(sc.ctx, info, hs)
		if err != nil {
			sc.failWith(codec, m, err.Error())
			return false
		}
	}
	reply := &wire.Message{Type: wire.MsgConnectOK, Seq: m.Seq, SerializerID: m.SerializerID}
	id, _ := obj.(string)
	typ := daemonObjectType
	if e, ok := sc.d.lookup(id); ok && id != DaemonObjectID {
		typ = e.typ
	}
	if m.Flags&wire.FlagMetaOnConnect != 0 {
		if _, err := sc.metadata(id); err != nil {
			sc.failWith(codec, m, "unknown object")
			return false
		}
		reply.Flags = wire.FlagMetaOnConnect
		if cached, ok := typ.connectOK.Load(m.SerializerID); ok && sc.d.cfg.ValidateHandshake == nil {
			reply.Data = cached.([]byte)
		} else {
			d := value.NewDict(2)
			d.Append("handshake", resp)
			d.Append("meta", metaValue(typ.meta, true))
			if reply.Data, err = codec.Marshal(nil, d); err != nil {
				sc.failWith(codec, m, "cannot serialize handshake response: "+err.Error())
				return false
			}
			if sc.d.cfg.ValidateHandshake == nil {
				typ.connectOK.Store(m.SerializerID, reply.Data)
			}
		}
	} else if reply.Data, err = codec.Marshal(nil, resp); err != nil {
		sc.failWith(codec, m, "cannot serialize handshake response: "+err.Error())
		return false
	}
	reply.Annotations = append(reply.Annotations, wire.Annotation{Key: "CORR", Value: info.CorrelationID[:]},
		wire.Annotation{Key: annFlint, Value: []byte(typ.flnt)})
	if sc.d.cfg.Compression {
		sc.c.SetCompression(true)
	}
	if sc.c.Pending() {
		// The client sent its first call behind the CONNECT: answer both in
		// one write, unless the call takes longer than heldConnectOK.
		sc.c.Hold(reply, heldConnectOK)
	} else if sc.c.WriteMessage(reply) != nil {
		return false
	}
	_ = sc.c.SetReadDeadline(time.Time{})
	return true
}

// fail sends a CONNECTFAIL with reason encoded as marshal, as Pyro4 does
// before a serializer is agreed.
func (sc *serverConn) fail(_ *wire.Message, reason string) {
	sc.d.log.Warn("connect refused", "peer", sc.c.Identity().String(), "reason", reason)
	_ = sc.c.WriteMessage(&wire.Message{Type: wire.MsgConnectFail, SerializerID: serial.IDMarshal, Data: policy.MarshalStr(reason)})
}

func (sc *serverConn) failWith(codec serial.Serializer, m *wire.Message, reason string) {
	sc.d.log.Warn("connect refused", "peer", sc.c.Identity().String(), "reason", reason)
	data, err := codec.Marshal(nil, reason)
	if err != nil {
		sc.fail(m, reason)
		return
	}
	_ = sc.c.WriteMessage(&wire.Message{Type: wire.MsgConnectFail, Seq: m.Seq, SerializerID: m.SerializerID, Data: data})
}

func (sc *serverConn) fillCorr(info *CallInfo, m *wire.Message) {
	info.CorrelationID = corrOf(m)
}

func (sc *serverConn) addCorr(reply, req *wire.Message) {
	id := corrOf(req)
	reply.Annotations = append(reply.Annotations, wire.Annotation{Key: "CORR", Value: id[:]})
}

// corrOf returns the correlation id m carries, or a new one, as Pyro4's
// daemon does.
func corrOf(m *wire.Message) value.UUID {
	if id, ok := m.CorrelationID(); ok {
		return id
	}
	return newCorrelationID()
}

// corrSources are ChaCha8 generators seeded from crypto/rand, one per
// goroutine that needs one at a time. A correlation id only has to be
// unique (Pyro4 makes one with uuid4 for every call that arrives without
// one); reading crypto/rand for each call cost more than the rest of its
// bookkeeping. Stream ids, which must not be guessable by another
// connection, still come from crypto/rand (newUUID4).
var corrSources = sync.Pool{New: func() any {
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	return mrand.NewChaCha8(seed)
}}

// newCorrelationID returns a random (version 4) UUID for a call.
func newCorrelationID() value.UUID {
	src := corrSources.Get().(*mrand.ChaCha8)
	var u value.UUID
	binary.LittleEndian.PutUint64(u[:8], src.Uint64())
	binary.LittleEndian.PutUint64(u[8:], src.Uint64())
	corrSources.Put(src)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// newUUID4 returns a random (version 4) UUID from crypto/rand.
func newUUID4() value.UUID {
	var u value.UUID
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// visible reports whether the peer may learn that object id exists.
func (sc *serverConn) visible(id string, e *entry) bool {
	pol := sc.d.pol
	if !pol.HasRules() {
		return true
	}
	peer := sc.c.Identity()
	for n := range e.typ.methods {
		if pol.Rules.Allow(peer, id, n) {
			return true
		}
	}
	for n := range e.typ.attrs {
		if pol.Rules.Allow(peer, id, n) {
			return true
		}
	}
	return false
}

func (sc *serverConn) metadata(id string) (Metadata, error) {
	if id == DaemonObjectID {
		return daemonMeta, nil
	}
	e, ok := sc.d.lookup(id)
	if !ok || !sc.visible(id, e) {
		return Metadata{}, newError(ErrDaemon, nil, "unknown object")
	}
	return e.typ.meta, nil
}

func metaValue(m Metadata, asLists bool) *value.Dict {
	seq := func(names []string) any {
		items := make([]any, len(names))
		for i, n := range names {
			items[i] = n
		}
		if asLists {
			return items
		}
		return value.Set(items)
	}
	d := value.NewDict(3)
	d.Append("methods", seq(m.Methods))
	d.Append("oneway", seq(m.Oneway))
	d.Append("attrs", seq(m.Attrs))
	return d
}

// invoke runs one INVOKE message and writes its reply.
func (sc *serverConn) invoke(m *wire.Message) {
	oneway := m.Flags&wire.FlagOneway != 0
	codec, err := sc.d.codecs.ByID(m.SerializerID)
	if err != nil {
		sc.c.Close()
		return
	}
	var call serial.Call
	if m.Flags&wire.FlagBatch != 0 {
		call, err = serial.DecodeBatchCall(codec, m.Data, sc.lim)
	} else {
		call, err = serial.DecodeCall(codec, m.Data, sc.lim)
	}
	if err != nil {
		sc.d.log.Warn("bad call payload", "peer", sc.c.Identity().String(), "error", err.Error())
		if !oneway {
			sc.replyError(codec, m, nil, newError(ErrSerialize, err, "cannot decode call"))
		}
		if errors.Is(err, serial.ErrLimit) {
			sc.c.Close()
		}
		return
	}
	parent := sc.ctx
	if oneway {
		parent = sc.onewayCtx
	}
	cx := &callCtx{Context: parent, info: CallInfo{Peer: sc.c.Identity(), Object: call.Object, Method: call.Method, Session: &sc.session}}
	info := &cx.info
	sc.fillCorr(info, m)
	for _, a := range m.Annotations {
		switch a.Key {
		case "CORR", "HMAC", "FMAC", "BLBI":
		default:
			if info.Annotations == nil {
				info.Annotations = map[string][]byte{}
			}
			info.Annotations[a.Key] = a.Value
		}
	}
	var ctx context.Context = cx
	if m.Flags&wire.FlagBatch != 0 {
		sc.batch(ctx, codec, m, info, call, oneway)
		return
	}
	res, err := sc.dispatch(ctx, info, call)
	if oneway {
		if err != nil {
			sc.d.log.Warn("oneway call failed", "object", call.Object, "method", call.Method, "peer", info.Peer.String(), "error", err.Error())
		}
		return
	}
	if err != nil {
		sc.replyError(codec, m, info, err)
		return
	}
	if st, ok := res.(*stream); ok {
		sc.replyStream(codec, m, info, st)
		return
	}
	sc.replyValue(codec, m, info, res, 0)
}

func (sc *serverConn) replyValue(codec serial.Serializer, m *wire.Message, info *CallInfo, res any, flags wire.Flags) {
	data, segs, err := serial.MarshalSegments(codec, encodeBuf(sizeHint(codec, res)), res, segmentMin)
	if err != nil {
		sc.replyError(codec, m, info, newError(ErrSerialize, err, "cannot serialize result"))
		return
	}
	reply := newReply(m, flags, data)
	if segs != nil {
		// The result's long byte strings go out from their own memory.
		reply.Data, reply.Segments = nil, segs
	}
	sc.addReplyAnnotations(reply, info)
	reply.Annotations = append(reply.Annotations, wire.Annotation{Key: "CORR", Value: info.CorrelationID[:]})
	if err := sc.c.WriteMessage(reply); err != nil {
		sc.c.Close()
	}
	releaseBuf(data)
}

// replyBlock is a reply with room for its CORR annotation, so that a
// reply costs one allocation.
type replyBlock struct {
	m    wire.Message
	anns [1]wire.Annotation
}

// newReply returns the RESULT message answering req.
func newReply(req *wire.Message, flags wire.Flags, data []byte) *wire.Message {
	b := &replyBlock{m: wire.Message{Type: wire.MsgResult, Flags: flags, Seq: req.Seq, SerializerID: req.SerializerID, Data: data}}
	b.m.Annotations = b.anns[:0]
	return &b.m
}

func (sc *serverConn) addReplyAnnotations(reply *wire.Message, info *CallInfo) {
	if info == nil {
		return
	}
	anns := info.replyAnnotations()
	if len(anns) == 0 {
		return
	}
	keys := make([]string, 0, len(anns))
	for k := range anns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(k) == 4 && k != "CORR" && k != "HMAC" && k != "FMAC" {
			reply.Annotations = append(reply.Annotations, wire.Annotation{Key: k, Value: anns[k]})
		}
	}
}

func (sc *serverConn) replyError(codec serial.Serializer, m *wire.Message, info *CallInfo, err error) {
	exc := sc.exceptionFor(info, err)
	data, merr := codec.Marshal(nil, exc.Value())
	if merr != nil {
		exc = &value.Exception{Class: ErrPyro.class, Args: []any{"Error serializing exception: " + merr.Error()}}
		if data, merr = codec.Marshal(nil, exc.Value()); merr != nil {
			sc.c.Close()
			return
		}
	}
	reply := newReply(m, wire.FlagException, data)
	sc.addReplyAnnotations(reply, info)
	if werr := sc.c.WriteMessage(reply); werr != nil {
		sc.c.Close()
	}
}

// panicError carries a recovered panic.
type panicError struct {
	val   any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.val) }

// exceptionFor maps a Go error onto a Pyro4 exception a Python peer can
// rebuild. Details and tracebacks go only where the policy allows.
func (sc *serverConn) exceptionFor(info *CallInfo, err error) *value.Exception {
	expose := sc.d.pol.ExposeTracebacks
	exc := &value.Exception{}
	var re *RemoteError
	var fe *Error
	var be *value.BindError
	var pe *panicError
	switch {
	case errors.As(err, &re):
		exc.Class, exc.Args, exc.Attributes = re.Class, re.Args, re.Attributes
	case errors.As(err, &pe):
		exc.Class = "builtins.RuntimeError"
		msg := "internal error in remote method"
		if expose {
			msg = pe.Error()
		}
		exc.Args = []any{msg}
	case errors.As(err, &fe):
		exc.Class, exc.Args = fe.Kind.class, []any{fe.Msg}
		if expose && fe.Cause != nil {
			exc.Args = []any{fe.Msg + ": " + fe.Cause.Error()}
		}
	case errors.As(err, &be):
		exc.Class, exc.Args = "builtins.TypeError", []any{be.Error()}
	case errors.Is(err, policy.ErrDenied):
		exc.Class, exc.Args = ErrSecurity.class, []any{"call denied by policy"}
	case errors.Is(err, context.DeadlineExceeded):
		exc.Class, exc.Args = ErrTimeout.class, []any{err.Error()}
	default:
		var k *Kind
		if errors.As(err, &k) {
			exc.Class = k.class
		} else {
			exc.Class = "builtins.Exception"
		}
		exc.Args = []any{err.Error()}
	}
	if expose {
		where := "flint daemon"
		if info != nil {
			where = fmt.Sprintf("flint daemon, object %q, method %q", info.Object, info.Method)
		}
		tb := []string{"Traceback (most recent call last):\n", "  " + where + "\n"}
		if pe != nil {
			for _, line := range strings.SplitAfter(string(pe.stack), "\n") {
				if line != "" {
					tb = append(tb, "    "+line)
				}
			}
		} else {
			tb = append(tb, fmt.Sprintf("    Go error chain: %+v\n", err))
		}
		tb = append(tb, exc.Class+": "+fmt.Sprint(exc.Args...)+"\n")
		exc.Traceback = tb
	}
	return exc
}

// dispatch finds and runs the method of a call, after authorization.
func (sc *serverConn) dispatch(ctx context.Context, info *CallInfo, call serial.Call) (any, error) {
	return sc.dispatchItem(ctx, info, call, false, nil)
}

// dispatchItem is dispatch. For an item of a batch (item true), ctx and
// info are the batch's, and the item's own CallInfo and context are made
// only for what can see them: a method taking a context.Context, an
// attribute or a built-in call. e, if not nil, is call.Object's entry,
// which a batch looks up once for all its calls.
func (sc *serverConn) dispatchItem(ctx context.Context, info *CallInfo, call serial.Call, item bool, e *entry) (any, error) {
	if call.Object == DaemonObjectID {
		if err := sc.d.pol.Authorize(info.Peer, call.Object, call.Method); err != nil && !daemonOpen(call.Method) {
			return nil, err
		}
		if item {
			ctx = itemCtx(ctx, info, call.Method)
		}
		return sc.builtin(ctx, call)
	}
	if e == nil {
		var ok bool
		if e, ok = sc.d.lookup(call.Object); !ok {
			return nil, newError(ErrDaemon, nil, "unknown object")
		}
	}
	if err := sc.d.pol.Authorize(info.Peer, call.Object, call.Method); err != nil {
		if !sc.visible(call.Object, e) {
			return nil, newError(ErrDaemon, nil, "unknown object")
		}
		return nil, err
	}
	switch call.Method {
	case "__getattr__", "__setattr__":
		if item {
			ctx = itemCtx(ctx, info, call.Method)
		}
		return sc.attribute(ctx, e, call)
	}
	mt, ok := e.typ.methods[call.Method]
	if !ok {
		return nil, &RemoteError{Class: "builtins.AttributeError", Args: []any{fmt.Sprintf("remote object '%s' has no exposed attribute or method '%s'", call.Object, call.Method)}}
	}
	inst, err := sc.instance(e)
	if err != nil {
		return nil, err
	}
	if item && mt.ctx {
		ctx = itemCtx(ctx, info, call.Method)
	}
	return sc.run(ctx, inst, mt, call, e.mode == Single)
}

// itemCtx returns the context of one call of a batch: the batch's, with a
// CallInfo naming the call's method.
func itemCtx(ctx context.Context, info *CallInfo, method string) context.Context {
	return &callCtx{Context: ctx, info: CallInfo{Peer: info.Peer, Object: info.Object, Method: method, CorrelationID: info.CorrelationID,
		Annotations: info.Annotations, Session: info.Session}}
}

var (
	tupleType = reflect.TypeFor[value.Tuple]()
	setType   = reflect.TypeFor[value.Set]()
)

// daemonOpen lists built-in methods every admitted peer may call even when
// rules exist: the protocol needs them.
func daemonOpen(method string) bool {
	switch method {
	case "ping", "get_metadata", "get_next_stream_item", "get_next_stream_items", "close_stream", "registered", "info":
		return true
	}
	return false
}

func (sc *serverConn) instance(e *entry) (reflect.Value, error) {
	switch {
	case e.inst.IsValid():
		return e.inst, nil
	case e.mode == PerCall:
		return sc.make(e)
	case e.mode == Session:
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if sc.sessions == nil {
			return reflect.Value{}, newError(ErrConnectionClosed, nil, "connection closed")
		}
		if v, ok := sc.sessions[e]; ok {
			return v, nil
		}
		v, err := sc.make(e)
		if err == nil {
			sc.sessions[e] = v
		}
		return v, err
	default:
		e.once.Do(func() {
			var v reflect.Value
			v, e.onceErr = sc.make(e)
			if e.onceErr == nil {
				sc.d.mu.Lock()
				e.inst = v
				sc.d.mu.Unlock()
			}
		})
		if e.onceErr != nil {
			return reflect.Value{}, e.onceErr
		}
		sc.d.mu.RLock()
		defer sc.d.mu.RUnlock()
		return e.inst, nil
	}
}

func (sc *serverConn) make(e *entry) (reflect.Value, error) {
	obj, err := e.factory()
	if err != nil {
		return reflect.Value{}, fmt.Errorf("creating instance of %s: %w", e.id, err)
	}
	return reflect.ValueOf(obj), nil
}

// run binds the arguments, calls the method and turns its result into a
// model value (or a stream). shared says inst is the object's one
// instance, which the typed call (invoker.go) stays bound to.
func (sc *serverConn) run(ctx context.Context, inst reflect.Value, mt *method, call serial.Call, shared bool) (res any, err error) {
	if shared && mt.bind != nil && len(call.Args) == len(mt.params) && call.Kwargs.Len() == 0 {
		if f := mt.fastFor(inst); f != nil {
			return sc.runFast(ctx, f, call)
		}
	}
	args, err := bindArgs(ctx, inst, mt, call)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, sc.panicked(call, r)
		}
	}()
	out := mt.fn.Call(args)
	switch mt.res {
	case resNone:
		return nil, nil
	case resErr:
		if !out[0].IsNil() {
			return nil, out[0].Interface().(error)
		}
		return nil, nil
	case resValErr:
		if !out[1].IsNil() {
			return nil, out[1].Interface().(error)
		}
	}
	rv := out[0]
	if mt.stream != streamNone {
		return sc.openStream(mt, rv)
	}
	return sc.encodeResult(mt.enc, rv)
}

// runFast is run for a typed call (its own function, so that its one
// defer is open-coded).
func (sc *serverConn) runFast(ctx context.Context, f fastFn, call serial.Call) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, sc.panicked(call, r)
		}
	}()
	return f(sc, ctx, call.Args)
}

// panicked logs a panic recovered from a remote method and returns its
// error.
func (sc *serverConn) panicked(call serial.Call, r any) error {
	sc.d.log.Error("panic in remote method", "object", call.Object, "method", call.Method, "panic", fmt.Sprint(r))
	return &panicError{val: r, stack: debug.Stack()}
}

// encodeResult turns a result into a model value, replacing registered
// objects by proxies to them (Pyro4's autoproxy).
func (sc *serverConn) encodeResult(enc value.Encoder, rv reflect.Value) (any, error) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map:
		if !rv.IsNil() {
			if px, ok := sc.autoproxy(rv.Interface()); ok {
				return px, nil
			}
		}
	case reflect.Slice, reflect.Array:
		ek := rv.Type().Elem().Kind()
		if (ek == reflect.Pointer || ek == reflect.Interface) && rv.Type() != tupleType && rv.Type() != setType {
			out := make([]any, rv.Len())
			for i := range out {
				ev := rv.Index(i)
				if !ev.IsNil() {
					if px, ok := sc.autoproxy(ev.Interface()); ok {
						out[i] = px
						continue
					}
				}
				v, err := value.From(ev.Interface())
				if err != nil {
					return nil, err
				}
				out[i] = v
			}
			return out, nil
		}
	}
	return enc(rv)
}

func (sc *serverConn) autoproxy(obj any) (any, bool) {
	id, ok := sc.d.IDOf(obj)
	if !ok {
		return nil, false
	}
	e, ok := sc.d.lookup(id)
	if !ok {
		return nil, false
	}
	return proxyValue(sc.d.URIFor(id), e.typ.meta), true
}

func bindArgs(ctx context.Context, inst reflect.Value, mt *method, call serial.Call) ([]reflect.Value, error) {
	pos := call.Args
	nfixed := len(mt.params)
	var kw Kwargs
	var named []any
	if call.Kwargs.Len() > 0 {
		named = make([]any, nfixed)
		set := make([]bool, nfixed)
		for _, it := range call.Kwargs.Items {
			k, ok := it.Key.(string)
			if !ok {
				return nil, &RemoteError{Class: "builtins.TypeError", Args: []any{fmt.Sprintf("%s() keywords must be strings", mt.name)}}
			}
			idx := -1
			for i, n := range mt.paramNames {
				if n == k {
					idx = i
				}
			}
			switch {
			case idx >= 0:
				if idx < len(pos) || set[idx] {
					return nil, &RemoteError{Class: "builtins.TypeError", Args: []any{fmt.Sprintf("%s() got multiple values for argument '%s'", mt.name, k)}}
				}
				named[idx], set[idx] = it.Value, true
			case mt.kwargs:
				if kw == nil {
					kw = Kwargs{}
				}
				kw[k] = it.Value
			default:
				return nil, &RemoteError{Class: "builtins.TypeError", Args: []any{fmt.Sprintf("%s() got an unexpected keyword argument '%s'", mt.name, k)}}
			}
		}
		// Positions filled by keyword count as given.
		last := len(pos)
		for i := len(pos); i < nfixed; i++ {
			if set[i] {
				last = i + 1
			}
		}
		if last > len(pos) {
			merged := make([]any, last)
			copy(merged, pos)
			for i := len(pos); i < last; i++ {
				if set[i] {
					merged[i] = named[i]
				} else {
					merged[i] = missing{}
				}
			}
			pos = merged
		}
	}
	minArgs := nfixed
	if len(mt.paramNames) > 0 {
		// Named parameters may be left out; they take their zero value.
		minArgs = 0
	}
	if len(pos) < minArgs || (!mt.variadic && len(pos) > nfixed) {
		want := fmt.Sprintf("%d", nfixed)
		if mt.variadic {
			want = fmt.Sprintf("at least %d", nfixed)
		}
		return nil, &RemoteError{Class: "builtins.TypeError", Args: []any{fmt.Sprintf("%s() takes %s positional arguments but %d were given", mt.name, want, len(pos))}}
	}
	n := 1 + nfixed
	if mt.ctx {
		n++
	}
	if mt.kwargs {
		n++
	}
	args := make([]reflect.Value, 0, n+max(0, len(pos)-nfixed))
	args = append(args, inst)
	if mt.ctx {
		args = append(args, reflect.ValueOf(ctx))
	}
	for i, t := range mt.params {
		v := reflect.New(t).Elem()
		if i < len(pos) {
			if _, skip := pos[i].(missing); !skip {
				if err := mt.decs[i](pos[i], v); err != nil {
					return nil, argError(i, err)
				}
			}
		}
		args = append(args, v)
	}
	if mt.variadic {
		for i := nfixed; i < len(pos); i++ {
			v := reflect.New(mt.varElem).Elem()
			if err := mt.varDec(pos[i], v); err != nil {
				return nil, argError(i, err)
			}
			args = append(args, v)
		}
	}
	if mt.kwargs {
		if kw == nil {
			kw = Kwargs{}
		}
		args = append(args, reflect.ValueOf(kw))
	}
	return args, nil
}

type missing struct{}

func argError(i int, err error) error {
	var be *value.BindError
	if errors.As(err, &be) {
		msg := be.Error()
		if be.Path == "" {
			msg = fmt.Sprintf("argument %d: %s", i+1, msg)
		} else {
			msg = fmt.Sprintf("argument %d%s", i+1, strings.TrimPrefix(msg, ""))
		}
		return &RemoteError{Class: "builtins.TypeError", Args: []any{msg}}
	}
	return &RemoteError{Class: "builtins.TypeError", Args: []any{fmt.Sprintf("argument %d: %v", i+1, err)}}
}

func (sc *serverConn) attribute(ctx context.Context, e *entry, call serial.Call) (any, error) {
	if len(call.Args) < 1 {
		return nil, &RemoteError{Class: "builtins.TypeError", Args: []any{call.Method + " needs an attribute name"}}
	}
	name, _ := call.Args[0].(string)
	a, ok := e.typ.attrs[name]
	if !ok {
		return nil, &RemoteError{Class: "builtins.AttributeError", Args: []any{fmt.Sprintf("remote object '%s' has no exposed attribute '%s'", call.Object, name)}}
	}
	inst, err := sc.instance(e)
	if err != nil {
		return nil, err
	}
	if call.Method == "__getattr__" {
		var v reflect.Value
		if a.field != nil {
			v = inst.Elem().FieldByIndex(a.field)
		} else {
			v = a.getter.Call([]reflect.Value{inst})[0]
		}
		return a.enc(v)
	}
	if len(call.Args) != 2 {
		return nil, &RemoteError{Class: "builtins.TypeError", Args: []any{"__setattr__ needs a name and a value"}}
	}
	nv := reflect.New(a.typ).Elem()
	if err := a.dec(call.Args[1], nv); err != nil {
		return nil, argError(1, err)
	}
	switch {
	case a.field != nil:
		inst.Elem().FieldByIndex(a.field).Set(nv)
	case a.setter.IsValid():
		a.setter.Call([]reflect.Value{inst, nv})
	default:
		return nil, &RemoteError{Class: "builtins.AttributeError", Args: []any{fmt.Sprintf("attribute '%s' is read-only", name)}}
	}
	return nil, nil
}

// batch runs Pyro4's "<batch>" call: the calls in order, stopping at the
// first error, whose exception is wrapped as the last result.
func (sc *serverConn) batch(ctx context.Context, codec serial.Serializer, m *wire.Message, info *CallInfo, call serial.Call, oneway bool) {
	results := make([]any, 0, len(call.Batch))
	var e *entry
	if call.Object != DaemonObjectID {
		e, _ = sc.d.lookup(call.Object)
	}
	for i := range call.Batch {
		item := &call.Batch[i]
		var err error
		var res any
		if item.Malformed {
			err = newError(ErrProtocol, nil, "malformed batch item")
		} else {
			sub := serial.Call{Object: call.Object, Method: item.Method, Args: item.Args, Kwargs: item.Kwargs}
			res, err = sc.dispatchItem(ctx, info, sub, true, e)
			if st, ok := res.(*stream); ok {
				st.close()
				res, err = nil, newError(ErrProtocol, nil, "batch results cannot be streamed")
			}
		}
		if err != nil {
			if oneway {
				sc.d.log.Warn("oneway batch call failed", "object", call.Object, "error", err.Error())
				return
			}
			results = append(results, value.ExceptionWrapperValue(sc.exceptionFor(info, err)))
			break
		}
		results = append(results, res)
	}
	if oneway {
		return
	}
	sc.replyValue(codec, m, info, results, wire.FlagBatch)
}

var daemonMeta = Metadata{
	Methods: []string{"close_stream", "get_metadata", "get_next_stream_item", "get_next_stream_items", "info", "ping", "registered"},
}

// daemonObjectType stands for the Pyro.Daemon object (and for an object
// id a handshake without metadata names) in the handshake.
var daemonObjectType = &objectType{meta: daemonMeta, flnt: flintFeatures}

// builtin implements the Pyro.Daemon object.
func (sc *serverConn) builtin(ctx context.Context, call serial.Call) (any, error) {
	arg := func(i int) any {
		if i < len(call.Args) {
			return call.Args[i]
		}
		return nil
	}
	kwarg := func(name string) any {
		v, _ := call.Kwargs.GetString(name)
		return v
	}
	switch call.Method {
	case "ping":
		return nil, nil
	case "info":
		return fmt.Sprintf("%s bound on %s, NAT %s, %d objects registered. Servertype: flint (Go)",
			DaemonObjectID, sc.d.ep.Location(), natString(sc.d), sc.d.count()), nil
	case "registered":
		out := []any{DaemonObjectID}
		if sc.c.Identity().IsAnonymous() && sc.d.pol.HasRules() {
			return out, nil
		}
		if sc.c.Identity().IsAnonymous() && !sc.d.pol.AllowInsecurePlaintext {
			return out, nil
		}
		sc.d.mu.RLock()
		ids := make([]string, 0, len(sc.d.objects))
		for id, e := range sc.d.objects {
			if sc.visible(id, e) {
				ids = append(ids, id)
			}
		}
		sc.d.mu.RUnlock()
		sort.Strings(ids)
		for _, id := range ids {
			out = append(out, id)
		}
		return out, nil
	case "get_metadata":
		id, _ := arg(0).(string)
		if id == "" {
			id, _ = kwarg("objectId").(string)
		}
		asLists, _ := arg(1).(bool)
		if v, ok := kwarg("as_lists").(bool); ok {
			asLists = v
		}
		meta, err := sc.metadata(id)
		if err != nil {
			return nil, err
		}
		return metaValue(meta, asLists), nil
	case "get_next_stream_item":
		id, _ := arg(0).(string)
		return sc.nextItem(id)
	case "get_next_stream_items":
		// flint's extension: up to n items in one reply, as (items, more).
		id, _ := arg(0).(string)
		n, _ := arg(1).(int64)
		return sc.nextItems(id, int(n))
	case "close_stream":
		id, _ := arg(0).(string)
		sc.closeStream(id)
		return nil, nil
	}
	return nil, &RemoteError{Class: "builtins.AttributeError", Args: []any{fmt.Sprintf("remote object '%s' has no exposed attribute or method '%s'", DaemonObjectID, call.Method)}}
}

func natString(d *Daemon) string {
	if d.cfg.NATHost == "" {
		return "None"
	}
	return d.Location()
}

func (d *Daemon) count() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.objects) + 1
}
