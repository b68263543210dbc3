package pki

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
)

// memStorage is an in-memory Storage for tests: a map under a mutex, Update
// atomic under it, values copied in and out so that neither side can change
// the other's bytes.
type memStorage struct {
	mu sync.Mutex
	m  map[string][]byte

	// Optional hooks, set before the storage is shared and called outside
	// the mutex: afterGet once Get has read its value, afterUpdate once
	// Update has committed. Tests use them to order concurrent calls.
	afterGet    func(key string)
	afterUpdate func(key string)
}

func newMemStorage() *memStorage { return &memStorage{m: map[string][]byte{}} }

func (s *memStorage) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	v, ok := s.m[key]
	v = bytes.Clone(v)
	s.mu.Unlock()
	if s.afterGet != nil {
		s.afterGet(key)
	}
	return v, ok, nil
}

func (s *memStorage) Update(ctx context.Context, key string, fn func(cur []byte, ok bool) ([]byte, bool, error)) error {
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
	if err == nil && s.afterUpdate != nil {
		s.afterUpdate(key)
	}
	return err
}

func (s *memStorage) List(ctx context.Context, prefix string) ([]string, error) {
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

