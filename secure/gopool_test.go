package secure

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestGoPoolReusesGoroutines: functions run one after another share a
// goroutine, concurrent ones get their own, and close ends them all.
func TestGoPoolReusesGoroutines(t *testing.T) {
	p := newGoPool()
	before := runtime.NumGoroutine()
	for range 50 {
		done := make(chan struct{})
		p.Go(func() { close(done) })
		<-done
		runtime.Gosched()
	}
	assert.LessOrEqual(t, runtime.NumGoroutine()-before, 2, "sequential work reuses goroutines")

	var wg sync.WaitGroup
	release := make(chan struct{})
	ran := make(chan struct{}, 8)
	for range 8 {
		wg.Add(1)
		p.Go(func() { defer wg.Done(); ran <- struct{}{}; <-release })
	}
	for range 8 {
		<-ran // all eight run at once: none waits for a free goroutine
	}
	close(release)
	wg.Wait()
	p.close()
	// close waited for the pool's goroutines; give the runtime a moment to
	// retire them (assert.Eventually would add goroutines of its own).
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "close ends the pool's goroutines")
	done := make(chan struct{})
	p.Go(func() { close(done) }) // after close: still runs
	<-done
}
