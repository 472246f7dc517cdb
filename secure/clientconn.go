package secure

import (
	"context"
	"sync"
	"time"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/wire"
)

// clientConn is a proxy's connection. A reader goroutine hands each reply
// to the call waiting for its sequence number. Calls whose caller gave up
// keep their sequence number reserved until the late reply arrives, so a
// late reply can never be taken for the answer to a later call.
type clientConn struct {
	c        *policy.Conn
	pipeline bool
	// streamBatch: the daemon serves get_next_stream_items (flint).
	streamBatch bool
	turn        sync.Mutex // one call at a time when !pipeline

	mu      sync.Mutex
	seq     uint16
	pending map[uint16]chan *wire.Message // nil value: abandoned call
	err     error
	done    chan struct{}
}

func newClientConn(c *policy.Conn, seq uint16) *clientConn {
	return &clientConn{c: c, seq: seq, pending: map[uint16]chan *wire.Message{}, done: make(chan struct{})}
}

func (cc *clientConn) dead() bool {
	select {
	case <-cc.done:
		return true
	default:
		return false
	}
}

func (cc *clientConn) readLoop() {
	for {
		m, err := cc.c.ReadMessage()
		if err != nil {
			if !cc.dead() { // after Close the read error is expected
				cc.close(newError(ErrConnectionClosed, err, "connection closed"))
			}
			return
		}
		if m.Type != wire.MsgResult && m.Type != wire.MsgPing {
			cc.close(newError(ErrProtocol, nil, "unexpected message type %s from daemon", m.Type))
			return
		}
		cc.mu.Lock()
		ch, ok := cc.pending[m.Seq]
		if ok {
			delete(cc.pending, m.Seq)
		}
		cc.mu.Unlock()
		if !ok {
			cc.close(newError(ErrProtocol, nil, "reply sequence out of sync (seq %d)", m.Seq))
			return
		}
		if ch != nil {
			ch <- m
		}
	}
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
		ch = make(chan *wire.Message, 1)
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
	return cc.wait(ctx, m.Seq, ch, timeout)
}

// wait waits for the reply to the call with sequence number seq, which
// arrives on ch.
func (cc *clientConn) wait(ctx context.Context, seq uint16, ch chan *wire.Message, timeout time.Duration) (*wire.Message, error) {
	var timer <-chan time.Time
	if _, has := ctx.Deadline(); !has && timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case r, ok := <-ch:
		if !ok {
			cc.mu.Lock()
			err := cc.err
			cc.mu.Unlock()
			return nil, &errSent{err}
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
