package tui

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
)

// BenchmarkFirstScreen is what 'egide ui' does before its first frame, on
// the data set: open the repository, read the environments, the
// 1,000 keys of one with their status, the first page of its 10,000-commit
// history, and render the 120×40 screen. The target is 150 ms.
//
//	go test ./tui -run '^$' -bench FirstScreen -benchtime 20x
//
// EGIDE_BENCH_COMMITS changes the history's length (building 10,000 signed
// commits takes about 15 s).
func BenchmarkFirstScreen(b *testing.B) {
	commits := 10000
	if s := os.Getenv("EGIDE_BENCH_COMMITS"); s != "" {
		commits, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	id, _, _ := vault.GenerateIdentity()
	o := repo.Options{Identity: func() (*vault.Identity, error) { return id, nil }}
	dir := b.TempDir()
	r, err := repo.Init(ctx, dir, repo.InitOptions{}, o)
	if err != nil {
		b.Fatal(err)
	}
	es := make([]repo.Entry, 1000)
	for i := range es {
		es[i] = repo.Entry{Key: fmt.Sprintf("SERVICE_%d_API_KEY", i), Value: fmt.Sprintf("%040d", i)}
	}
	if err := r.Set(ctx, "dev", es); err != nil {
		b.Fatal(err)
	}
	for i := 1; i < commits; i++ {
		if _, err := r.Commit(ctx, "dev", fmt.Sprint("change ", i)); err != nil {
			b.Fatal(err)
		}
		if err := r.Set(ctx, "dev", []repo.Entry{{Key: fmt.Sprintf("SERVICE_%d_API_KEY", i%1000), Value: fmt.Sprint(i)}}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := r.Commit(ctx, "dev", "last"); err != nil {
		b.Fatal(err)
	}
	r.Close()
	b.ResetTimer()
	for b.Loop() {
		r, err := repo.Open(ctx, dir, o)
		if err != nil {
			b.Fatal(err)
		}
		m, err := New(ctx, r, Options{Now: time.Now})
		if err != nil {
			b.Fatal(err)
		}
		m.resize(120, 40)
		if len(m.View().Content) == 0 || len(m.rows) != 1000 || len(m.commits) == 0 {
			b.Fatal("incomplete first screen")
		}
		r.Close()
	}
}
