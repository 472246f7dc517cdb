package secure

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/wire"
)

// clientConn is a proxy's connection. Calls whose caller gave up keep
// their sequence number reserved until the late reply arrives, so a late
// reply can never be taken for the answer to a later call.
//
// One goroutine at a time holds the reader role. A caller that finds it
// free reads the connection itself until its own reply arrives (lead),
// handing other calls' replies to them on the way: a lone call then costs
// no hand-off between goroutines. If calls are still waiting when it has
// its reply, a background reader (bgRead) takes the role until none waits.
// A caller reads through policy.Conn.Await, which consumes nothing until a
// whole message has arrived, so when its context ends it stops at once and
// the next reader finds every byte.
type clientConn struct {
	c        *policy.Conn
	pipeline bool
	// streamBatch: the daemon serves get_next_stream_items (flint).
	streamBatch bool
	turn        sync.Mutex // one call at a time when !pipeline

	mu      sync.Mutex
	seq     uint16
	pending map[uint16]chan *wire.Message // nil value: abandoned call
	spare   []chan *wire.Message          // empty reply channels for reuse
	freed   bool                          // the read buffer went back to the pool
	reading bool                          // the reader role is taken
	err     error
	done    chan struct{}

	// lastRead is when the connection last delivered a reply (Unix
	// nanoseconds): an idle connection is probed before a call is sent.
	lastRead atomic.Int64

	dl      sync.Mutex // orders read deadline changes of leading callers
	leadGen uint64     // guarded by dl: bumped when a caller stops leading
}

// probeIdle is how long a connection must have been idle before a call
// probes it for a close by the daemon. While calls are read, the reader
// notices a close; an idle connection has no reader, and a call written
// into a connection the daemon already closed could not be re-sent.
const probeIdle = time.Millisecond

func newClientConn(c *policy.Conn, seq uint16) *clientConn {
	cc := &clientConn{c: c, seq: seq, pending: map[uint16]chan *wire.Message{}, done: make(chan struct{})}
	cc.lastRead.Store(time.Now().UnixNano())
	return cc
}

func (cc *clientConn) dead() bool {
	select {
	case <-cc.done:
		return true
	default:
		return false
	}
}

// usable reports whether a call may be sent: the connection is not known
// to be closed and, if it has been idle for probeIdle, the daemon has not
// closed it meanwhile.
func (cc *clientConn) usable() bool {
	if cc.dead() {
		return false
	}
	if time.Now().UnixNano()-cc.lastRead.Load() < int64(probeIdle) {
		return true
	}
	cc.mu.Lock()
	if cc.reading || len(cc.pending) > 0 || cc.err != nil {
		ok := cc.err == nil
		cc.mu.Unlock()
		return ok
	}
	cc.reading = true
	cc.mu.Unlock()
	err := cc.c.Probe()
	cc.mu.Lock()
	cc.releaseLocked()
	cc.mu.Unlock()
	if err != nil {
		cc.close(newError(ErrConnectionClosed, err, "connection closed"))
		return false
	}
	cc.lastRead.Store(time.Now().UnixNano())
	return true
}

// releaseLocked gives up the reader role: to a background reader while
// calls wait for replies, else to nobody. cc.mu is held.
func (cc *clientConn) releaseLocked() {
	if len(cc.pending) > 0 && cc.err == nil {
		go cc.bgRead()
		return
	}
	cc.stopReadingLocked()
}

// stopReadingLocked ends the caller's reader role, for good if the
// connection is closed. cc.mu is held.
func (cc *clientConn) stopReadingLocked() {
	cc.reading = false
	cc.freeReaderLocked()
}

// freeReaderLocked gives the read buffer back once the connection is
// closed and nobody holds the reader role, so that nobody reads again.
// cc.mu is held.
func (cc *clientConn) freeReaderLocked() {
	if cc.err != nil && !cc.reading && !cc.freed && cc.c.ReleaseReader() {
		cc.freed = true
	}
}

// deliver hands reply m to its call. It reports whether m answers seq,
// and fails when no call awaits m.
func (cc *clientConn) deliver(m *wire.Message, seq uint16, leading bool) (mine bool, err error) {
	if m.Type != wire.MsgResult && m.Type != wire.MsgPing {
		return false, newError(ErrProtocol, nil, "unexpected message type %s from daemon", m.Type)
	}
	cc.lastRead.Store(time.Now().UnixNano())
	cc.mu.Lock()
	ch, ok := cc.pending[m.Seq]
	if !ok {
		cc.mu.Unlock()
		return false, newError(ErrProtocol, nil, "reply sequence out of sync (seq %d)", m.Seq)
	}
	delete(cc.pending, m.Seq)
	if leading && m.Seq == seq {
		cc.mu.Unlock()
		return true, nil
	}
	if !leading && len(cc.pending) == 0 {
		cc.reading = false
		mine = true // the background reader is done
	}
	cc.mu.Unlock()
	if ch != nil {
		ch <- m
	}
	return mine, nil
}

