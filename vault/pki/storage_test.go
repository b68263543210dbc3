package pki

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

// snapshot copies everything stored, to compare before and after a call
// that must change nothing.
func (s *memStorage) snapshot() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]byte, len(s.m))
	for k, v := range s.m {
		out[k] = bytes.Clone(v)
	}
	return out
}

// put stores value at key directly, as a crash or a hand edit would leave
// it.
func (s *memStorage) put(key string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = bytes.Clone(value)
}

// clone returns a new storage holding a copy of everything in s.
func (s *memStorage) clone() *memStorage {
	return &memStorage{m: s.snapshot()}
}

var _ Storage = (*memStorage)(nil)

// TestMemStorage checks the test storage against the Storage contract the
// other tests rely on.
func TestMemStorage(t *testing.T) {
	ctx := t.Context()
	s := newMemStorage()
	if _, ok, err := s.Get(ctx, "ca/a"); ok || err != nil {
		t.Fatalf("Get of nothing: ok=%v, err=%v", ok, err)
	}
	put := func(key, val string) {
		t.Helper()
		err := s.Update(ctx, key, func([]byte, bool) ([]byte, bool, error) { return []byte(val), true, nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	put("ca/b", "B")
	put("ca/a", "A")
	put("role/c", "C")

	v, ok, err := s.Get(ctx, "ca/a")
	if !ok || err != nil || string(v) != "A" {
		t.Fatalf("Get: %q, %v, %v", v, ok, err)
	}
	v[0] = 'X'
	if v, _, _ := s.Get(ctx, "ca/a"); string(v) != "A" {
		t.Fatalf("changing a returned value changed the stored one: %q", v)
	}

	before := s.snapshot()
	boom := errors.New("boom")
	if err := s.Update(ctx, "ca/a", func(cur []byte, ok bool) ([]byte, bool, error) {
		cur[0] = 'Y' // the copy handed to fn, not the stored value
		return nil, false, boom
	}); err != boom {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if !maps.EqualFunc(before, s.snapshot(), bytes.Equal) {
		t.Fatal("a failed Update changed the storage")
	}
	if err := s.Update(ctx, "ca/b", func([]byte, bool) ([]byte, bool, error) { return nil, false, nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, "ca/b"); ok {
		t.Fatal("keep=false did not delete")
	}
	put("ca/0", "0")
	if got, _ := s.List(ctx, "ca/"); !slices.Equal(got, []string{"ca/0", "ca/a"}) {
		t.Fatalf("List: %q", got)
	}
	c := s.clone()
	put("ca/z", "Z")
	if _, ok, _ := c.Get(ctx, "ca/z"); ok {
		t.Fatal("a clone sees later writes to its original")
	}
}
