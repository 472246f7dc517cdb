package secure

import (
	"sync"
	"time"
)

// goPool runs functions on goroutines that outlive them. A daemon starts a
// goroutine for every connection and for each call worker; a fresh
// goroutine's stack starts small and is copied each time it grows while it
// decodes its first message, which was a visible share of a short
// connection's cost. A pooled goroutine keeps its grown stack. Goroutines
// left idle for goPoolIdle, or when the pool closes, exit.
type goPool struct {
	work chan func()
	quit chan struct{}
	wg   sync.WaitGroup
}

const goPoolIdle = 2 * time.Second

func newGoPool() *goPool {
	return &goPool{work: make(chan func()), quit: make(chan struct{})}
}

// Go runs f on an idle pooled goroutine, or on a new one.
func (p *goPool) Go(f func()) {
	select {
	case p.work <- f:
		return
	default:
	}
	p.wg.Add(1)
	go p.run(f)
}

func (p *goPool) run(f func()) {
	defer p.wg.Done()
	f()
	idle := time.NewTimer(goPoolIdle)
	defer idle.Stop()
	for {
		select {
		case f = <-p.work:
			f()
			idle.Reset(goPoolIdle)
		case <-idle.C:
			return
		case <-p.quit:
			return
		}
	}
}

// close makes idle goroutines exit and waits for every goroutine of the
// pool; functions still running delay it. Go may still be called after
// close: its function then runs on a goroutine that exits afterwards.
func (p *goPool) close() {
	close(p.quit)
	p.wg.Wait()
}
