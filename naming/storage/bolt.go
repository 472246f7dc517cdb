package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketNames is the bbolt bucket that maps names to encoded entries.
var bucketNames = []byte("flint.naming.v1")

// maxBoltKey is bbolt's key size limit.
const maxBoltKey = bolt.MaxKeySize

// BoltOptions tune a Bolt storage. The zero value is the recommended
// configuration.
type BoltOptions struct {
	// LockTimeout bounds the wait for the file lock held by another
	// process; default 2 seconds.
	LockTimeout time.Duration
	// MaxBatch bounds how many writes share one transaction; default 512.
	MaxBatch int
}

// Bolt is a storage in a bbolt file. Writes from concurrent callers are
// grouped into shared transactions (group commit): a write waits for no
// timer, only for the transaction in progress, so a lone writer pays one
// commit and many writers share one. Each call returns only after the
// transaction holding its write is committed and synced, so a crash, even
// kill -9, loses nothing that was acknowledged.
type Bolt struct {
	db       *bolt.DB
	maxBatch int
	reqs     chan *boltReq
	quit     chan struct{}
	done     chan struct{}
	count    atomic.Int64
	closeMu  sync.Once
	closeErr error
}

var _ Storage = (*Bolt)(nil)

type boltReq struct {
	apply func(b *bolt.Bucket) (delta int, err error)
	res   chan boltRes
}

type boltRes struct {
	delta int
	err   error
}

// OpenBolt opens (or creates) the bbolt file at path.
func OpenBolt(path string, opts BoltOptions) (*Bolt, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("naming/storage: open bolt file %s: %w", path, err)
	}
	var n int
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketNames)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("naming/storage: prepare bolt file %s: %w", path, err)
	}
	s := &Bolt{db: db, maxBatch: opts.MaxBatch, reqs: make(chan *boltReq), quit: make(chan struct{}), done: make(chan struct{})}
	s.count.Store(int64(n))
	go s.commitLoop()
	return s, nil
}

// Path returns the file name.
func (s *Bolt) Path() string { return s.db.Path() }

// commitLoop is the only writer. It takes one request, adds every request
// already waiting (up to maxBatch), and commits them in one transaction.
// A request whose apply fails has written nothing, so it does not affect
// the others in its transaction.
func (s *Bolt) commitLoop() {
	defer close(s.done)
	batch := make([]*boltReq, 0, s.maxBatch)
	results := make([]boltRes, 0, s.maxBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		case <-s.quit:
			return
		}
	fill:
		for len(batch) < s.maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		results = results[:0]
		total := 0
		err := s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketNames)
			if b == nil {
				return fmt.Errorf("%w: bucket missing", ErrCorrupt)
			}
			for _, r := range batch {
				d, err := r.apply(b)
				var ae *abortError
				if errors.As(err, &ae) {
					return ae.err // roll back the whole transaction
				}
				if err == nil {
					total += d
				}
				results = append(results, boltRes{delta: d, err: err})
			}
			return nil
		})
		if err != nil {
			err = fmt.Errorf("naming/storage: bolt commit: %w", err)
			for i := range batch {
				batch[i].res <- boltRes{err: err}
			}
			continue
		}
		s.count.Add(int64(total))
		for i, r := range batch {
			r.res <- results[i]
		}
	}
}

// abortError is returned by an apply function when bbolt itself failed
// part way through a write: the whole transaction is rolled back and every
// request in it gets the error, so no partial write is ever committed.
type abortError struct{ err error }

func (e *abortError) Error() string { return e.err.Error() }

// write hands apply to the commit loop and waits for the commit. If ctx
// ends first, the write may still be committed later.
func (s *Bolt) write(ctx context.Context, apply func(b *bolt.Bucket) (int, error)) (int, error) {
	r := &boltReq{apply: apply, res: make(chan boltRes, 1)}
	select {
	case s.reqs <- r:
	case <-s.quit:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case res := <-r.res:
		return res.delta, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (s *Bolt) isClosed() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

// Get implements Storage.
func (s *Bolt) Get(ctx context.Context, name string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	if s.isClosed() {
		return Entry{}, ErrClosed
	}
	var e Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNames)
		if b == nil {
			return fmt.Errorf("%w: bucket missing", ErrCorrupt)
		}
		v := b.Get([]byte(name))
		if v == nil {
			return fmt.Errorf("%w: %q", ErrNotFound, name)
		}
		var err error
		e, err = DecodeEntry(v)
		return err
	})
	return e, s.mapErr(err)
}

