package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/egide/egide/repo/object"
)

// TestOddPaths opens databases whose paths hold URI delimiters.
func TestOddPaths(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"a#b", "a?b", "a%20b", "a b", "ünï"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "egide.db")
			s, err := Open(ctx, path, Options{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			id := object.Hash([]byte("x"))
			if err := s.Update(ctx, func(tx *Tx) error { return tx.PutObject(id, []byte("x")) }); err != nil {
				t.Fatal(err)
			}
			s.Close()
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("database not at %s: %v", path, err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
			}
			s, err = Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.View(ctx, func(tx *Tx) error {
				if _, ok, err := tx.Object(id); !ok || err != nil {
					t.Fatalf("object lost: %v", err)
				}
				return nil
			})
		})
	}
}

// TestOwnedBlob holds modernc.org/sqlite to what owned relies on: every
// BLOB it returns is a fresh slice, not SQLite's memory nor a buffer it
// reuses for the next row. A read decrypts the HEAD cache in place, so an
// aliased slice would corrupt the next read or the page cache.
func TestOwnedBlob(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "egide.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	big := make([]byte, 3*4096+17) // spans overflow pages
	for i := range big {
		big[i] = byte(i)
	}
	envs := []object.EnvID{{1}, {2}}
	err = s.Update(ctx, func(tx *Tx) error {
		for i, e := range envs {
			if err := tx.PutHeadCache(e, HeadCache{Commit: object.Hash([]byte{byte(i)}), Epoch: 1, Data: big}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func() [][]byte {
		var out [][]byte
		s.View(ctx, func(tx *Tx) error {
			for _, e := range envs {
				h, ok, err := tx.HeadCache(e)
				if !ok || err != nil {
					t.Fatalf("head cache: %v %v", ok, err)
				}
				out = append(out, h.Data)
			}
			return nil
		})
		return out
	}
	first := read()
	if &first[0][0] == &first[1][0] {
		t.Fatal("two rows share one buffer")
	}
	for _, b := range first {
		if string(b) != string(big) {
			t.Fatal("BLOB read back differs")
		}
		clear(b) // as an in-place decryption would
	}
	for _, b := range read() {
		if string(b) != string(big) {
			t.Fatal("writing to a scanned BLOB changed what SQLite returns next")
		}
	}
}
