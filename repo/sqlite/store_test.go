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
