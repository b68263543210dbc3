//go:build unix

package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/egide/egide/repo/object"
	"golang.org/x/sys/unix"
)

func newStampDB(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "egide.db")
	s, err := Open(context.Background(), path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func put(t *testing.T, s *Store, data string) {
	t.Helper()
	err := s.Update(context.Background(), func(tx *Tx) error {
		return tx.PutObject(object.Hash([]byte(data)), []byte(data))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustStamp(t *testing.T, path string) Stamp {
	t.Helper()
	st, ok := ReadStamp(path)
	if !ok {
		t.Fatal("no stamp")
	}
	return st
}

// TestStampFollowsWrites: every write changes the stamp, reads do not,
// and between a write's COMMIT and its new value there is no stamp.
func TestStampFollowsWrites(t *testing.T) {
	ctx := context.Background()
	s, path := newStampDB(t)
	if SchemaVersion < 6 {
		t.Fatalf("schema %d: the generation file needs version 6 to keep older builds out", SchemaVersion)
	}
	fi, err := os.Stat(genPath(path))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != genSize {
		t.Fatalf("generation file: %v, %v", fi, err)
	}
	a := mustStamp(t, path)
	if err := s.View(ctx, func(tx *Tx) error { _, _, err := tx.Meta("x"); return err }); err != nil {
		t.Fatal(err)
	}
	if mustStamp(t, path) != a {
		t.Fatal("a read changed the stamp")
	}
	// A second connection, as another process would have, sees its
	// writes change the stamp too.
	other, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	put(t, other, "one")
	b := mustStamp(t, path)
	if b == a {
		t.Fatal("a write left the stamp as it was")
	}
	var during []bool
	s.afterCommit = func() {
		_, ok := ReadStamp(path)
		during = append(during, ok)
	}
	put(t, s, "two")
	if len(during) != 1 || during[0] {
		t.Fatalf("a stamp was readable between COMMIT and the new value: %v", during)
	}
	if c := mustStamp(t, path); c == b || c == a {
		t.Fatal("the stamp did not change")
	}
	// A failed write may have changed nothing, but it did not commit
	// either: the stamp may stay.
	s.afterCommit = nil
	wantErr := errors.New("no")
	if err := s.Update(ctx, func(tx *Tx) error { return wantErr }); !errors.Is(err, wantErr) {
		t.Fatal(err)
	}
	if _, ok := ReadStamp(path); !ok {
		t.Fatal("a rolled-back write left no stamp")
	}
}

// TestStampCrashAndRepair: a write interrupted between its zeros and its
// new value leaves no stamp until a repair or the next write; a repair
// waits for a writer that holds the lock.
func TestStampCrashAndRepair(t *testing.T) {
	s, path := newStampDB(t)
	put(t, s, "one")
	if err := os.WriteFile(genPath(path), make([]byte, genSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := ReadStamp(path); ok {
		t.Fatal("zeros read as a stamp")
	}
	// A writer in progress (another process's lock) holds the repair off.
	f, err := os.OpenFile(genPath(path), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if err := RepairStamp(path); err != nil {
		t.Fatal(err)
	}
	if _, ok := ReadStamp(path); ok {
		t.Fatal("repaired under a writer's lock")
	}
	f.Close()
	if err := RepairStamp(path); err != nil {
		t.Fatal(err)
	}
	a := mustStamp(t, path)
	if err := RepairStamp(path); err != nil {
		t.Fatal(err)
	}
	if mustStamp(t, path) != a {
		t.Fatal("a repair replaced a good value")
	}
	// Malformed files: too long, too short.
	for _, data := range [][]byte{make([]byte, genSize+1), []byte("short")} {
		copy(data, "x")
		os.WriteFile(genPath(path), data, 0o600)
		if _, ok := ReadStamp(path); ok {
			t.Fatalf("%d-byte generation file read as a stamp", len(data))
		}
		if err := RepairStamp(path); err != nil {
			t.Fatal(err)
		}
		mustStamp(t, path)
	}
	// A missing file is not re-created by a reader: a writer may still
	// hold the one that was removed. The next write creates it, also
	// through a Store that had the removed one open.
	os.Remove(genPath(path))
	if err := RepairStamp(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(genPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a reader created the generation file: %v", err)
	}
	put(t, s, "two")
	mustStamp(t, path)
	// So does the next write after a crash.
	os.WriteFile(genPath(path), make([]byte, genSize), 0o600)
	put(t, s, "three")
	mustStamp(t, path)
}

// TestStampWritersTakeTurns: a second writer cannot write its zeros while
// the first is between its COMMIT and its new value; else the first's late
// value would cover the second's pending commit.
func TestStampWritersTakeTurns(t *testing.T) {
	ctx := context.Background()
	a, path := newStampDB(t)
	b, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	reached := make(chan struct{}, 1)
	aDone := make(chan struct{})
	var stampAtB []bool
	b.beforeCommit = func() {
		reached <- struct{}{}
		<-aDone
		// b's zeros are written and b has not committed: no stamp.
		_, ok := ReadStamp(path)
		stampAtB = append(stampAtB, ok)
	}
	bErr := make(chan error, 1)
	a.afterCommit = func() {
		go func() {
			bErr <- b.Update(ctx, func(tx *Tx) error { return tx.PutObject(object.Hash([]byte("b")), []byte("b")) })
		}()
		// b must wait for a's lock; give it time to (wrongly) get past.
		select {
		case <-reached:
		case <-time.After(300 * time.Millisecond):
		}
	}
	put(t, a, "a")
	close(aDone)
	if err := <-bErr; err != nil {
		t.Fatal(err)
	}
	if len(stampAtB) != 1 || stampAtB[0] {
		t.Fatalf("a stamp was readable while b's commit was pending: %v", stampAtB)
	}
	mustStamp(t, path)
}

// TestStampUpgrade: a version 5 database gets its generation file when a
// writable open migrates it; read-only, it is read as it is, and stamps
// nothing (its writers may be older builds).
func TestStampUpgrade(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "egide.db")
	SchemaVersion = 5
	s, err := Open(ctx, path, Options{Create: true})
	SchemaVersion = len(migrations)
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, "one")
	s.Close()
	os.Remove(genPath(path))
	if _, ok := ReadStamp(path); ok {
		t.Fatal("a stamp before any generation file")
	}
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of version 5: %v", err)
	}
	if !ro.Outdated() {
		t.Fatal("version 5 not reported outdated")
	}
	ro.Close()
	if _, err := os.Stat(genPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a read-only open created the generation file")
	}
	rw, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if rw.Outdated() {
		t.Fatal("still outdated after a writable open")
	}
	mustStamp(t, path)
}

// TestGenerationFileOwner: created by root, the generation file goes to
// the database's owner, who could otherwise no longer write.
func TestGenerationFileOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to hand a file to another user")
	}
	s, path := newStampDB(t)
	s.Close()
	if err := os.Chown(path, 4321, 4322); err != nil {
		t.Fatal(err)
	}
	os.Remove(genPath(path))
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put(t, s, "one")
	var st unix.Stat_t
	if err := unix.Stat(genPath(path), &st); err != nil || st.Uid != 4321 || st.Gid != 4322 {
		t.Fatalf("generation file owned by %d:%d (%v), want 4321:4322", st.Uid, st.Gid, err)
	}
}

// TestStampSeesReplacedDatabase: a database file put back by hand, even
// with its times preserved, does not match the stamp taken before.
func TestStampSeesReplacedDatabase(t *testing.T) {
	s, path := newStampDB(t)
	put(t, s, "one")
	s.Close()
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	a := mustStamp(t, path)
	time.Sleep(20 * time.Millisecond) // past a coarse clock's tick
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if b, ok := ReadStamp(path); ok && b == a {
		t.Fatal("the stamp did not see the database rewritten")
	}
}

// TestStampWritersSerialize: writers on separate connections take turns
// on the generation file's lock, and each leaves a new stamp.
func TestStampWritersSerialize(t *testing.T) {
	ctx := context.Background()
	_, path := newStampDB(t)
	var wg sync.WaitGroup
	seen := map[Stamp]bool{}
	var mu sync.Mutex
	for w := range 3 {
		st, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				err := st.Update(ctx, func(tx *Tx) error {
					d := []byte{byte(w), byte(i)}
					return tx.PutObject(object.Hash(d), d)
				})
				if err != nil {
					t.Error(err)
					return
				}
				if s, ok := ReadStamp(path); ok {
					mu.Lock()
					seen[s] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if _, ok := ReadStamp(path); !ok {
		t.Fatal("no stamp after the writers")
	}
	if len(seen) < 2 {
		t.Fatalf("writers saw %d distinct stamps", len(seen))
	}
}

// TestStampSurvivesReaders: opening the database to read, as root too
// (SQLite then chowns the WAL, which changes its ctime), leaves the stamp
// as it was.
func TestStampSurvivesReaders(t *testing.T) {
	ctx := context.Background()
	s, path := newStampDB(t)
	put(t, s, "one")
	s.Close()
	a := mustStamp(t, path)
	for _, o := range []Options{{ReadOnly: true}, {}} {
		time.Sleep(10 * time.Millisecond)
		r, err := Open(ctx, path, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.View(ctx, func(tx *Tx) error { _, _, err := tx.Meta("project"); return err }); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if b := mustStamp(t, path); b != a {
			t.Fatalf("a read (%+v) changed the stamp:\n%x\n%x", o, a, b)
		}
	}
}