// bgRead holds the reader role while calls wait for replies.
func (cc *clientConn) bgRead() {
	for {
		m, err := cc.c.ReadMessage()
		if err != nil {
			if !cc.dead() { // after Close the read error is expected
				cc.close(newError(ErrConnectionClosed, err, "connection closed"))
			}
			cc.quitReading()
			return
		}
		done, err := cc.deliver(m, 0, false)
		if err != nil {
			cc.close(err)
			cc.quitReading()
			return
		}
		if done {
			return
		}
	}
}

// quitReading ends the reader role of a reader that stops because the
// connection broke.
func (cc *clientConn) quitReading() {
	cc.mu.Lock()
	cc.stopReadingLocked()
	cc.mu.Unlock()
}

func (cc *clientConn) close(err error) {
	cc.mu.Lock()
	if cc.err != nil {
		cc.mu.Unlock()
		return
	}
	cc.err = err
	pending := cc.pending
	cc.pending = map[uint16]chan *wire.Message{}
	close(cc.done)
	cc.mu.Unlock()
	cc.c.Close()
	cc.mu.Lock()
	cc.freeReaderLocked()
	cc.mu.Unlock()
	for _, ch := range pending {
		if ch != nil {
			close(ch)
		}
	}
}

// nextSeq reserves a sequence number not used by a call in flight.
func (cc *clientConn) nextSeqLocked() uint16 {
	for {
		cc.seq++
		if _, busy := cc.pending[cc.seq]; !busy {
			return cc.seq
		}
	}
}

// errSent wraps a failure that happened after the request may have reached
// the daemon.
type errSent struct{ err error }

func (e *errSent) Error() string { return e.err.Error() }
func (e *errSent) Unwrap() error { return e.err }

// roundTrip sends m and waits for its reply. oneway sends only.
func (cc *clientConn) roundTrip(ctx context.Context, m *wire.Message, timeout time.Duration) (*wire.Message, error) {
	if !cc.pipeline {
		cc.turn.Lock()
		defer cc.turn.Unlock()
	}
	oneway := m.Flags&wire.FlagOneway != 0
	var ch chan *wire.Message
	cc.mu.Lock()
	if cc.err != nil {
		err := cc.err
		cc.mu.Unlock()
		return nil, err
	}
	m.Seq = cc.nextSeqLocked()
	if !oneway {
		if n := len(cc.spare); n > 0 {
			ch, cc.spare = cc.spare[n-1], cc.spare[:n-1]
		} else {
			ch = make(chan *wire.Message, 1)
		}
		cc.pending[m.Seq] = ch
	}
	cc.mu.Unlock()
	if err := cc.c.WriteMessage(m); err != nil {
		cc.close(newError(ErrConnectionClosed, err, "sending request"))
		return nil, &errSent{newError(ErrConnectionClosed, err, "sending request")}
	}
	if oneway {
		return nil, nil
	}
	r, err := cc.wait(ctx, m.Seq, ch, timeout)
	if err == nil {
		// The reply was taken off ch or handed over directly; either way
		// ch is empty and no longer in pending, so the next call may use
		// it. An abandoned or closed call's channel is never reused: a
		// late reply may still be sent to it.
		cc.mu.Lock()
		if len(cc.spare) < maxSpareChans {
			cc.spare = append(cc.spare, ch)
		}
		cc.mu.Unlock()
	}
	return r, err
}

// maxSpareChans bounds the reply channels a connection keeps for reuse.
const maxSpareChans = 16

// wait waits for the reply to the call with sequence number seq, which
// arrives on ch, reading the connection itself when nobody else does.
func (cc *clientConn) wait(ctx context.Context, seq uint16, ch chan *wire.Message, timeout time.Duration) (*wire.Message, error) {
	cc.mu.Lock()
	// A reply read by another goroutine meanwhile is already on ch (its
	// call is no longer pending); only a caller still waiting may lead.
	if _, waiting := cc.pending[seq]; waiting && !cc.reading && cc.err == nil {
		cc.reading = true
		cc.mu.Unlock()
		return cc.lead(ctx, seq, ch, timeout)
	}
	cc.mu.Unlock()
	return cc.await(ctx, seq, ch, timeout)
}

