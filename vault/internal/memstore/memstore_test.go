package memstore

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"
)

// TestStore checks the store against the Storage contract the engines'
// tests rely on.
func TestStore(t *testing.T) {
	ctx := t.Context()
	s := New()
	if _, ok, err := s.Get(ctx, "p/a"); ok || err != nil {
		t.Fatalf("Get of nothing: ok=%v, err=%v", ok, err)
	}
	put := func(key, val string) {
		t.Helper()
		err := s.Update(ctx, key, func([]byte, bool) ([]byte, bool, error) { return []byte(val), true, nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	put("p/b", "B")
	put("p/a", "A")
	put("q/c", "C")

	// Values are copies both ways.
	v, ok, err := s.Get(ctx, "p/a")
	if !ok || err != nil || string(v) != "A" {
		t.Fatalf("Get: %q, %v, %v", v, ok, err)
	}
	v[0] = 'X'
	if v, _, _ := s.Get(ctx, "p/a"); string(v) != "A" {
		t.Fatalf("changing a returned value changed the stored one: %q", v)
	}

	// A failing fn changes nothing; keep=false deletes.
	before := s.Snapshot()
	boom := errors.New("boom")
	if err := s.Update(ctx, "p/a", func(cur []byte, ok bool) ([]byte, bool, error) {
		cur[0] = 'Y' // the copy handed to fn, not the stored value
		return nil, false, boom
	}); err != boom {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if !maps.EqualFunc(before, s.Snapshot(), bytes.Equal) {
		t.Fatal("a failed Update changed the store")
	}
	if err := s.Update(ctx, "p/b", func([]byte, bool) ([]byte, bool, error) { return nil, false, nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, "p/b"); ok {
		t.Fatal("keep=false did not delete")
	}
	put("p/0", "0")
	if got, _ := s.List(ctx, "p/"); !slices.Equal(got, []string{"p/0", "p/a"}) {
		t.Fatalf("List: %q", got)
	}

	// Put writes directly; a clone does not see later writes.
	s.Put("p/z", []byte("Z"))
	if v, _, _ := s.Get(ctx, "p/z"); string(v) != "Z" {
		t.Fatalf("Put: %q", v)
	}
	c := s.Clone()
	put("p/y", "Y")
	if _, ok, _ := c.Get(ctx, "p/y"); ok {
		t.Fatal("a clone sees later writes to its original")
	}
}
