package repo

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// runEnv reads name through RunEnv (which writes the run cache) and
// returns its pairs.
func (f *fixture) runEnv(name string) Resolved {
	f.t.Helper()
	res, err := f.r.RunEnv(f.ctx, name, "")
	if err != nil {
		f.t.Fatalf("RunEnv(%q): %v", name, err)
	}
	return res
}

// cached reads name from the run cache alone.
func (f *fixture) cached(name string) (Resolved, bool) {
	return CachedRunEnv(f.dir, f.id, name)
}

func sameResolved(a, b Resolved) bool {
	return a.Env == b.Env && a.Head == b.Head && slices.Equal(a.Pairs, b.Pairs)
}

// runAndCache checks that RunEnv(name) gives want, and that the run cache
// then serves the same.
func (f *fixture) runAndCache(name string, want ...string) {
	f.t.Helper()
	res := f.runEnv(name)
	if !slices.Equal(res.Pairs, want) {
		f.t.Fatalf("RunEnv(%q): %v, want %v", name, res.Pairs, want)
	}
	if got, ok := f.cached(name); !ok || !sameResolved(got, res) {
		f.t.Fatalf("then the cache: %v %+v", ok, got)
	}
}

// TestRunCache: the run cache serves exactly what RunEnv returned until
// the database changes in any way, and is written again by the next
// RunEnv.
func TestRunCache(t *testing.T) {
	f := newFixture(t)
	f.set("B", "2", "A", "1", "URL", "http://${A}:${B}")
	if _, ok := f.cached("dev"); ok {
		t.Fatal("a cache before any RunEnv")
	}
	want := f.runEnv("dev")
	if !slices.Equal(want.Pairs, []string{"A=1", "B=2", "URL=http://1:2"}) || want.Env != "dev" || want.Head != object.Zero {
		t.Fatalf("RunEnv: %+v", want)
	}
	got, ok := f.cached("dev")
	if !ok || !sameResolved(got, want) {
		t.Fatalf("cached: %v %+v", ok, got)
	}

	// Each kind of change invalidates it, made through this repository or
	// another connection; the next RunEnv writes it again.
	other, err := Open(f.ctx, f.dir, f.opts(f.id))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	steps := []struct {
		name   string
		change func() error
		want   []string
	}{
		{"commit", func() error { _, err := other.Commit(f.ctx, "dev", "first"); return err }, []string{"A=1", "B=2", "URL=http://1:2"}},
		{"set", func() error { return f.r.Set(f.ctx, "dev", []Entry{{Key: "A", Value: "9"}}) }, []string{"A=9", "B=2", "URL=http://9:2"}},
		{"set --local", func() error {
			return other.SetLocal(f.ctx, "dev", []Entry{{Key: "B", Value: "mine"}, {Key: "Z", Value: "z"}})
		},
			[]string{"A=9", "B=mine", "URL=http://9:mine", "Z=z"}},
		{"unset --local", func() error { return f.r.UnsetLocal(f.ctx, "dev", []string{"Z"}) }, []string{"A=9", "B=mine", "URL=http://9:mine"}},
		{"unset", func() error { return other.Unset(f.ctx, "dev", []string{"URL"}) }, []string{"A=9", "B=mine"}},
	}
	for _, s := range steps {
		before, _ := f.cached("dev")
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got, ok := f.cached("dev"); ok {
			t.Fatalf("after %s the cache still serves %+v (was %+v)", s.name, got, before)
		}
		f.runAndCache("dev", s.want...)
	}
	if h := f.runEnv("dev").Head; h == object.Zero {
		t.Fatal("no HEAD after a commit")
	}

	// The file: 0600, no secret in clear, beside the HEAD file.
	path := runCachePath(f.dir, f.id, "dev")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("run cache file: %v %v", fi, err)
	}
	data, _ := os.ReadFile(path)
	for _, secret := range []string{"mine", "http://", "A=9"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("%q in clear in the run cache", secret)
		}
	}
}