// await waits for the reply on ch, read by another goroutine.
func (cc *clientConn) await(ctx context.Context, seq uint16, ch chan *wire.Message, timeout time.Duration) (*wire.Message, error) {
	var timer <-chan time.Time
	if _, has := ctx.Deadline(); !has && timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, &errSent{cc.closedErr()}
		}
		return r, nil
	case <-ctx.Done():
		cc.abandon(seq)
		return nil, ctxError(ctx)
	case <-timer:
		cc.abandon(seq)
		return nil, newError(ErrTimeout, nil, "call timed out after %s", timeout)
	}
}

func (cc *clientConn) closedErr() error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.err
}

// lead reads the connection, holding the reader role, until the reply to
// seq arrives or ctx (or timeout) ends the wait.
func (cc *clientConn) lead(ctx context.Context, seq uint16, ch chan *wire.Message, timeout time.Duration) (*wire.Message, error) {
	// A deadline (ctx's or the timeout) and ctx's cancellation end Await
	// through the read deadline. A cancellation that comes after this
	// caller stopped leading must not touch the next reader's reads:
	// leadGen tells.
	cc.dl.Lock()
	gen := cc.leadGen
	armed := false
	if d, ok := ctx.Deadline(); ok {
		_ = cc.c.SetReadDeadline(d)
		armed = true
	} else if timeout > 0 {
		_ = cc.c.SetReadDeadline(time.Now().Add(timeout))
		armed = true
	}
	cc.dl.Unlock()
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() {
			cc.dl.Lock()
			if cc.leadGen == gen {
				_ = cc.c.SetReadDeadline(time.Unix(1, 0))
			}
			cc.dl.Unlock()
		})
	}
	// endLead runs before the role moves on (below), so that the next
	// reader starts without this caller's deadline.
	endLead := func() {
		if stop != nil {
			stop()
		}
		if armed || stop != nil {
			cc.dl.Lock()
			cc.leadGen++
			_ = cc.c.SetReadDeadline(time.Time{})
			cc.dl.Unlock()
		}
	}
	m, err := cc.readUntil(seq)
	endLead()
	switch {
	case err == nil:
		cc.mu.Lock()
		cc.releaseLocked()
		cc.mu.Unlock()
		return m, nil
	case errors.Is(err, policy.ErrNotBuffered):
		// Too large to wait for without reading: a background reader
		// reads it, and this caller waits as a follower.
		go cc.bgRead()
		return cc.await(ctx, seq, ch, timeout)
	case isTimeout(err):
		cc.abandon(seq)
		cc.mu.Lock()
		if cc.err == nil {
			cc.releaseLocked()
		} else {
			cc.stopReadingLocked()
		}
		cc.mu.Unlock()
		if ctx.Err() != nil {
			return nil, ctxError(ctx)
		}
		if _, has := ctx.Deadline(); has {
			return nil, newError(ErrTimeout, nil, "call timed out")
		}
		return nil, newError(ErrTimeout, nil, "call timed out after %s", timeout)
	default:
		var fe *Error
		if !errors.As(err, &fe) {
			err = newError(ErrConnectionClosed, err, "connection closed")
		}
		cc.close(err)
		cc.quitReading()
		return nil, &errSent{cc.closedErr()}
	}
}

// readUntil reads messages, handing other calls' replies to them, until
// the reply to seq, which it returns. It stops early with Await's error (a
// timeout, ErrNotBuffered, a broken connection) or a protocol error.
func (cc *clientConn) readUntil(seq uint16) (*wire.Message, error) {
	for {
		if err := cc.c.Await(); err != nil {
			return nil, err
		}
		m, err := cc.c.ReadMessage()
		if err != nil {
			return nil, err
		}
		mine, err := cc.deliver(m, seq, true)
		if err != nil || mine {
			return m, err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// abandon gives up on a call. With pipelining the seq stays reserved until
// the late reply arrives; a Pyro4 daemon answers in order, so the
// connection is closed instead (its state is unknown).
func (cc *clientConn) abandon(seq uint16) {
	if !cc.pipeline {
		cc.close(newError(ErrTimeout, nil, "call abandoned"))
		return
	}
	cc.mu.Lock()
	if _, ok := cc.pending[seq]; ok {
		cc.pending[seq] = nil
	}
	cc.mu.Unlock()
}
