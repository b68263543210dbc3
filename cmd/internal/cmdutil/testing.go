package cmdutil

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
)

// TestFactory is a Factory for in-process command tests: buffers for the
// streams, a fresh identity supplied through EGIDE_IDENTITY (the OS keyring
// is off), a fixed clock and a temporary working folder.
type TestFactory struct {
	*Factory
	In, Out, ErrOut *bytes.Buffer
	Env             map[string]string
	Identity        *vault.Identity
}

// NewTest returns a TestFactory working in a new temporary folder.
func NewTest(t testing.TB) *TestFactory {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	id, secret, err := vault.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"EGIDE_IDENTITY":   secret,
		"EGIDE_NO_KEYRING": "1",
		"EGIDE_AUTHOR":     "Test <test@example.com>",
	}
	f := &Factory{
		IO:     ios,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
		Dir:    t.TempDir(),
	}
	t.Cleanup(f.Close)
	return &TestFactory{Factory: f, In: in, Out: out, ErrOut: errOut, Env: env, Identity: id}
}

// NewTestRepo returns a TestFactory whose folder holds a new repository
// (env dev, closed again) and whose clock advances one minute per reading,
// so that commits get distinct, ordered times.
func NewTestRepo(t testing.TB) *TestFactory {
	t.Helper()
	f := NewTest(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Now = func() time.Time {
		now = now.Add(time.Minute)
		return now
	}
	ctx := context.Background()
	r, err := repo.Init(ctx, f.Dir, repo.InitOptions{}, f.RepoOptions(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}
