package certs

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable time source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestReloaderThrottle checks that file changes are noticed on the first
// check after ReloadInterval has passed, and not before.
func TestReloaderThrottle(t *testing.T) {
	b, err := Init(InitOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReloader(b.Server())
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	r.now = clock.now
	r.lastCheck.Store(clock.now().UnixNano())
	before := Fingerprint(r.Certificate().Leaf)

	err = Issue(IssueOptions{
		CADir: b.Dir, OutCert: b.ServerCert, OutKey: b.ServerKey,
		CommonName: "rotated", DNSNames: []string{"localhost"}, Server: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(ReloadInterval - time.Millisecond)
	if got := Fingerprint(r.Certificate().Leaf); got != before {
		t.Fatalf("reloaded before the interval passed")
	}
	clock.advance(time.Millisecond)
	got := r.Certificate().Leaf
	if Fingerprint(got) == before || got.Subject.CommonName != "rotated" {
		t.Fatalf("not reloaded after the interval: %s", got.Subject)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}

	// A vanished file is reported, and the current material stays.
	if err := renameAway(b.ServerKey); err != nil {
		t.Fatal(err)
	}
	clock.advance(ReloadInterval)
	if r.Certificate().Leaf != got {
		t.Fatal("material changed although the key file vanished")
	}
	if r.Err() == nil {
		t.Fatal("missing file not reported")
	}
}

func renameAway(path string) error {
	return os.Rename(path, filepath.Join(filepath.Dir(path), "gone"))
}