// TestRunCacheSelection: "" (the current environment) and a name are
// cached apart; 'env use' invalidates; a git branch mapping stops the
// caching of "", and a read at a REF is never cached.
func TestRunCacheSelection(t *testing.T) {
	f := newFixture(t)
	f.set("A", "dev")
	if err := f.r.CreateEnv(f.ctx, "prod", ""); err != nil {
		t.Fatal(err)
	}
	if err := f.r.Set(f.ctx, "prod", []Entry{{Key: "A", Value: "prod"}}); err != nil {
		t.Fatal(err)
	}
	if res := f.runEnv(""); res.Env != "dev" {
		t.Fatalf("current: %+v", res)
	}
	if res, ok := f.cached(""); !ok || res.Env != "dev" {
		t.Fatalf("cached current: %v %+v", ok, res)
	}
	if _, ok := f.cached("prod"); ok {
		t.Fatal("prod served from the cache of the current environment")
	}
	if err := f.r.UseEnv(f.ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.cached(""); ok {
		t.Fatal("the current environment's cache served after 'env use'")
	}
	if res := f.runEnv(""); res.Env != "prod" || !slices.Equal(res.Pairs, []string{"A=prod"}) {
		t.Fatalf("after env use: %+v", res)
	}

	// A read at a REF is never cached.
	f.commit("one")
	f.runEnv("dev")
	if _, err := f.r.RunEnv(f.ctx, "prod", "HEAD"); err == nil {
		t.Fatal("prod has no commit, yet HEAD resolved")
	}
	if err := f.r.Set(f.ctx, "dev", []Entry{{Key: "A", Value: "two"}}); err != nil {
		t.Fatal(err)
	}
	if res, err := f.r.RunEnv(f.ctx, "dev", "HEAD"); err != nil || !slices.Equal(res.Pairs, []string{"A=dev"}) {
		t.Fatalf("at HEAD: %+v %v", res, err)
	}
	if _, ok := f.cached("dev"); ok {
		t.Fatal("a read at HEAD was cached as the working state")
	}

	// With a branch mapped, "" depends on the branch: not cached.
	branch := "main"
	mapped, err := Open(f.ctx, f.dir, Options{Identity: f.opts(f.id).Identity, Branch: func() string { return branch }})
	if err != nil {
		t.Fatal(err)
	}
	defer mapped.Close()
	if err := mapped.MapBranch(f.ctx, "main", "dev"); err != nil {
		t.Fatal(err)
	}
	res, err := mapped.RunEnv(f.ctx, "", "")
	if err != nil || res.Env != "dev" {
		t.Fatalf("mapped: %+v %v", res, err)
	}
	if _, ok := f.cached(""); ok {
		t.Fatal("a selection made by the git branch was cached")
	}
	branch = "other"
	if res, err := mapped.RunEnv(f.ctx, "", ""); err != nil || res.Env != "prod" {
		t.Fatalf("unmapped branch: %+v %v", res, err)
	}
	if _, err := mapped.RunEnv(f.ctx, "dev", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.cached("dev"); !ok {
		t.Fatal("an environment named outright was not cached with a branch mapped")
	}
}

// TestRunCacheRefuses: another identity, a damaged or swapped file, a
// write interrupted before its new generation value: no cache serves, and
// RunEnv still answers (repairing the generation file).
func TestRunCacheRefuses(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	f.runEnv("dev")
	f.runEnv("")
	path := runCachePath(f.dir, f.id, "dev")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stranger, _, _ := vault.GenerateIdentity()
	if _, ok := CachedRunEnv(f.dir, stranger, "dev"); ok {
		t.Fatal("another identity read the cache")
	}
	// Under the stranger's file name, the file still does not open.
	os.WriteFile(runCachePath(f.dir, stranger, "dev"), good, 0o600)
	if _, ok := CachedRunEnv(f.dir, stranger, "dev"); ok {
		t.Fatal("another identity opened a copied cache")
	}
	// The cache of "" moved to the name "dev" (same identity): the
	// selection is bound in the associated data.
	cur, _ := os.ReadFile(runCachePath(f.dir, f.id, ""))
	os.WriteFile(path, cur, 0o600)
	if _, ok := f.cached("dev"); ok {
		t.Fatal("the cache of another selection served")
	}
	for i := range len(good) {
		bad := bytes.Clone(good)
		bad[i] ^= 0x20
		os.WriteFile(path, bad, 0o600)
		if _, ok := f.cached("dev"); ok {
			t.Fatalf("byte %d flipped, the cache still served", i)
		}
	}
	os.WriteFile(path, good[:len(good)-1], 0o600)
	if _, ok := f.cached("dev"); ok {
		t.Fatal("a truncated cache served")
	}
	os.WriteFile(path, good, 0o600)
	if _, ok := f.cached("dev"); !ok {
		t.Fatal("the good file no longer serves")
	}

	// A write that crashed after its zeros: nothing serves until RunEnv
	// repairs the generation file and writes the cache again.
	gen := filepath.Join(f.dir, DirName, DBName+"-gen")
	os.WriteFile(gen, make([]byte, 16), 0o600)
	if _, ok := f.cached("dev"); ok {
		t.Fatal("served during an interrupted write")
	}
	f.runAndCache("dev", "A=1") // and repairs the generation file
}

// TestRunCacheNeverStale races a writer against readers on other
// connections: a reader never gets a value older than the last one whose
// write had returned before its read began.
func TestRunCacheNeverStale(t *testing.T) {
	f := newFixture(t)
	f.set("N", "0")
	var committed atomic.Int64 // the newest value whose Set has returned
	const writes = 60
	var wg sync.WaitGroup
	for range 2 {
		reader, err := Open(f.ctx, f.dir, Options{Identity: f.opts(f.id).Identity, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			fromCache := 0
			for committed.Load() < writes {
				floor := committed.Load()
				res, ok := CachedRunEnv(f.dir, f.id, "dev")
				if ok {
					fromCache++
				} else {
					var err error
					if res, err = reader.RunEnv(f.ctx, "dev", ""); err != nil {
						t.Error(err)
						return
					}
				}
				n, err := strconv.Atoi(res.Pairs[0][len("N="):])
				if err != nil || int64(n) < floor {
					t.Errorf("read N=%s (cache: %v) after N=%d was written", res.Pairs[0], ok, floor)
					return
				}
			}
			if fromCache == 0 {
				t.Error("the cache never served")
			}
		}()
	}
	for i := 1; i <= writes; i++ {
		if err := f.r.Set(f.ctx, "dev", []Entry{{Key: "N", Value: strconv.Itoa(i)}}); err != nil {
			t.Fatal(err)
		}
		committed.Store(int64(i))
		if i%10 == 0 {
			// Give the readers a quiet moment in which the cache serves.
			for range 50 {
				if _, ok := CachedRunEnv(f.dir, f.id, "dev"); ok {
					break
				}
				f.r.store.View(f.ctx, func(*sqlite.Tx) error { return nil })
			}
		}
	}
	wg.Wait()
}

// TestRunCacheWriteDuringRead: a commit that lands while RunEnv reads
// (after its first stamp, before its second) keeps it from writing a
// cache of what it read.
func TestRunCacheWriteDuringRead(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	other, err := Open(f.ctx, f.dir, f.opts(f.id))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	f.r.afterRunRead = func() {
		f.r.afterRunRead = nil
		if err := other.Set(f.ctx, "dev", []Entry{{Key: "A", Value: "2"}}); err != nil {
			t.Fatal(err)
		}
	}
	if res := f.runEnv("dev"); !slices.Equal(res.Pairs, []string{"A=1"}) {
		t.Fatalf("RunEnv: %+v", res)
	}
	if res, ok := f.cached("dev"); ok {
		t.Fatalf("the cache serves %v after A=2 was committed", res.Pairs)
	}
	f.runAndCache("dev", "A=2")
}

// TestRunCacheWhenNot: a write removes every run cache (no sealed copy of
// a deleted environment lingers); nothing is cached from a Repository that
// cannot see git branches (for ""), from an immutable (read-only folder)
// or older-schema database.
func TestRunCacheWhenNot(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	f.runEnv("dev")
	f.runEnv("")
	stranger, _, _ := vault.GenerateIdentity()
	os.WriteFile(runCachePath(f.dir, stranger, "x"), []byte("other identity's"), 0o600)
	tmp := runCachePath(f.dir, f.id, "dev") + ".tmp123"
	os.WriteFile(tmp, []byte("being written"), 0o600)
	if err := f.r.UseEnv(f.ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(f.dir, DirName, runCachePrefix+"*"))
	if !slices.Equal(left, []string{tmp}) {
		t.Fatalf("after a write: %v", left)
	}
	os.Remove(tmp)

	noBranch, err := Open(f.ctx, f.dir, Options{Identity: f.opts(f.id).Identity})
	if err != nil {
		t.Fatal(err)
	}
	defer noBranch.Close()
	if _, err := noBranch.RunEnv(f.ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.cached(""); ok {
		t.Fatal("a Repository blind to git branches cached the current environment")
	}
	if _, err := noBranch.RunEnv(f.ctx, "dev", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.cached("dev"); !ok {
		t.Fatal("an environment named outright was not cached")
	}
	for _, why := range []string{"outdated", "immutable"} {
		f.set("A", why) // removes the caches
		if why == "outdated" {
			// This database, to a build that writes the next version.
			sqlite.SchemaVersion++
		}
		ro, err := Open(f.ctx, f.dir, Options{Identity: f.opts(f.id).Identity, ReadOnly: true})
		if why == "outdated" {
			sqlite.SchemaVersion--
		}
		if err != nil {
			t.Fatal(err)
		}
		if why == "immutable" {
			ro.store.SetImmutableForTest()
		} else if !ro.Outdated() {
			t.Fatal("not outdated")
		}
		if res, err := ro.RunEnv(f.ctx, "dev", ""); err != nil || res.Pairs[0] != "A="+why {
			t.Fatalf("%s: %+v %v", why, res, err)
		}
		ro.Close()
		if _, ok := f.cached("dev"); ok {
			t.Fatalf("cached from an %s database", why)
		}
	}
}
