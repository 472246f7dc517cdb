package secure

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/value"
)

// TestCorrelationIDs: generated correlation ids are version 4 UUIDs (the
// variant and version bits Pyro4's uuid4 sets) and do not repeat, also
// when made on many goroutines at once.
func TestCorrelationIDs(t *testing.T) {
	const workers, each = 8, 2000
	ids := make([][]value.UUID, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ids[w] = append(ids[w], newCorrelationID())
			}
		}()
	}
	wg.Wait()
	seen := map[value.UUID]bool{}
	for _, list := range ids {
		for _, u := range list {
			require.Equal(t, byte(0x40), u[6]&0xf0, "version 4: %x", u)
			require.Equal(t, byte(0x80), u[8]&0xc0, "RFC 4122 variant: %x", u)
			require.False(t, seen[u], "repeated id %x", u)
			seen[u] = true
		}
	}
}
