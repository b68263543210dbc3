package envcmd

import (
	"context"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func TestBranchSelectsEnv(t *testing.T) {
	f := cmdutil.NewTestRepo(t)
	ctx := context.Background()
	g, err := git.PlainInit(f.Dir, false)
	if err != nil {
		t.Fatal(err)
	}
	checkout := func(branch string) {
		t.Helper()
		ref := plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.NewBranchReferenceName(branch))
		if err := g.Storer.SetReference(ref); err != nil {
			t.Fatal(err)
		}
	}
	checkout("feature/x")
	r, err := f.Repo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CreateEnv(ctx, "staging", ""); err != nil {
		t.Fatal(err)
	}
	resolve := func() string {
		t.Helper()
		env, err := f.Factory.Env(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	if got := resolve(); got != "dev" {
		t.Fatalf("before mapping: %s", got)
	}
	run := func(args ...string) error {
		cmd := NewCmdMap(f.Factory, nil)
		cmd.SetArgs(args)
		cmd.SetOut(f.IO.Out)
		cmd.SetErr(f.IO.ErrOut)
		return cmd.ExecuteContext(ctx)
	}
	if err := run("feature/x", "staging"); err != nil {
		t.Fatal(err)
	}
	if got := resolve(); got != "staging" {
		t.Fatalf("on feature/x: %s, want staging", got)
	}
	checkout("main")
	if got := resolve(); got != "dev" {
		t.Fatalf("on main (unmapped): %s, want dev", got)
	}
	checkout("feature/x")
	f.Env["EGIDE_ENV"] = "dev"
	if got := resolve(); got != "dev" {
		t.Fatalf("EGIDE_ENV must win over the branch: %s", got)
	}
	delete(f.Env, "EGIDE_ENV")
	if got, _ := f.Factory.Env(ctx, r, "staging"); got != "staging" {
		t.Fatalf("-e: %s", got)
	}
	f.Out.Reset()
	if err := run("--json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Out.String(), `"branch": "feature/x"`) || !strings.Contains(f.Out.String(), `"env": "staging"`) {
		t.Fatalf("--json = %s", f.Out.String())
	}
	// Renaming the environment keeps the mapping; deleting it drops it.
	if err := r.RenameEnv(ctx, "staging", "stage"); err != nil {
		t.Fatal(err)
	}
	if got := resolve(); got != "stage" {
		t.Fatalf("after rename: %s", got)
	}
	if err := r.DeleteEnv(ctx, "stage"); err != nil {
		t.Fatal(err)
	}
	if got := resolve(); got != "dev" {
		t.Fatalf("after delete: %s", got)
	}
	if err := run("--remove", "feature/x"); err != nil {
		t.Fatal(err)
	}
	if err := run("feature/x", "nope"); err == nil {
		t.Fatal("mapped a branch to a missing env")
	}
	if err := run("bad branch", "dev"); err == nil {
		t.Fatal("accepted an invalid branch name")
	}
}
