package repo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	dir string
	id  *vault.Identity
	r   *Repository
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	id, _, err := vault.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), dir: t.TempDir(), id: id, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.r, err = Init(f.ctx, f.dir, InitOptions{}, f.opts(id))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.r.Close() })
	return f
}

func (f *fixture) opts(id *vault.Identity) Options {
	return Options{
		Identity: func() (*vault.Identity, error) { return id, nil },
		Now:      func() time.Time { f.now = f.now.Add(time.Second); return f.now },
		Author:   func() string { return "Tester <t@example.com>" },
		Branch:   func() string { return "" }, // as the CLI outside git
	}
}

func (f *fixture) set(kv ...string) {
	f.t.Helper()
	var es []Entry
	for i := 0; i < len(kv); i += 2 {
		es = append(es, Entry{Key: kv[i], Value: kv[i+1]})
	}
	if err := f.r.Set(f.ctx, "dev", es); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) commit(msg string) *Commit {
	f.t.Helper()
	c, err := f.r.Commit(f.ctx, "dev", msg)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) get(key, at string) string {
	f.t.Helper()
	v, err := f.r.Get(f.ctx, "dev", key, at)
	if err != nil {
		f.t.Fatalf("get %s at %q: %v", key, at, err)
	}
	return v
}

func (f *fixture) objectCount() int {
	n := 0
	f.r.store.View(f.ctx, func(tx *sqlite.Tx) error {
		var err error
		n, err = tx.CountObjects()
		return err
	})
	return n
}

