package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// backends runs body against each storage kind.
func backends(t *testing.T, body func(t *testing.T, open func() Storage)) {
	t.Run("memory", func(t *testing.T) {
		body(t, func() Storage { return NewMemory() })
	})
	t.Run("bolt", func(t *testing.T) {
		body(t, func() Storage {
			s, err := OpenBolt(filepath.Join(t.TempDir(), "ns.db"), BoltOptions{})
			require.NoError(t, err)
			return s
		})
	})
}

func names(t *testing.T, s Storage, prefix string) []string {
	t.Helper()
	var out []string
	require.NoError(t, s.Range(ctxT(t), prefix, func(n string, _ Entry) bool { out = append(out, n); return true }))
	return out
}

func TestContract(t *testing.T) {
	backends(t, func(t *testing.T, open func() Storage) {
		ctx := ctxT(t)
		s := open()
		defer s.Close()

		_, err := s.Get(ctx, "a")
		require.ErrorIs(t, err, ErrNotFound)
		require.ErrorIs(t, s.Put(ctx, "", Entry{URI: "x"}), ErrInvalid)

		require.NoError(t, s.Put(ctx, "b.two", Entry{URI: "PYRO:b2@h:2", Meta: []string{"z", "a", "z"}}))
		require.NoError(t, s.Put(ctx, "a.one", Entry{URI: "PYRO:a1@h:1"}))
		require.NoError(t, s.Put(ctx, "b.one", Entry{URI: "PYRO:b1@h:1", Meta: []string{"m"}}))
		e, err := s.Get(ctx, "b.two")
		require.NoError(t, err)
		assert.Equal(t, Entry{URI: "PYRO:b2@h:2", Meta: []string{"a", "z"}}, e, "meta is normalized")
		n, err := s.Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)

		assert.Equal(t, []string{"a.one", "b.one", "b.two"}, names(t, s, ""))
		assert.Equal(t, []string{"b.one", "b.two"}, names(t, s, "b."))
		assert.Empty(t, names(t, s, "c"))

		// Range stops when told.
		calls := 0
		require.NoError(t, s.Range(ctx, "", func(string, Entry) bool { calls++; return false }))
		assert.Equal(t, 1, calls)

		// Overwrite keeps the count.
		require.NoError(t, s.Put(ctx, "a.one", Entry{URI: "PYRO:a1@h:9"}))
		n, _ = s.Count(ctx)
		assert.Equal(t, 3, n)

		// Update: conditional create.
		errExists := errors.New("exists")
		ifAbsent := func(e Entry) UpdateFunc {
			return func(_ Entry, exists bool) (Entry, Op, error) {
				if exists {
					return Entry{}, Keep, errExists
				}
				return e, Write, nil
			}
		}
		require.ErrorIs(t, s.Update(ctx, "a.one", ifAbsent(Entry{URI: "PYRO:new@h:1"})), errExists)
		e, _ = s.Get(ctx, "a.one")
		assert.Equal(t, "PYRO:a1@h:9", e.URI, "a failed update writes nothing")
		require.NoError(t, s.Update(ctx, "c", ifAbsent(Entry{URI: "PYRO:c@h:1"})))
		n, _ = s.Count(ctx)
		assert.Equal(t, 4, n)

		// Update sees the current entry and can delete.
		require.NoError(t, s.Update(ctx, "b.one", func(cur Entry, exists bool) (Entry, Op, error) {
			require.True(t, exists)
			assert.Equal(t, []string{"m"}, cur.Meta)
			return Entry{}, Delete, nil
		}))
		require.NoError(t, s.Update(ctx, "nope", func(_ Entry, exists bool) (Entry, Op, error) {
			assert.False(t, exists)
			return Entry{}, Delete, nil
		}))
		n, _ = s.Count(ctx)
		assert.Equal(t, 3, n)

		// Entries handed out are copies.
		e, _ = s.Get(ctx, "b.two")
		e.Meta[0] = "changed"
		e, _ = s.Get(ctx, "b.two")
		assert.Equal(t, []string{"a", "z"}, e.Meta)

		d, err := s.Delete(ctx, "a.one", "missing", "c", "a.one")
		require.NoError(t, err)
		assert.Equal(t, 2, d)
		n, _ = s.Count(ctx)
		assert.Equal(t, 1, n)

		// A cancelled context is honoured.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.Get(cctx, "b.two")
		require.ErrorIs(t, err, context.Canceled)

		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "Close is idempotent")
		_, err = s.Get(ctx, "b.two")
		require.ErrorIs(t, err, ErrClosed)
		require.ErrorIs(t, s.Put(ctx, "x", Entry{URI: "u"}), ErrClosed)
		_, err = s.Count(ctx)
		require.ErrorIs(t, err, ErrClosed)
		require.ErrorIs(t, s.Range(ctx, "", func(string, Entry) bool { return true }), ErrClosed)
		_, err = s.Delete(ctx, "b.two")
		require.ErrorIs(t, err, ErrClosed)
	})
}

