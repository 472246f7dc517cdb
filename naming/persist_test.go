package naming

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/secure"
)

// startHelperNS runs this test binary as a bolt-backed name server (see
// runHelper) and returns the process and its port.
func startHelperNS(t *testing.T, path string) (*proc, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelper+"=bolt:"+path)
	p, port := startProc(t, cmd, regexp.MustCompile(`NS running on 127\.0\.0\.1:(\d+)`))
	return p, atoi(t, port)
}

func persistEntry(i int) (string, secure.URI, []string) {
	return fmt.Sprintf("persist.%05d", i), secure.MustParseURI(fmt.Sprintf("PYRO:obj_%d@10.0.%d.%d:%d", i, i/250, i%250, 1024+i)),
		[]string{fmt.Sprintf("id:%d", i), fmt.Sprintf("group:%d", i%7)}
}

// TestBoltSurvivesKill registers 10,000 names with metadata in a
// bolt-backed name server process, keeps registering more while it is
// killed with SIGKILL, restarts it on the same file and finds every
// acknowledged registration, metadata included.
func TestBoltSurvivesKill(t *testing.T) {
	const total, clients, perClient = 10_000, 8, 8
	path := filepath.Join(t.TempDir(), "ns.db")
	p, port := startHelperNS(t, path)
	ctx := ctxT(t)

	conns := make([]*Client, clients)
	for i := range conns {
		pr, err := Locate(ctx, LocateOptions{Host: "127.0.0.1", Port: port, Policy: plaintext()})
		require.NoError(t, err)
		conns[i] = NewClient(pr)
		defer conns[i].Close()
	}
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	errs := make(chan error, clients*perClient)
	for g := range clients * perClient {
		c := conns[g%clients] // goroutines share connections: calls are pipelined
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				name, uri, meta := persistEntry(i)
				if err := c.Register(ctx, name, uri, RegisterOptions{Metadata: meta}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range total {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	t.Logf("registered %d names with metadata in %v (bolt, %d concurrent callers)", total, time.Since(start), clients*perClient)
	n, err := conns[0].Count(ctx)
	require.NoError(t, err)
	require.Equal(t, total+1, n)

	// Keep writing while the process is killed; remember what was
	// acknowledged.
	var mu sync.Mutex
	acked := map[string]bool{}
	wctx, stopWriters := context.WithCancel(ctx)
	var ww sync.WaitGroup
	for g := range clients {
		ww.Add(1)
		go func() {
			defer ww.Done()
			for i := 0; wctx.Err() == nil; i++ {
				name := fmt.Sprintf("late.%d.%d", g, i)
				if err := conns[g].Register(wctx, name, secure.MustParseURI("PYRO:late@127.0.0.1:1"), RegisterOptions{Metadata: []string{"late"}}); err != nil {
					return
				}
				mu.Lock()
				acked[name] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	p.kill()
	stopWriters()
	ww.Wait()
	mu.Lock()
	t.Logf("%d registrations acknowledged while the server was being killed", len(acked))
	mu.Unlock()

	restart := time.Now()
	_, port = startHelperNS(t, path)
	t.Logf("restarted on the same file in %v", time.Since(restart))
	assert.Less(t, time.Since(restart), 15*time.Second)
	pr, err := Locate(ctx, LocateOptions{Host: "127.0.0.1", Port: port, Policy: plaintext()})
	require.NoError(t, err)
	c := NewClient(pr)
	defer c.Close()

	got, err := c.ListMeta(ctx, Filter{Prefix: "persist."})
	require.NoError(t, err)
	require.Len(t, got, total)
	for i := range total {
		name, uri, meta := persistEntry(i)
		l, ok := got[name]
		require.True(t, ok, name)
		require.Equal(t, uri.String(), l.URI, name)
		require.ElementsMatch(t, meta, l.Meta, name)
	}
	late, err := c.List(ctx, Filter{MetadataAll: []string{"late"}})
	require.NoError(t, err)
	for name := range acked {
		_, ok := late[name]
		require.True(t, ok, "acknowledged %s was lost", name)
	}
	n, err = c.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, total+1+len(late), n)
	// The name server's own entry points at the new process.
	self, err := c.Lookup(ctx, ObjectID)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(port), strconv.Itoa(self.Port))
	// A lookup picked at random is exact.
	name, uri, meta := persistEntry(4242)
	gotURI, gotMeta, err := c.LookupMeta(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, uri, gotURI)
	assert.ElementsMatch(t, meta, gotMeta)
}
