package repo

import (
	"context"
	"fmt"
	"testing"

	"github.com/egide/egide/vault"
)

// benchRepo returns a closed repository folder holding one committed
// environment of n keys, and the identity that opens it.
func benchRepo(b *testing.B, n int) (string, *vault.Identity) {
	b.Helper()
	id, _, _ := vault.GenerateIdentity()
	dir := b.TempDir()
	o := Options{Identity: func() (*vault.Identity, error) { return id, nil }}
	r, err := Init(context.Background(), dir, InitOptions{}, o)
	if err != nil {
		b.Fatal(err)
	}
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{Key: fmt.Sprintf("SERVICE_%d_API_KEY", i), Value: fmt.Sprintf("%040d", i)}
	}
	if err := r.Set(context.Background(), "dev", es); err != nil {
		b.Fatal(err)
	}
	if _, err := r.Commit(context.Background(), "dev", "bench"); err != nil {
		b.Fatal(err)
	}
	r.Close()
	return dir, id
}

// BenchmarkOpenGet is what 'egide get' does after start-up.
func BenchmarkOpenGet(b *testing.B) {
	dir, id := benchRepo(b, 1000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(ctx, dir, Options{Identity: func() (*vault.Identity, error) { return id, nil }})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Get(ctx, "dev", "SERVICE_7_API_KEY", ""); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkOpenEntries is what 'egide export' does after start-up.
func BenchmarkOpenEntries(b *testing.B) {
	dir, id := benchRepo(b, 1000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(ctx, dir, Options{Identity: func() (*vault.Identity, error) { return id, nil }})
		if err != nil {
			b.Fatal(err)
		}
		if es, err := r.Entries(ctx, "dev", ""); err != nil || len(es) != 1000 {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkCommit10k stages 10,000 changed keys, then times the commit
// alone (what 'egide commit' does after start-up).
func BenchmarkCommit10k(b *testing.B) {
	dir, id := benchRepo(b, 10000)
	ctx := context.Background()
	o := Options{Identity: func() (*vault.Identity, error) { return id, nil }}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r, err := Open(ctx, dir, o)
		if err != nil {
			b.Fatal(err)
		}
		es := make([]Entry, 10000)
		for j := range es {
			es[j] = Entry{Key: fmt.Sprintf("SERVICE_%d_API_KEY", j), Value: fmt.Sprintf("round-%d-%032d", i, j)}
		}
		if err := r.Set(ctx, "dev", es); err != nil {
			b.Fatal(err)
		}
		r.Close()
		b.StartTimer()
		r, err = Open(ctx, dir, o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Commit(ctx, "dev", "all"); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkDiffDistant diffs the first and last commits of a history of
// one-key commits on a 1,000-key environment (most keys differ).
func BenchmarkDiffDistant(b *testing.B) {
	dir, id := benchRepo(b, 1000)
	ctx := context.Background()
	o := Options{Identity: func() (*vault.Identity, error) { return id, nil }}
	r, err := Open(ctx, dir, o)
	if err != nil {
		b.Fatal(err)
	}
	first, _ := r.Resolve(ctx, "dev", "HEAD")
	for i := 0; i < 2000; i++ {
		r.Set(ctx, "dev", []Entry{{Key: fmt.Sprintf("SERVICE_%d_API_KEY", (i*7919)%1000), Value: fmt.Sprint("v", i)}})
		if _, err := r.Commit(ctx, "dev", "one"); err != nil {
			b.Fatal(err)
		}
	}
	r.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, _ := Open(ctx, dir, o)
		d, err := r.Diff(ctx, "dev", first.String(), "HEAD")
		if err != nil || len(d) < 500 {
			b.Fatal(len(d), err)
		}
		r.Close()
	}
}
