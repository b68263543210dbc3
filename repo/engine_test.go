package repo

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/egide/egide/vault"
)

func TestEngineStore(t *testing.T) {
	f := newFixture(t)
	s := f.r.Engine("transit")
	if v, ok, err := s.Get(f.ctx, "policy/none"); v != nil || ok || err != nil {
		t.Fatalf("get before first use = %q, %v, %v", v, ok, err)
	}
	if names, err := s.List(f.ctx, ""); err != nil || len(names) != 0 {
		t.Fatalf("list before first use = %v, %v", names, err)
	}
	put := func(key, value string) {
		t.Helper()
		err := s.Update(f.ctx, key, func(cur []byte, ok bool) ([]byte, bool, error) { return []byte(value), true, nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	put("policy/alpha", "PLANTED-ENGINE-VALUE-1")
	put("policy/beta", "two")
	put("other/x", "three")
	put("policy/alpha", "PLANTED-ENGINE-VALUE-2") // replace

	// Update hands fn the current value; an error from fn changes nothing.
	err := s.Update(f.ctx, "policy/beta", func(cur []byte, ok bool) ([]byte, bool, error) {
		if !ok || string(cur) != "two" {
			t.Errorf("fn got %q, %v", cur, ok)
		}
		return nil, false, errors.New("refused")
	})
	if err == nil || err.Error() != "refused" {
		t.Fatalf("update with failing fn: %v", err)
	}
	if v, ok, _ := s.Get(f.ctx, "policy/beta"); !ok || string(v) != "two" {
		t.Fatalf("beta after a refused update = %q, %v", v, ok)
	}
	if names, err := s.List(f.ctx, "policy/"); err != nil || !reflect.DeepEqual(names, []string{"policy/alpha", "policy/beta"}) {
		t.Fatalf("list policy/ = %v, %v", names, err)
	}
	// keep=false deletes.
	if err := s.Update(f.ctx, "other/x", func([]byte, bool) ([]byte, bool, error) { return nil, false, nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(f.ctx, "other/x"); ok {
		t.Fatal("deleted entry still there")
	}

	// Another process (a second Repository on the same files) reads it.
	f.r.Close()
	r2, err := Open(f.ctx, f.dir, f.opts(f.id))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if v, ok, err := r2.Engine("transit").Get(f.ctx, "policy/alpha"); err != nil || !ok || string(v) != "PLANTED-ENGINE-VALUE-2" {
		t.Fatalf("reopened get = %q, %v, %v", v, ok, err)
	}
	// Engines are separate.
	if _, ok, err := r2.Engine("pki").Get(f.ctx, "policy/alpha"); ok || err != nil {
		t.Fatalf("another engine sees transit's entry: %v, %v", ok, err)
	}
	if rep, err := r2.Fsck(f.ctx); err != nil || !rep.OK() {
		t.Fatalf("fsck: %+v, %v", rep, err)
	}

	// Neither names nor values are in the database file in the clear.
	r2.Close()
	for _, file := range []string{DBName, DBName + "-wal"} {
		b, err := os.ReadFile(filepath.Join(f.dir, DirName, file))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, planted := range []string{"PLANTED-ENGINE-VALUE", "policy/alpha", "policy/beta"} {
			if bytes.Contains(b, []byte(planted)) {
				t.Errorf("%s holds %q in the clear", file, planted)
			}
		}
	}
}

func TestEngineStoreNotRecipientAndTampering(t *testing.T) {
	f := newFixture(t)
	s := f.r.Engine("transit")
	if err := s.Update(f.ctx, "policy/k", func([]byte, bool) ([]byte, bool, error) { return []byte("v"), true, nil }); err != nil {
		t.Fatal(err)
	}
	other, _, _ := vault.GenerateIdentity()
	r2, err := Open(f.ctx, f.dir, f.opts(other))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r2.Engine("transit").Get(f.ctx, "policy/k"); !errors.Is(err, ErrNoEngineKey) {
		t.Fatalf("non-member get: %v", err)
	}
	r2.Close()
	f.r.Close()

	db, err := sql.Open("sqlite", filepath.Join(f.dir, DirName, DBName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var data []byte
	if err := db.QueryRow("SELECT data FROM engine_entries").Scan(&data); err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if _, err := db.Exec("UPDATE engine_entries SET data = ?", data); err != nil {
		t.Fatal(err)
	}
	r3, err := Open(f.ctx, f.dir, f.opts(f.id))
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Close()
	if _, _, err := r3.Engine("transit").Get(f.ctx, "policy/k"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("get of a tampered entry: %v", err)
	}
	rep, err := r3.Fsck(f.ctx)
	if err != nil || rep.OK() || rep.Problems[0].Object != "engine transit" {
		t.Fatalf("fsck of a tampered entry: %+v, %v", rep, err)
	}
}

// Concurrent read-modify-writes through separate Repositories (separate
// connections, as separate processes have) lose no update.
func TestEngineStoreSerializesUpdates(t *testing.T) {
	f := newFixture(t)
	const workers, each = 4, 10
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		r, err := Open(f.ctx, f.dir, f.opts(f.id))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := r.Engine("transit").Update(f.ctx, "counter", func(cur []byte, ok bool) ([]byte, bool, error) {
					return append(cur, 'x'), true, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	v, _, err := f.r.Engine("transit").Get(f.ctx, "counter")
	if err != nil || len(v) != workers*each {
		t.Fatalf("counter = %d bytes, %v; want %d", len(v), err, workers*each)
	}
}
