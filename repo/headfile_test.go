package repo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// headFile returns the path of env's HEAD file and its bytes (nil when
// absent).
func (f *fixture) headFile(env string) (string, []byte) {
	f.t.Helper()
	var id object.EnvID
	err := f.r.view(f.ctx, func(tx *sqlite.Tx) error {
		e, err := f.r.env(tx, env)
		id = e.ID
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	path := f.r.headFilePath(id)
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		f.t.Fatal(err)
	}
	return path, b
}

// fromFile reads a Snapshot of dev in a fresh Repository and reports its
// entries as KEY=VALUE and whether they came from the HEAD file.
func (f *fixture) fromFile() ([]string, bool) {
	f.t.Helper()
	r, err := Open(f.ctx, f.dir, Options{ReadOnly: true, Identity: func() (*vault.Identity, error) { return f.id, nil }})
	if err != nil {
		f.t.Fatal(err)
	}
	defer r.Close()
	s, err := r.Snapshot(f.ctx, "dev", "")
	if err != nil {
		f.t.Fatal(err)
	}
	var kv []string
	for _, e := range s.Entries() {
		kv = append(kv, e.Key+"="+e.Value)
	}
	if p := s.Pairs(); p != nil && !slices.Equal(p, kv) {
		f.t.Fatalf("pairs %q, entries %q", p, kv)
	}
	return kv, s.Pairs() != nil
}

// TestHeadFile: every commit writes the HEAD file (0600, sealed: no name or
// value in the clear), a clean read takes its state from it, and a file
// that is stale, damaged, forged without the key, or another environment's
// or commit's is ignored (the row serves) and rewritten.
func TestHeadFile(t *testing.T) {
	f := newFixture(t)
	const secret = "head-file-secret-8c1f"
	f.set("A", "1", "B", secret, "REF", "${A}")
	first := f.commit("first")
	path, firstFile := f.headFile("dev")
	if firstFile == nil {
		t.Fatal("no HEAD file after a commit")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("HEAD file: %v, %v; want mode 0600", fi, err)
	}
	if bytes.Contains(firstFile, []byte(secret)) || bytes.Contains(firstFile, []byte("REF")) {
		t.Fatal("the HEAD file holds a name or value in the clear")
	}
	want1 := []string{"A=1", "B=" + secret, "REF=${A}"}
	if kv, file := f.fromFile(); !file || !slices.Equal(kv, want1) {
		t.Fatalf("first read: %q (from the file: %v)", kv, file)
	}

	f.set("A", "2")
	if err := f.r.Unset(f.ctx, "dev", []string{"REF"}); err != nil {
		t.Fatal(err)
	}
	second := f.commit("second")
	_, good := f.headFile("dev")
	if bytes.Equal(good, firstFile) {
		t.Fatal("the commit did not rewrite the HEAD file")
	}
	want2 := []string{"A=2", "B=" + secret}
	if kv, file := f.fromFile(); !file || !slices.Equal(kv, want2) {
		t.Fatalf("after the second commit: %q (from the file: %v)", kv, file)
	}

	// A file sealed by a key holder for HEAD's id but with other content
	// is used (it is authentic), and fsck reports it.
	forged := func(es []Entry, commit object.ID) []byte {
		var data []byte
		err := f.r.view(f.ctx, func(tx *sqlite.Tx) error {
			env, err := f.r.env(tx, "dev")
			if err != nil {
				return err
			}
			k, err := f.r.key(tx, env, env.Epoch)
			data = sealHeadFile(k, env.ID, env.Epoch, commit, es)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0x40
		return b
	}
	otherEnvFile := func() []byte {
		if err := f.r.CreateEnv(f.ctx, "other", "dev"); err != nil {
			t.Fatal(err)
		}
		_, b := f.headFile("other")
		if b == nil {
			t.Fatal("no HEAD file for a new environment with a commit")
		}
		return b
	}()
	// The first commit's file with its header claiming HEAD.
	relabeled := bytes.Clone(firstFile)
	copy(relabeled[headFileHeaderSize-object.Size:], second.ID[:])

	cases := []struct {
		name string
		data []byte // nil: absent
	}{
		{"absent", nil},
		{"empty", []byte{}},
		{"stale", firstFile},
		{"relabeled", relabeled},
		{"flipped body byte", flip(good, len(good)-20)},
		{"flipped header byte", flip(good, 10)},
		{"flipped epoch", flip(good, len(headFileMagic)+object.EnvSize+3)},
		{"truncated", good[:len(good)-1]},
		{"header only", good[:headFileHeaderSize]},
		{"another environment's", otherEnvFile},
		{"another repository's", forgedElsewhere(t, second.ID)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			if c.data == nil {
				os.Remove(path)
			} else if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if rep, err := f.r.Fsck(f.ctx); err != nil || !rep.OK() {
				t.Fatalf("fsck: %+v, %v", rep, err)
			}
			kv, file := f.fromFile()
			if file || !slices.Equal(kv, want2) {
				t.Fatalf("read: %q (from the file: %v)", kv, file)
			}
			// The read rewrote it; the next one uses it.
			if kv, file := f.fromFile(); !file || !slices.Equal(kv, want2) {
				t.Fatalf("next read: %q (from the file: %v)", kv, file)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("rewritten file: %v, %v", fi, err)
			}
		})
	}
	f.t = t

	// Forged by a key holder: used, but fsck finds it.
	if err := os.WriteFile(path, forged([]Entry{{Key: "A", Value: "forged"}}, second.ID), 0o600); err != nil {
		t.Fatal(err)
	}
	if kv, file := f.fromFile(); !file || !slices.Equal(kv, []string{"A=forged"}) {
		t.Fatalf("authentic file: %q (from the file: %v)", kv, file)
	}
	rep, err := f.r.Fsck(f.ctx)
	if err != nil || rep.OK() || !strings.Contains(rep.Problems[0].What, "head file") {
		t.Fatalf("fsck of a forged HEAD file: %+v, %v", rep, err)
	}
	// Sealed for the first commit: stale, ignored.
	if err := os.WriteFile(path, forged([]Entry{{Key: "A", Value: "forged"}}, first.ID), 0o600); err != nil {
		t.Fatal(err)
	}
	if kv, file := f.fromFile(); file || !slices.Equal(kv, want2) {
		t.Fatalf("file of another commit: %q (from the file: %v)", kv, file)
	}

	// Uncommitted changes and overrides are applied to the file's state,
	// never replaced by it.
	f.set("C", "3")
	if err := f.r.SetLocal(f.ctx, "dev", []Entry{{Key: "A", Value: "mine"}}); err != nil {
		t.Fatal(err)
	}
	s, err := f.r.Snapshot(f.ctx, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	var kv []string
	for _, e := range s.Entries() {
		kv = append(kv, e.Key+"="+e.Value)
	}
	if !slices.Equal(kv, []string{"A=2", "B=" + secret, "C=3"}) || len(s.Local) != 1 || s.Pairs() != nil {
		t.Fatalf("with a staged change: %q, local %v, pairs %v", kv, s.Local, s.Pairs())
	}

	// Deleting an environment deletes its file.
	otherPath, _ := f.headFile("other")
	if err := f.r.DeleteEnv(f.ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(otherPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("HEAD file of a deleted environment: %v", err)
	}
}

// forgedElsewhere returns a HEAD file for commit made in another
// repository (another environment id and key).
func forgedElsewhere(t *testing.T, commit object.ID) []byte {
	k, err := vault.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	var env object.EnvID
	env[0] = 1
	return sealHeadFile(k, env, 1, commit, []Entry{{Key: "A", Value: "x"}})
}

// TestHeadFileTransactions: the file is written only by a write transaction
// that succeeds, and a file left behind by one that then failed to commit
// (or by a crash) names a commit that is not HEAD, so it is ignored.
func TestHeadFileTransactions(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	c := f.commit("first")
	path, before := f.headFile("dev")

	// A transaction that fails after writing the row writes no file.
	fail := errors.New("fail")
	err := f.r.update(f.ctx, func(tx *sqlite.Tx) error {
		env, err := f.r.env(tx, "dev")
		if err != nil {
			return err
		}
		if err := f.r.putHead(tx, env, object.ID{1}, map[string]string{"A": "lost"}); err != nil {
			return err
		}
		return fail
	})
	if !errors.Is(err, fail) {
		t.Fatal(err)
	}
	if _, after := f.headFile("dev"); !bytes.Equal(after, before) {
		t.Fatal("a failed transaction rewrote the HEAD file")
	}

	// The file of a commit that never became HEAD (written, then the
	// transaction failed to commit, or the process died) is ignored.
	var lost []byte
	err = f.r.view(f.ctx, func(tx *sqlite.Tx) error {
		env, err := f.r.env(tx, "dev")
		if err != nil {
			return err
		}
		k, err := f.r.key(tx, env, env.Epoch)
		lost = sealHeadFile(k, env.ID, env.Epoch, object.ID{1}, []Entry{{Key: "A", Value: "lost"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, lost, 0o600); err != nil {
		t.Fatal(err)
	}
	// A leftover temporary file changes nothing either.
	if err := os.WriteFile(path+".tmp123", lost, 0o600); err != nil {
		t.Fatal(err)
	}
	if kv, file := f.fromFile(); file || !slices.Equal(kv, []string{"A=1"}) {
		t.Fatalf("after a lost write: %q (from the file: %v)", kv, file)
	}
	if s, _ := f.r.Snapshot(f.ctx, "dev", ""); s.Head != c.ID {
		t.Fatalf("HEAD %v, want %v", s.Head, c.ID)
	}

	// Without the HEAD cache row, the file alone serves a clean read.
	if kv, file := f.fromFile(); !file || !slices.Equal(kv, []string{"A=1"}) {
		t.Fatalf("rewritten: %q (from the file: %v)", kv, file)
	}
	err = f.r.update(f.ctx, func(tx *sqlite.Tx) error {
		env, err := f.r.env(tx, "dev")
		if err != nil {
			return err
		}
		return tx.PutHeadCache(env.ID, sqlite.HeadCache{Commit: object.ID{2}, Epoch: env.Epoch, Data: []byte("x")})
	})
	if err != nil {
		t.Fatal(err)
	}
	if kv, file := f.fromFile(); !file || !slices.Equal(kv, []string{"A=1"}) {
		t.Fatalf("with a stale row: %q (from the file: %v)", kv, file)
	}
}

// TestHeadFileUnwritable: when the HEAD file cannot be written (here a
// folder stands at its path, which even root cannot rename a file over),
// reads still work from the row and nothing fails.
func TestHeadFileUnwritable(t *testing.T) {
	f := newFixture(t)
	f.set("A", "1")
	f.commit("first")
	path, _ := f.headFile("dev")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "block"), 0o700); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if kv, file := f.fromFile(); file || !slices.Equal(kv, []string{"A=1"}) {
			t.Fatalf("unwritable: %q (from the file: %v)", kv, file)
		}
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Fatalf("the folder at the HEAD file's path: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("a temporary file was left behind: %s", e.Name())
		}
	}
}

// TestDecodeHeadFile: names must be sorted, unique and without "=", and
// the body must end with the last entry.
func TestDecodeHeadFile(t *testing.T) {
	body := func(kv ...string) []byte {
		var es []Entry
		for i := 0; i < len(kv); i += 2 {
			es = append(es, Entry{Key: kv[i], Value: kv[i+1]})
		}
		return appendHeadFileBody(nil, es)
	}
	good := body("A", "1", "B", "x=y", "C", "")
	pairs, err := decodeHeadFile(string(good))
	if err != nil || !slices.Equal(pairs, []string{"A=1", "B=x=y", "C="}) {
		t.Fatalf("decode: %q, %v", pairs, err)
	}
	for name, b := range map[string][]byte{
		"unsorted":       body("B", "1", "A", "2"),
		"duplicate":      body("A", "1", "A", "2"),
		"= in a name":    body("A=B", "1"),
		"empty name":     body("", "1"),
		"trailing bytes": append(bytes.Clone(good), 0),
		"count too big":  append(binary.AppendUvarint(nil, 4), good[1:]...),
		"no =":           {1, 1, 1, 'A', 'B', 'C'},
		"empty":          {},
	} {
		if _, err := decodeHeadFile(string(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
