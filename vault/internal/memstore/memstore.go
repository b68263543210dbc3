// Package memstore is an in-memory engine store for the engines' tests: a
// map under a mutex that keeps the Storage contract of vault/transit and
// vault/pki (Get, atomic Update, sorted List), with values copied in and
// out so that neither side can change the other's bytes.
package memstore

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Store is the in-memory store. Its zero value is not ready: use New.
type Store struct {
	mu sync.Mutex
	m  map[string][]byte

	// Optional hooks, set before the store is shared and called outside
	// the mutex: AfterGet once Get has read its value, AfterUpdate once
	// Update has committed. Tests use them to order concurrent calls.
	AfterGet    func(key string)
	AfterUpdate func(key string)
}

// New returns an empty Store.
func New() *Store { return &Store{m: map[string][]byte{}} }

// Get returns a copy of the value at key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	v, ok := s.m[key]
	v = bytes.Clone(v)
	s.mu.Unlock()
	if s.AfterGet != nil {
		s.AfterGet(key)
	}
	return v, ok, nil
}

// Update runs fn on a copy of the value at key and stores a copy of what it
// returns, all under the mutex.
func (s *Store) Update(ctx context.Context, key string, fn func(cur []byte, ok bool) ([]byte, bool, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	cur, ok := s.m[key]
	next, keep, err := fn(bytes.Clone(cur), ok)
	if err == nil {
		if keep {
			s.m[key] = bytes.Clone(next)
		} else {
			delete(s.m, key)
		}
	}
	s.mu.Unlock()
	if err == nil && s.AfterUpdate != nil {
		s.AfterUpdate(key)
	}
	return err
}

// List returns the keys that start with prefix, sorted.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Snapshot copies everything stored, to compare before and after a call
// that must change nothing.
func (s *Store) Snapshot() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]byte, len(s.m))
	for k, v := range s.m {
		out[k] = bytes.Clone(v)
	}
	return out
}

// Put stores value at key directly, as a crash or a hand edit would leave
// it.
func (s *Store) Put(key string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = bytes.Clone(value)
}

// Clone returns a new Store holding a copy of everything in s (hooks not
// copied).
func (s *Store) Clone() *Store { return &Store{m: s.Snapshot()} }

// Refused runs fn, which must fail with an error matching target and leave
// the store as it was (reported on t otherwise); it returns fn's error
// for further checks.
func (s *Store) Refused(t testing.TB, target error, fn func() error) error {
	t.Helper()
	before := s.Snapshot()
	err := fn()
	if !errors.Is(err, target) {
		t.Errorf("err = %v, want %v", err, target)
	}
	if !maps.EqualFunc(before, s.Snapshot(), bytes.Equal) {
		t.Errorf("a refused call (%v) changed the storage", err)
	}
	return err
}
