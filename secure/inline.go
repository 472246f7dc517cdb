package secure

import (
	"sync/atomic"
	"time"

	"github.com/flintrpc/flint/wire"
)

// A call runs on the goroutine that read it when the client has never
// pipelined calls on the connection and the call is the last message it
// sent, as with every Pyro4 proxy and every proxy used by one goroutine at
// a time: a hand-off to a worker goroutine costs more than most calls do,
// above all when it wakes another CPU. A client that sends a call before
// the reply to its previous one has arrived pipelines; from then on its
// connection's calls go to workers, so that they run concurrently.
//
// While an inline call runs, nobody reads the connection. A client that
// starts to pipeline just then would wait, and a call that waits for
// another call on the same connection would never end. The daemon's inline
// monitor prevents both: it ticks every inlineTick while inline calls run,
// and when a call has run for one to two ticks, a new goroutine takes over
// the reader role, reads on and dispatches. The monitor costs a call two
// atomic stores, and its tick is long because a timer that is due soon
// makes every wait for the network dearer on a virtual machine; it stops
// after inlineIdleTicks ticks without inline calls.

// inlineTick is the inline monitor's period: a call pipelined behind a
// long inline call waits at most two of these before it is read, once per
// connection.
const inlineTick = 20 * time.Millisecond

// inlineIdleTicks is how many ticks without a running inline call the
// monitor waits before it stops.
const inlineIdleTicks = 50

// serverConn.inline holds the reader role's generation, shifted left by
// one, with inlineRunning set while the role's holder runs a call.
// takeOver moves the role to the next generation; the old holder's
// CompareAndSwap then fails, so two goroutines never read at once.
const inlineRunning = 1

// inlineMonitor watches a daemon's inline calls.
type inlineMonitor struct {
	d    *Daemon
	tick atomic.Uint64 // incremented every inlineTick while running
	on   atomic.Bool   // the monitor goroutine runs
}

// runInline runs the call m on the reading goroutine, the holder of reader
// generation gen. It reports whether this goroutine still holds the role.
func (sc *serverConn) runInline(m *wire.Message, gen uint64) bool {
	sc.wg.Add(1) // a reader that takes over waits for this call at the end
	sc.since.Store(sc.d.mon.tick.Load())
	sc.inline.Store(gen<<1 | inlineRunning)
	sc.d.mon.ensure()
	sc.invoke(m)
	// Right after the reply: a reader that took over and reads the
	// client's next call must not count this call as still running (a
	// client that waited for the reply does not pipeline).
	mine := sc.inline.CompareAndSwap(gen<<1|inlineRunning, gen<<1)
	if !mine {
		sc.taken.Add(-1)
	}
	<-sc.callSem
	sc.d.inflight.Add(-1)
	sc.wg.Done()
	return mine
}

// takeOver gives the reader role of the connection, whose inline state
// was v, to a new goroutine, unless the call ended meanwhile.
func (sc *serverConn) takeOver(v uint64) {
	gen := v>>1 + 1
	if sc.inline.CompareAndSwap(v, gen<<1) {
		sc.taken.Add(1)
		sc.d.pool.Go(func() { sc.readLoop(gen) })
	}
}

// ensure starts the monitor goroutine unless it runs.
func (m *inlineMonitor) ensure() {
	if m.on.Load() || !m.on.CompareAndSwap(false, true) {
		return
	}
	if m.d.baseCtx.Err() != nil {
		m.on.Store(false)
		return
	}
	m.d.pool.Go(m.run)
}

func (m *inlineMonitor) run() {
	t := time.NewTicker(inlineTick)
	defer t.Stop()
	idle := 0
	for {
		select {
		case <-t.C:
		case <-m.d.baseCtx.Done():
			m.on.Store(false)
			return
		}
		now := m.tick.Add(1)
		if m.scan(now) {
			idle = 0
			continue
		}
		if idle++; idle < inlineIdleTicks {
			continue
		}
		// Stop, unless an inline call began meanwhile: runInline stores
		// its state before it looks at on, and scan looks at the state
		// after on is cleared, so one of the two sees the other.
		m.on.Store(false)
		if !m.scan(now) || !m.on.CompareAndSwap(false, true) {
			return
		}
		idle = 0
	}
}

// scan takes over connections whose inline call began two ticks ago or
// earlier. It reports whether any inline call runs.
func (m *inlineMonitor) scan(now uint64) bool {
	busy := false
	m.d.mu.RLock()
	defer m.d.mu.RUnlock()
	for sc := range m.d.conns {
		v := sc.inline.Load()
		if v&inlineRunning == 0 {
			continue
		}
		busy = true
		if now-sc.since.Load() >= 2 {
			sc.takeOver(v)
		}
	}
	return busy
}
