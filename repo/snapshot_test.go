package repo

import (
	"errors"
	"slices"
	"testing"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// snap reads a Snapshot and renders its entries and overrides as KEY=VALUE.
func (f *fixture) snap(env, at string) (Snapshot, []string, []string) {
	f.t.Helper()
	s, err := f.r.Snapshot(f.ctx, env, at)
	if err != nil {
		f.t.Fatalf("Snapshot(%q, %q): %v", env, at, err)
	}
	kv := func(es []Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Key+"="+e.Value)
		}
		return out
	}
	return s, kv(s.Entries()), kv(s.Local)
}

func TestSnapshot(t *testing.T) {
	f := newFixture(t)

	// Before the first commit: the working state, no HEAD.
	f.set("B", "2", "A", "1")
	s, es, local := f.snap("", "")
	if s.Env != "dev" || s.Head != object.Zero || !slices.Equal(es, []string{"A=1", "B=2"}) || local != nil {
		t.Fatalf("before any commit: %+v %v %v", s, es, local)
	}
	if err := f.r.SetLocal(f.ctx, "dev", []Entry{{Key: "A", Value: "mine"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, local = f.snap("dev", ""); !slices.Equal(local, []string{"A=mine"}) {
		t.Fatalf("override without a HEAD: %v", local)
	}

	// A clean HEAD comes from the HEAD cache, with the overrides beside it.
	first := f.commit("first")
	s, es, local = f.snap("", "")
	if s.Head != first.ID || !slices.Equal(es, []string{"A=1", "B=2"}) || !slices.Equal(local, []string{"A=mine"}) {
		t.Fatalf("clean HEAD: %+v %v %v", s, es, local)
	}

	// Uncommitted changes are part of it; --at reads the commit instead.
	f.set("C", "3")
	if s, es, _ = f.snap("", ""); s.Head != first.ID || !slices.Equal(es, []string{"A=1", "B=2", "C=3"}) {
		t.Fatalf("with a staged change: %+v %v", s, es)
	}
	second := f.commit("second")
	if s, es, _ = f.snap("", "HEAD~1"); s.Head != second.ID || !slices.Equal(es, []string{"A=1", "B=2"}) {
		t.Fatalf("--at HEAD~1: %+v %v", s, es)
	}

	// Without overrides, none are read.
	if err := f.r.UnsetLocal(f.ctx, "dev", []string{"A"}); err != nil {
		t.Fatal(err)
	}
	if _, _, local = f.snap("", ""); local != nil {
		t.Fatalf("overrides after unset: %v", local)
	}

	if _, err := f.r.Snapshot(f.ctx, "nope", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown env: %v", err)
	}
	if _, err := f.r.Snapshot(f.ctx, "dev", "HEAD~9"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown ref: %v", err)
	}
}

// TestKeyStamps checks that the reader's envelope carries a key stamp, that
// a fresh Repository reads through it, and that a stamp moved to another
// envelope is not trusted: the read falls back to verifying the envelope.
func TestKeyStamps(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	f.commit("a")
	if err := f.r.CreateEnv(f.ctx, "prod", ""); err != nil {
		t.Fatal(err)
	}
	envelope := func(name string) (sqlite.Env, sqlite.Envelope) {
		var env sqlite.Env
		var e sqlite.Envelope
		err := f.r.view(f.ctx, func(tx *sqlite.Tx) error {
			var err error
			if env, err = f.r.env(tx, name); err != nil {
				return err
			}
			var ok bool
			if e, ok, err = tx.Envelope(env.ID, env.Epoch, f.id.Recipient()); err == nil && !ok {
				err = errors.New("no envelope")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return env, e
	}
	dev, devEnv := envelope("dev")
	_, prodEnv := envelope("prod")
	if len(devEnv.Stamp) != vault.KeyStampSize || len(prodEnv.Stamp) != vault.KeyStampSize {
		t.Fatalf("envelope stamps are %d and %d bytes, want key stamps (%d)", len(devEnv.Stamp), len(prodEnv.Stamp), vault.KeyStampSize)
	}
	ve := vaultEnvelope(devEnv)
	if _, ok := f.id.OpenKeyStamp(ve.StampData(), devEnv.Stamp); !ok {
		t.Fatal("dev's key stamp does not open")
	}
	if _, ok := f.id.OpenKeyStamp(ve.StampData(), prodEnv.Stamp); ok {
		t.Fatal("prod's key stamp opens for dev's envelope")
	}

	// prod's stamp planted on dev's envelope: a read verifies the envelope
	// instead, gets the right key, and (writable) re-stamps it.
	err := f.r.update(f.ctx, func(tx *sqlite.Tx) error {
		return tx.StampEnvelope(dev.ID, dev.Epoch, devEnv.Recipient, prodEnv.Stamp)
	})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Open(f.ctx, f.dir, f.opts(f.id))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if v, err := r2.Get(f.ctx, "dev", "A", ""); err != nil || v != "1" {
		t.Fatalf("read with a planted stamp: %q, %v", v, err)
	}
	// A read leaves the database alone; a write re-stamps the envelope.
	if _, again := envelope("dev"); !slices.Equal(again.Stamp, prodEnv.Stamp) {
		t.Fatal("a read rewrote the stamp")
	}
	r3, err := Open(f.ctx, f.dir, f.opts(f.id)) // no key cached from the read
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Close()
	if err := r3.Set(f.ctx, "dev", []Entry{{Key: "B", Value: "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, again := envelope("dev"); !slices.Equal(again.Stamp, prodEnv.Stamp) {
		if _, ok := f.id.OpenKeyStamp(ve.StampData(), again.Stamp); !ok {
			t.Fatal("the re-stamped envelope's key stamp does not open")
		}
	} else {
		t.Fatal("a write kept the planted stamp")
	}
}

// TestSnapshotEnv: Snapshot resolves the environment as every other read
// does: a name, else the one chosen with UseEnv, else the default, and a
// mapped git branch before both; renamed environments keep their HEAD
// file (it is named by the environment's id).
func TestSnapshotEnv(t *testing.T) {
	f := newFixture(t)
	f.set("A", "dev")
	f.commit("dev")
	for _, name := range []string{"prod", "stage"} {
		if err := f.r.CreateEnv(f.ctx, name, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.r.Set(f.ctx, name, []Entry{{Key: "A", Value: name}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.Commit(f.ctx, name, name); err != nil {
			t.Fatal(err)
		}
	}
	branch := ""
	o := f.opts(f.id)
	o.Branch = func() string { return branch }
	r, err := Open(f.ctx, f.dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	check := func(name, want string) {
		t.Helper()
		s, err := r.Snapshot(f.ctx, name, "")
		if err != nil {
			t.Fatalf("Snapshot(%q): %v", name, err)
		}
		if es := s.Entries(); s.Env != want || len(es) != 1 || es[0].Value != want || s.Pairs() == nil {
			t.Fatalf("Snapshot(%q) = %s %v (pairs %v), want %s", name, s.Env, es, s.Pairs(), want)
		}
	}
	check("", "dev")
	check("prod", "prod")
	if err := r.UseEnv(f.ctx, "stage"); err != nil {
		t.Fatal(err)
	}
	check("", "stage")
	if err := r.MapBranch(f.ctx, "release", "prod"); err != nil {
		t.Fatal(err)
	}
	check("", "stage") // no branch
	branch = "feature"
	check("", "stage") // a branch that is not mapped
	branch = "release"
	check("", "prod")
	check("dev", "dev") // a name wins over the mapping
	if err := r.RenameEnv(f.ctx, "prod", "production"); err != nil {
		t.Fatal(err)
	}
	if s, err := r.Snapshot(f.ctx, "production", ""); err != nil || s.Pairs() == nil || s.Entries()[0].Value != "prod" {
		t.Fatalf("renamed: %+v, %v", s, err)
	}
	if _, err := r.Snapshot(f.ctx, "prod", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old name: %v", err)
	}
}