func TestSetGetCommit(t *testing.T) {
	f := newFixture(t)
	big := strings.Repeat("b", 5000)
	f.set("A", "1", "B", "two words", "BIG", big, "EMPTY", "")
	if got := f.get("A", ""); got != "1" {
		t.Fatalf("working A = %q", got)
	}
	if _, err := f.r.Get(f.ctx, "dev", "A", "HEAD"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("HEAD before any commit: %v", err)
	}
	c := f.commit("first")
	if !c.Verified || c.Author != "Tester <t@example.com>" || c.Message != "first" {
		t.Fatalf("commit = %+v", c)
	}
	for k, want := range map[string]string{"A": "1", "B": "two words", "BIG": big, "EMPTY": ""} {
		if got := f.get(k, "HEAD"); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, err := f.r.Commit(f.ctx, "dev", "again"); !errors.Is(err, ErrNothingToCommit) {
		t.Fatalf("empty commit: %v", err)
	}
	// Setting a key to the value it has is not a change.
	f.set("A", "1")
	if st, err := f.r.Status(f.ctx, "dev"); err != nil || len(st) != 0 {
		t.Fatalf("status after no-op set = %v, %v", st, err)
	}
	if _, err := f.r.Commit(f.ctx, "dev", "noop"); !errors.Is(err, ErrNothingToCommit) {
		t.Fatalf("no-op commit: %v", err)
	}
}

func TestValidation(t *testing.T) {
	f := newFixture(t)
	bad := []Entry{
		{Key: "1ABC", Value: "x"},
		{Key: "A-B", Value: "x"},
		{Key: "", Value: "x"},
		{Key: "NUL", Value: "a\x00b"},
		{Key: "HUGE", Value: strings.Repeat("x", MaxValueSize+1)},
	}
	for _, e := range bad {
		err := f.r.Set(f.ctx, "dev", []Entry{{Key: "GOOD", Value: "g"}, e})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Set(%q) = %v, want ErrInvalid", e.Key, err)
		}
		if strings.Contains(fmt.Sprint(err), "a\x00b") {
			t.Errorf("error leaks the value: %v", err)
		}
	}
	if st, _ := f.r.Status(f.ctx, "dev"); len(st) != 0 {
		t.Fatalf("a rejected batch staged something: %v", st)
	}
	if err := f.r.Set(f.ctx, "dev", []Entry{{Key: "MAX", Value: strings.Repeat("x", MaxValueSize)}}); err != nil {
		t.Fatalf("a value of exactly 128 KiB: %v", err)
	}
	if err := f.r.Unset(f.ctx, "dev", []string{"MAX", "MISSING"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unset of a missing key: %v", err)
	}
	if _, err := f.r.Get(f.ctx, "dev", "MAX", ""); err != nil {
		t.Fatalf("failed unset removed a key: %v", err)
	}
	for _, name := range []string{"", "Prod", "-x", "a b", strings.Repeat("a", 65)} {
		if err := f.r.CreateEnv(f.ctx, name, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateEnv(%q) = %v", name, err)
		}
	}
}

// TestStorageGrowsWithChange checks that a one-key commit on a 1,000-key
// environment writes a handful of small objects, not a copy of the map.
func TestStorageGrowsWithChange(t *testing.T) {
	f := newFixture(t)
	var es []Entry
	for i := 0; i < 1000; i++ {
		es = append(es, Entry{Key: fmt.Sprintf("KEY_%d", i), Value: fmt.Sprintf("value-%d-%s", i, strings.Repeat("v", 24))})
	}
	if err := f.r.Set(f.ctx, "dev", es); err != nil {
		t.Fatal(err)
	}
	f.commit("1000 keys")
	before := f.objectCount()
	var bytesBefore int
	size := func() int {
		n := 0
		f.r.store.View(f.ctx, func(tx *sqlite.Tx) error {
			return tx.ForEachObject(func(_ object.ID, data []byte) error { n += len(data); return nil })
		})
		return n
	}
	bytesBefore = size()
	for i := 0; i < 10; i++ {
		f.set(fmt.Sprintf("KEY_%d", i*97), fmt.Sprintf("new-%d", i))
		f.commit("one key")
	}
	perCommit := float64(f.objectCount()-before) / 10
	perCommitBytes := float64(size()-bytesBefore) / 10
	if perCommit > 5 {
		t.Errorf("a one-key commit writes %.1f objects, want at most 5 (commit + tree path)", perCommit)
	}
	if perCommitBytes > 3000 {
		t.Errorf("a one-key commit writes %.0f bytes, want under 3000", perCommitBytes)
	}
	t.Logf("one-key commit on 1,000 keys: %.1f objects, %.0f bytes", perCommit, perCommitBytes)
}

// TestTreeIsCanonical builds one key set through two different histories
// and checks that the trees have the same shape and content.
func TestTreeIsCanonical(t *testing.T) {
	f := newFixture(t)
	var all []Entry
	for i := 0; i < 300; i++ {
		all = append(all, Entry{Key: fmt.Sprintf("K%d", i), Value: fmt.Sprint(i)})
	}
	// History 1: all at once. History 2 (env "two"): in pieces, with extra
	// keys added then removed, so the tree grows and collapses.
	if err := f.r.Set(f.ctx, "dev", all); err != nil {
		t.Fatal(err)
	}
	f.commit("all")
	if err := f.r.CreateEnv(f.ctx, "two", ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(all); i += 50 {
		if err := f.r.Set(f.ctx, "two", all[i:i+50]); err != nil {
			t.Fatal(err)
		}
		var extra []Entry
		for j := 0; j < 40; j++ {
			extra = append(extra, Entry{Key: fmt.Sprintf("X%d_%d", i, j), Value: "x"})
		}
		if err := f.r.Set(f.ctx, "two", extra); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.Commit(f.ctx, "two", "piece"); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range extra {
			names = append(names, e.Key)
		}
		if err := f.r.Unset(f.ctx, "two", names); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.Commit(f.ctx, "two", "drop extras"); err != nil {
			t.Fatal(err)
		}
	}
	shape := func(env string) (leaves, inner, keys int) {
		f.r.store.View(f.ctx, func(tx *sqlite.Tx) error {
			e, _ := f.r.env(tx, env)
			head, _, _ := tx.Ref(refName(env))
			c, err := f.r.readCommit(tx, head)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := f.r.openTree(tx, e, c.Tree)
			if err != nil {
				t.Fatal(err)
			}
			var walk func(id object.ID, depth int)
			walk = func(id object.ID, depth int) {
				if id.IsZero() {
					return
				}
				n, err := tr.load(id)
				if err != nil {
					t.Fatal(err)
				}
				if n.leaf {
					leaves++
					keys += len(n.entries)
					if len(n.entries) > leafMax {
						t.Errorf("leaf with %d entries", len(n.entries))
					}
					return
				}
				inner++
				if n.count() <= leafMax {
					t.Errorf("inner node holding only %d keys should be a leaf", n.count())
				}
				for _, ch := range n.children {
					walk(ch, depth+1)
				}
			}
			walk(c.Tree, 0)
			return nil
		})
		return
	}
	l1, i1, k1 := shape("dev")
	l2, i2, k2 := shape("two")
	if k1 != 300 || k2 != 300 {
		t.Fatalf("keys = %d, %d", k1, k2)
	}
	// The two envs have different layout keys, so compare the invariants,
	// and compare contents exactly.
	t.Logf("dev: %d leaves %d inner; two: %d leaves %d inner", l1, i1, l2, i2)
	a, _ := f.r.Entries(f.ctx, "dev", "HEAD")
	b, _ := f.r.Entries(f.ctx, "two", "HEAD")
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same key set, different contents")
	}
}

func TestRefsAndAncestors(t *testing.T) {
	f := newFixture(t)
	var ids []object.ID
	for i := 0; i < 300; i++ {
		f.set("N", fmt.Sprint(i))
		ids = append(ids, f.commit(fmt.Sprint("c", i)).ID)
	}
	for _, back := range []int{0, 1, 2, 7, 64, 100, 255, 299} {
		got, err := f.r.Resolve(f.ctx, "dev", fmt.Sprintf("HEAD~%d", back))
		if err != nil || got != ids[len(ids)-1-back] {
			t.Fatalf("HEAD~%d = %v, %v", back, got.Short(), err)
		}
		if v := f.get("N", fmt.Sprintf("dev~%d", back)); v != fmt.Sprint(299-back) {
			t.Fatalf("N at dev~%d = %s", back, v)
		}
	}
	if got, err := f.r.Resolve(f.ctx, "dev", ids[10].String()[:12]+"~3"); err != nil || got != ids[7] {
		t.Fatalf("prefix~3 = %v, %v", got, err)
	}
	if got, _ := f.r.Resolve(f.ctx, "dev", "HEAD^^"); got != ids[297] {
		t.Fatal("HEAD^^")
	}
	for _, bad := range []string{"HEAD~300", "zzzz", "abc", "HEAD~x", "nope~1", ""} {
		if _, err := f.r.Resolve(f.ctx, "dev", bad); err == nil {
			t.Errorf("Resolve(%q) succeeded", bad)
		}
	}
}

func TestLogDiffRevertReset(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1", "B", "1")
	c1 := f.commit("one")
	f.set("A", "2")
	c2 := f.commit("two")
	if err := f.r.Unset(f.ctx, "dev", []string{"B"}); err != nil {
		t.Fatal(err)
	}
	f.set("C", "3")
	f.commit("three")

	log, err := f.r.Log(f.ctx, "dev", LogOptions{Patch: true})
	if err != nil || len(log) != 3 || log[0].Message != "three" || log[2].ID != c1.ID {
		t.Fatalf("log = %v, %v", log, err)
	}
	if got := fmt.Sprint(log[0].Changes); got != "[{B removed 1 } {C added  3}]" {
		t.Fatalf("log -p of three = %s", got)
	}
	onlyA, _ := f.r.Log(f.ctx, "dev", LogOptions{Key: "A"})
	if len(onlyA) != 2 || onlyA[0].ID != c2.ID {
		t.Fatalf("log A = %v", onlyA)
	}
	d, err := f.r.Diff(f.ctx, "dev", c1.ID.String(), "HEAD")
	if err != nil || fmt.Sprint(d) != "[{A changed 1 2} {B removed 1 } {C added  3}]" {
		t.Fatalf("diff = %v, %v", d, err)
	}
	// Revert "two": A goes back to 1.
	rc, err := f.r.Revert(f.ctx, "dev", c2.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	if f.get("A", "HEAD") != "1" || !strings.Contains(rc.Message, c2.ID.String()) {
		t.Fatalf("after revert A = %s, msg %q", f.get("A", "HEAD"), rc.Message)
	}
	// Reverting "two" again conflicts: A no longer holds 2.
	var ce *ConflictError
	if _, err := f.r.Revert(f.ctx, "dev", c2.ID.String()); !errors.As(err, &ce) || ce.Keys[0] != "A" {
		t.Fatalf("second revert: %v", err)
	}
	// Revert refuses with uncommitted changes.
	f.set("D", "4")
	if _, err := f.r.Revert(f.ctx, "dev", "HEAD"); !errors.Is(err, ErrDirty) {
		t.Fatalf("revert with staged changes: %v", err)
	}
	// Soft reset keeps the staged D, hard reset drops it.
	if _, err := f.r.Reset(f.ctx, "dev", c1.ID.String(), false); err != nil {
		t.Fatal(err)
	}
	if f.get("D", "") != "4" || f.get("A", "HEAD") != "1" {
		t.Fatal("soft reset")
	}
	if _, err := f.r.Reset(f.ctx, "dev", "HEAD", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.r.Get(f.ctx, "dev", "D", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hard reset kept D: %v", err)
	}
}

func TestEpochsAndRecipients(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1", "BIG", strings.Repeat("z", 1000))
	f.commit("epoch 1")
	f.set("B", "staged before rotation")
	ep, err := f.r.RotateKey(f.ctx, "dev")
	if err != nil || ep != 2 {
		t.Fatalf("rotate: %d, %v", ep, err)
	}
	if f.get("B", "") != "staged before rotation" {
		t.Fatal("working state lost in rotation")
	}
	c := f.commit("epoch 2")
	if c.Epoch != 2 || f.get("A", "HEAD") != "1" || f.get("A", "HEAD~1") != "1" || f.get("BIG", "HEAD") != strings.Repeat("z", 1000) {
		t.Fatal("values across epochs")
	}
	if d, err := f.r.Diff(f.ctx, "dev", "HEAD~1", "HEAD"); err != nil || fmt.Sprint(d) != "[{B added  staged before rotation}]" {
		t.Fatalf("diff across epochs = %v, %v", d, err)
	}

	// A second identity is not a recipient until granted.
	other, _, _ := vault.GenerateIdentity()
	r2, err := Open(f.ctx, f.dir, f.opts(other))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	var nr *NotRecipientError
	if _, err := r2.Get(f.ctx, "dev", "A", ""); !errors.As(err, &nr) || nr.Env != "dev" || nr.Recipient != other.Recipient() {
		t.Fatalf("non-recipient: %v", err)
	}
	if err := f.r.Grant(f.ctx, "dev", other.Recipient()); err != nil {
		t.Fatal(err)
	}
	r3, _ := Open(f.ctx, f.dir, f.opts(other))
	defer r3.Close()
	if v, err := r3.Get(f.ctx, "dev", "A", "HEAD~1"); err != nil || v != "1" {
		t.Fatalf("granted read of epoch 1: %q, %v", v, err)
	}
	// The granted identity writes: it is enrolled as a member, so what it
	// signs (a commit, a rotation's envelopes) stays readable by everyone.
	if err := r3.Set(f.ctx, "dev", []Entry{{Key: "FROM_OTHER", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	if c, err := r3.Commit(f.ctx, "dev", "by other"); err != nil || c.Member != other.Recipient() {
		t.Fatalf("commit by granted identity: %+v %v", c, err)
	}
	if _, err := r3.RotateKey(f.ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	if v, err := f.r.Get(f.ctx, "dev", "FROM_OTHER", "HEAD"); err != nil || v != "x" {
		t.Fatalf("owner reads after rotation by granted member: %q %v", v, err)
	}
	log, _ := f.r.Log(f.ctx, "dev", LogOptions{Max: 1})
	if len(log) != 1 || !log[0].Verified || log[0].Member != other.Recipient() {
		t.Fatalf("owner sees the granted member's commit as %+v", log)
	}
	// An identity nobody granted anything may not sign.
	stranger, _, _ := vault.GenerateIdentity()
	rs, _ := Open(f.ctx, f.dir, f.opts(stranger))
	defer rs.Close()
	if err := rs.CreateEnv(f.ctx, "mine", ""); !errors.Is(err, ErrNotMember) {
		t.Fatalf("stranger creates an env: %v", err)
	}
	// Rotating with the other member removed locks them out of new epochs.
	if _, err := f.r.RotateKey(f.ctx, "dev", other.Recipient()); err != nil {
		t.Fatal(err)
	}
	f.set("C", "after removal")
	f.commit("epoch 3")
	r4, _ := Open(f.ctx, f.dir, f.opts(other))
	defer r4.Close()
	if _, err := r4.Get(f.ctx, "dev", "C", "HEAD"); !errors.As(err, &nr) {
		t.Fatalf("removed member reads epoch 3: %v", err)
	}
	if rep, err := f.r.Fsck(f.ctx); err != nil || !rep.OK() {
		t.Fatalf("fsck: %+v %v", rep, err)
	}
}

func TestEnvs(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	f.commit("a")
	if err := f.r.CreateEnv(f.ctx, "staging", "dev"); err != nil {
		t.Fatal(err)
	}
	if v, err := f.r.Get(f.ctx, "staging", "A", ""); err != nil || v != "1" {
		t.Fatalf("copied env: %q %v", v, err)
	}
	if err := f.r.CreateEnv(f.ctx, "staging", ""); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate env: %v", err)
	}
	if err := f.r.RenameEnv(f.ctx, "staging", "stage"); err != nil {
		t.Fatal(err)
	}
	if v, err := f.r.Get(f.ctx, "stage", "A", "HEAD"); err != nil || v != "1" {
		t.Fatalf("renamed env: %q %v", v, err)
	}
	if err := f.r.UseEnv(f.ctx, "stage"); err != nil {
		t.Fatal(err)
	}
	if cur, _ := f.r.ResolveEnv(f.ctx, ""); cur != "stage" {
		t.Fatalf("current = %s", cur)
	}
	if err := f.r.DeleteEnv(f.ctx, "stage"); err != nil {
		t.Fatal(err)
	}
	if cur, _ := f.r.ResolveEnv(f.ctx, ""); cur != "dev" {
		t.Fatalf("current after delete = %s", cur)
	}
	if err := f.r.DeleteEnv(f.ctx, "dev"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("deleting the last env: %v", err)
	}
	if rep, err := f.r.Fsck(f.ctx); err != nil || !rep.OK() {
		t.Fatalf("fsck: %+v %v", rep, err)
	}
}

// TestTampering flips one byte of every object in turn and checks that fsck
// names it and reads that need it refuse.
func TestTampering(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1", "BIG", strings.Repeat("q", 600))
	f.commit("one")
	f.r.Close()
	db, err := sql.Open("sqlite", filepath.Join(f.dir, DirName, DBName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT id, data FROM objects")
	if err != nil {
		t.Fatal(err)
	}
	type obj struct{ id, data []byte }
	var objs []obj
	for rows.Next() {
		var o obj
		rows.Scan(&o.id, &o.data)
		objs = append(objs, o)
	}
	rows.Close()
	if len(objs) < 3 {
		t.Fatalf("%d objects", len(objs))
	}
	for _, o := range objs {
		for _, pos := range []int{0, 5, len(o.data) / 2, len(o.data) - 1} {
			bad := append([]byte(nil), o.data...)
			bad[pos] ^= 0x40
			if _, err := db.Exec("UPDATE objects SET data = ? WHERE id = ?", bad, o.id); err != nil {
				t.Fatal(err)
			}
			r, err := Open(f.ctx, f.dir, f.opts(f.id))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := r.Fsck(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			id := fmt.Sprintf("%x", o.id)
			named := false
			for _, p := range rep.Problems {
				named = named || p.Object == id
			}
			if !named {
				t.Errorf("flipped byte %d of %s: fsck did not name it: %+v", pos, id[:10], rep.Problems)
			}
			_, e1 := r.Get(f.ctx, "dev", "A", "HEAD")
			_, e2 := r.Get(f.ctx, "dev", "BIG", "HEAD")
			if e1 == nil && e2 == nil {
				t.Errorf("flipped byte %d of %s: reads still succeed", pos, id[:10])
			}
			r.Close()
			db.Exec("UPDATE objects SET data = ? WHERE id = ?", o.data, o.id)
		}
	}
}

func TestSchemaTooNewAndReadOnly(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	f.commit("a")
	f.r.Close()
	path := filepath.Join(f.dir, DirName, DBName)

	t.Run("read-only folder", func(t *testing.T) {
		if os.Getuid() == 0 {
			t.Skip("not available as root: root ignores file permissions (cmd's TestReadOnlyRepository covers it with a dropped-privilege process)")
		}
		if err := os.Chmod(filepath.Join(f.dir, DirName), 0o500); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, 0o400)
		_, err := Open(f.ctx, f.dir, f.opts(f.id))
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("open read-only folder for writing: %v", err)
		}
		o := f.opts(f.id)
		o.ReadOnly = true
		r, err := Open(f.ctx, f.dir, o)
		if err != nil {
			t.Fatalf("read-only open: %v", err)
		}
		if v, err := r.Get(f.ctx, "dev", "A", ""); err != nil || v != "1" {
			t.Errorf("read in read-only folder: %q, %v", v, err)
		}
		if err := r.Set(f.ctx, "dev", []Entry{{Key: "B", Value: "2"}}); !errors.Is(err, ErrReadOnly) {
			t.Errorf("write in read-only mode: %v", err)
		}
		r.Close()
		os.Chmod(filepath.Join(f.dir, DirName), 0o700)
		os.Chmod(path, 0o600)
	})

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", sqlite.SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(f.ctx, f.dir, f.opts(f.id)); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestLocalOverrides(t *testing.T) {
	f := newFixture(t)
	f.set("A", "team")
	f.commit("a")
	if err := f.r.SetLocal(f.ctx, "dev", []Entry{{Key: "A", Value: "mine"}, {Key: "ONLY_ME", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	// Never part of the environment: not staged, not committed, not read.
	if st, _ := f.r.Status(f.ctx, "dev"); len(st) != 0 {
		t.Fatalf("status shows local overrides: %v", st)
	}
	if f.get("A", "") != "team" {
		t.Fatal("get returns the local override")
	}
	if _, err := f.r.RotateKey(f.ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	snap, err := f.r.Snapshot(f.ctx, "dev", "")
	got := snap.Local
	if err != nil || len(got) != 2 || got[0].Value != "mine" || got[1].Key != "ONLY_ME" {
		t.Fatalf("local after rotation = %v, %v", got, err)
	}
	if err := f.r.UnsetLocal(f.ctx, "dev", []string{"ONLY_ME", "NONE"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unset of a missing override: %v", err)
	}
	if err := f.r.UnsetLocal(f.ctx, "dev", []string{"ONLY_ME"}); err != nil {
		t.Fatal(err)
	}
	if snap, _ := f.r.Snapshot(f.ctx, "dev", ""); len(snap.Local) != 1 {
		t.Fatalf("after unset: %v", snap.Local)
	}
}

// TestLogPage pages through a history and gets exactly what one Log call
// gives, also for a key's history.
func TestLogPage(t *testing.T) {
	f := newFixture(t)
	for i := range 23 {
		f.set("N", fmt.Sprint(i))
		if i%3 == 0 {
			f.set("K", fmt.Sprint(i))
		}
		f.commit(fmt.Sprint("c", i))
	}
	for _, key := range []string{"", "K"} {
		all, err := f.r.Log(f.ctx, "dev", LogOptions{Key: key})
		if err != nil {
			t.Fatal(err)
		}
		var paged []string
		var from []object.ID
		for pages := 0; ; pages++ {
			if pages > 30 {
				t.Fatal("paging does not end")
			}
			page, next, err := f.r.LogPage(f.ctx, "dev", LogOptions{Key: key, Max: 5}, from)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 5 {
				t.Fatalf("page of %d commits, want at most 5", len(page))
			}
			for _, e := range page {
				paged = append(paged, e.Message)
			}
			if next == nil {
				break
			}
			from = next
		}
		var want []string
		for _, e := range all {
			want = append(want, e.Message)
		}
		if fmt.Sprint(paged) != fmt.Sprint(want) {
			t.Fatalf("key %q: paged %v\nwant %v", key, paged, want)
		}
		if key == "" && len(want) != 23 || key == "K" && len(want) != 8 {
			t.Fatalf("key %q: %d commits", key, len(want))
		}
	}
}
