package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Memory is a volatile in-memory storage: stopping the name server forgets
// everything. The zero value is not usable; call NewMemory.
type Memory struct {
	mu     sync.RWMutex
	m      map[string]Entry
	closed bool
}

var _ Storage = (*Memory)(nil)

// NewMemory returns an empty in-memory storage.
func NewMemory() *Memory { return &Memory{m: make(map[string]Entry)} }

// Get implements Storage.
func (s *Memory) Get(ctx context.Context, name string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Entry{}, ErrClosed
	}
	e, ok := s.m[name]
	if !ok {
		return Entry{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return e.Clone(), nil
}

// Put implements Storage.
func (s *Memory) Put(ctx context.Context, name string, e Entry) error {
	return s.Update(ctx, name, func(Entry, bool) (Entry, Op, error) { return e, Write, nil })
}

// Update implements Storage.
func (s *Memory) Update(ctx context.Context, name string, fn UpdateFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	cur, ok := s.m[name]
	next, op, err := fn(cur.Clone(), ok)
	if err != nil {
		return err
	}
	switch op {
	case Write:
		next = next.Clone()
		next.Meta = NormalizeMeta(next.Meta)
		s.m[name] = next
	case Delete:
		delete(s.m, name)
	}
	return nil
}

// Delete implements Storage.
func (s *Memory) Delete(ctx context.Context, names ...string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	n := 0
	for _, name := range names {
		if _, ok := s.m[name]; ok {
			delete(s.m, name)
			n++
		}
	}
	return n, nil
}

// Range implements Storage. The snapshot is taken under the lock; fn runs
// without it.
func (s *Memory) Range(ctx context.Context, prefix string, fn func(string, Entry) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	type item struct {
		name string
		e    Entry
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	items := make([]item, 0, len(s.m))
	for name, e := range s.m {
		if strings.HasPrefix(name, prefix) {
			items = append(items, item{name, e}) // entries are never mutated in place
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.name, b.name) })
	for _, it := range items {
		if !fn(it.name, it.e.Clone()) {
			return nil
		}
	}
	return ctx.Err()
}

// Count implements Storage.
func (s *Memory) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, ErrClosed
	}
	return len(s.m), nil
}

// Close implements Storage; the entries are dropped.
func (s *Memory) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.m = nil
	return nil
}