// TestConcurrentUpdates checks that Update is atomic: concurrent
// increments through read-modify-write never lose one.
func TestConcurrentUpdates(t *testing.T) {
	backends(t, func(t *testing.T, open func() Storage) {
		ctx := ctxT(t)
		s := open()
		defer s.Close()
		const workers, each = 8, 25
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := s.Update(ctx, "counter", func(cur Entry, _ bool) (Entry, Op, error) {
						cur.Meta = append(cur.Meta, fmt.Sprintf("w%02d-%03d", w, i))
						return cur, Write, nil
					})
					assert.NoError(t, err)
					assert.NoError(t, s.Put(ctx, fmt.Sprintf("n%d-%d", w, i), Entry{URI: "PYRO:x@h:1"}))
				}
			}()
		}
		wg.Wait()
		e, err := s.Get(ctx, "counter")
		require.NoError(t, err)
		assert.Len(t, e.Meta, workers*each)
		n, err := s.Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1+workers*each, n)
	})
}

func TestBoltReopen(t *testing.T) {
	ctx := ctxT(t)
	path := filepath.Join(t.TempDir(), "ns.db")
	s, err := OpenBolt(path, BoltOptions{})
	require.NoError(t, err)
	assert.Equal(t, path, s.Path())
	for i := range 50 {
		require.NoError(t, s.Put(ctx, fmt.Sprintf("name.%03d", i), Entry{URI: fmt.Sprintf("PYRO:o%d@h:1", i), Meta: []string{"t" + fmt.Sprint(i%3)}}))
	}
	_, err = s.Delete(ctx, "name.000")
	require.NoError(t, err)

	// A second opener waits for the lock, then gives up.
	start := time.Now()
	_, err = OpenBolt(path, BoltOptions{LockTimeout: 100 * time.Millisecond})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	require.NoError(t, s.Close())

	s, err = OpenBolt(path, BoltOptions{})
	require.NoError(t, err)
	defer s.Close()
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, 49, n)
	e, err := s.Get(ctx, "name.049")
	require.NoError(t, err)
	assert.Equal(t, Entry{URI: "PYRO:o49@h:1", Meta: []string{"t1"}}, e)
}

func TestBoltCorruptEntry(t *testing.T) {
	ctx := ctxT(t)
	s, err := OpenBolt(filepath.Join(t.TempDir(), "ns.db"), BoltOptions{})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNames).Put([]byte("bad"), []byte{1, 200})
	}))
	_, err = s.Get(ctx, "bad")
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorIs(t, s.Range(ctx, "", func(string, Entry) bool { return true }), ErrCorrupt)
	err = s.Update(ctx, "bad", func(Entry, bool) (Entry, Op, error) { return Entry{URI: "x"}, Write, nil })
	require.ErrorIs(t, err, ErrCorrupt)
	// Put does not need the old entry, and replaces it.
	require.NoError(t, s.Put(ctx, "bad", Entry{URI: "PYRO:ok@h:1"}))
	e, err := s.Get(ctx, "bad")
	require.NoError(t, err)
	assert.Equal(t, "PYRO:ok@h:1", e.URI)
}

func TestOpen(t *testing.T) {
	for _, spec := range []string{"", "memory"} {
		s, err := Open(spec)
		require.NoError(t, err, spec)
		assert.IsType(t, &Memory{}, s)
		require.NoError(t, s.Close())
	}
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open("bolt:" + path)
	require.NoError(t, err)
	assert.IsType(t, &Bolt{}, s)
	require.NoError(t, s.Close())
	for _, spec := range []string{"dbm:/tmp/x", "sql:/tmp/x.sqlite", "bolt:", "memory:x", "redis:1", "nonsense"} {
		_, err := Open(spec)
		require.ErrorIs(t, err, ErrUnsupported, spec)
	}
	_, err = Open("dbm:/tmp/x")
	assert.Contains(t, err.Error(), "use bolt:PATH")
}

func TestEntryEncoding(t *testing.T) {
	cases := []Entry{
		{},
		{URI: "PYRO:x@localhost:9090"},
		{URI: "PYRO:x@./u:/tmp/sock", Meta: []string{"a", "b", "\x00\xff"}},
		{URI: string(make([]byte, 300)), Meta: []string{""}},
	}
	for _, e := range cases {
		b := AppendEntry([]byte("prefix"), e)
		got, err := DecodeEntry(b[len("prefix"):])
		require.NoError(t, err)
		assert.Equal(t, e, got)
	}
	for _, bad := range [][]byte{nil, {0}, {2, 0, 0}, {1}, {1, 5, 'a'}, {1, 0}, {1, 0, 1}, {1, 0, 0, 9},
		{1, 0, 200, 200, 200, 200, 200, 200, 200, 200, 200, 1}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		_, err := DecodeEntry(bad)
		require.ErrorIs(t, err, ErrCorrupt, "%x", bad)
	}
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add(AppendEntry(nil, Entry{URI: "PYRO:Pyro.NameServer@localhost:9090", Meta: []string{"class:Pyro4.naming.NameServer"}}))
	f.Add(AppendEntry(nil, Entry{}))
	f.Add([]byte{1, 0, 3, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEntry(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		// What decodes re-encodes to the same bytes.
		require.Equal(t, b, AppendEntry(nil, e))
	})
}

func TestNormalizeMeta(t *testing.T) {
	assert.Nil(t, NormalizeMeta(nil))
	assert.Nil(t, NormalizeMeta([]string{}))
	in := []string{"b", "a", "b"}
	assert.Equal(t, []string{"a", "b"}, NormalizeMeta(in))
	assert.Equal(t, []string{"b", "a", "b"}, in, "input untouched")
}