func (s *Bolt) mapErr(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// Put implements Storage. It does not read the old entry, so it also
// replaces one that can no longer be decoded.
func (s *Bolt) Put(ctx context.Context, name string, e Entry) error {
	if err := checkName(name); err != nil {
		return err
	}
	if len(name) > maxBoltKey {
		return fmt.Errorf("%w: name longer than %d bytes", ErrInvalid, maxBoltKey)
	}
	key := []byte(name)
	e.Meta = NormalizeMeta(e.Meta)
	val := AppendEntry(nil, e)
	_, err := s.write(ctx, func(b *bolt.Bucket) (int, error) {
		exists := b.Get(key) != nil
		if err := b.Put(key, val); err != nil {
			return 0, &abortError{err}
		}
		if exists {
			return 0, nil
		}
		return 1, nil
	})
	return s.mapErr(err)
}

// Update implements Storage. fn runs inside the write transaction.
func (s *Bolt) Update(ctx context.Context, name string, fn UpdateFunc) error {
	if err := checkName(name); err != nil {
		return err
	}
	if len(name) > maxBoltKey {
		return fmt.Errorf("%w: name longer than %d bytes", ErrInvalid, maxBoltKey)
	}
	key := []byte(name)
	_, err := s.write(ctx, func(b *bolt.Bucket) (int, error) {
		var cur Entry
		v := b.Get(key)
		exists := v != nil
		if exists {
			var err error
			if cur, err = DecodeEntry(v); err != nil {
				return 0, err
			}
		}
		next, op, err := fn(cur, exists)
		if err != nil {
			return 0, err
		}
		switch op {
		case Write:
			next.Meta = NormalizeMeta(next.Meta)
			if err := b.Put(key, AppendEntry(nil, next)); err != nil {
				return 0, &abortError{err}
			}
			if !exists {
				return 1, nil
			}
		case Delete:
			if exists {
				if err := b.Delete(key); err != nil {
					return 0, &abortError{err}
				}
				return -1, nil
			}
		}
		return 0, nil
	})
	return s.mapErr(err)
}

// Delete implements Storage; all the names go in one transaction.
func (s *Bolt) Delete(ctx context.Context, names ...string) (int, error) {
	if len(names) == 0 {
		return 0, ctx.Err()
	}
	d, err := s.write(ctx, func(b *bolt.Bucket) (int, error) {
		n := 0
		for _, name := range names {
			k := []byte(name)
			if len(k) == 0 || b.Get(k) == nil {
				continue
			}
			if err := b.Delete(k); err != nil {
				return 0, &abortError{err}
			}
			n--
		}
		return n, nil
	})
	return -d, s.mapErr(err)
}

// Range implements Storage. The matching entries are read in one read
// transaction and fn runs after it has ended, so a slow fn never holds
// the file.
func (s *Bolt) Range(ctx context.Context, prefix string, fn func(string, Entry) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosed() {
		return ErrClosed
	}
	type item struct {
		name string
		e    Entry
	}
	var items []item
	p := []byte(prefix)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNames)
		if b == nil {
			return fmt.Errorf("%w: bucket missing", ErrCorrupt)
		}
		c := b.Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			e, err := DecodeEntry(v)
			if err != nil {
				return fmt.Errorf("%w (name %q)", err, k)
			}
			items = append(items, item{string(k), e})
		}
		return nil
	})
	if err != nil {
		return s.mapErr(err)
	}
	for _, it := range items {
		if !fn(it.name, it.e) {
			return nil
		}
	}
	return ctx.Err()
}

// Count implements Storage.
func (s *Bolt) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if s.isClosed() {
		return 0, ErrClosed
	}
	return int(s.count.Load()), nil
}

// Close stops the commit loop after the transaction in progress and
// closes the file.
func (s *Bolt) Close() error {
	s.closeMu.Do(func() {
		close(s.quit)
		<-s.done
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}
