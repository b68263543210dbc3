package run

import (
	"context"
	"slices"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

// TestPrepareUsesRunCache: with the real Factory and repository, a second
// run does not open the repository while nothing changed, and a change
// made meanwhile is seen.
func TestPrepareUsesRunCache(t *testing.T) {
	ctx := context.Background()
	f := cmdutil.NewTestRepo(t)
	set := func(kv ...repo.Entry) {
		t.Helper()
		r, err := repo.Open(ctx, f.Dir, f.RepoOptions(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := r.Set(ctx, "dev", kv); err != nil {
			t.Fatal(err)
		}
	}
	set(repo.Entry{Key: "A", Value: "1"})
	opens := 0
	opts := &Options{
		IO: f.IO,
		Repo: func(ctx context.Context) (*repo.Repository, error) {
			opens++
			return f.ReadOnlyRepo(ctx)
		},
		Env: f.EnvName, Getenv: f.Getenv, Cached: f.CachedRunEnv, Release: f.Close,
		Environ: func() []string { return []string{"HOME=/home/x"} },
	}
	prep := func(wantOpens int, want ...string) {
		t.Helper()
		_, env, _, err := prepare(ctx, opts)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(env, append([]string{"HOME=/home/x"}, want...)) || opens != wantOpens {
			t.Fatalf("child env %q after %d opens, want %q after %d", env, opens, want, wantOpens)
		}
	}
	prep(1, "A=1") // reads the database, writes the cache
	prep(1, "A=1") // from the cache
	prep(1, "A=1")
	set(repo.Entry{Key: "A", Value: "2"})
	prep(2, "A=2")
	prep(2, "A=2")
	opts.At = "HEAD" // never from the cache: no commit yet, so an error
	if _, _, _, err := prepare(ctx, opts); err == nil || opens != 3 {
		t.Fatalf("--at: %v after %d opens", err, opens)
	}
}
