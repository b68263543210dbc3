package project

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// gitRepo creates a git repository in dir and commits files (path →
// content) to it.
func gitRepo(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	r, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "Test", Email: "test@example.com", When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if _, err := wt.Commit("initial", &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
}

func TestInitRunGitWorkTree(t *testing.T) {
	tf := cmdutil.NewTest(t)
	root := tf.Dir
	gitRepo(t, root, map[string]string{
		".env":             "API_KEY=plaintext\n",
		"app/.env.local":   "DB=x\n",
		".env.example":     "API_KEY=\n",
		"app/.env.sample":  "DB=\n",
		".env.template":    "X=\n",
		".gitignore":       "node_modules", // no final newline
		"app/main.go":      "package main\n",
		"docs/env.md":      "not a dotenv file\n",
		"app/.environment": "not one either\n",
	})
	// Ignored now, but still tracked: the warning must still fire.
	if err := os.WriteFile(filepath.Join(root, ".gitignore"), []byte("node_modules\n.env\n.env.*\n!.env.example"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "app")
	opts := newInitOptions(tf)
	opts.Dir = sub
	if err := initRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".egide", "egide.db")); err != nil {
		t.Fatalf("repository not at the git root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sub, ".egide")); !os.IsNotExist(err) {
		t.Errorf(".egide/ created in the subfolder: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "node_modules\n.env\n.env.*\n!.env.example\n.egide/\n"; string(got) != want {
		t.Errorf(".gitignore = %q, want %q", got, want)
	}
	stderr := tf.ErrOut.String()
	for _, want := range []string{
		"Added .egide/ to " + filepath.Join(root, ".gitignore"),
		"warning: ../.env is tracked by git",
		"egide import ../.env",
		"git rm --cached ../.env",
		"warning: .env.local is tracked by git",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q\nwant %q", stderr, want)
		}
	}
	for _, unwanted := range []string{".env.example", ".env.sample", ".env.template", "docs/env.md", ".environment", "plaintext\n"} {
		if strings.Contains(stderr, unwanted) {
			t.Errorf("stderr = %q mentions %q", stderr, unwanted)
		}
	}
	if n := strings.Count(stderr, "is tracked by git"); n != 2 {
		t.Errorf("%d tracked-file warnings, want 2:\n%s", n, stderr)
	}
}

func TestInitRunGitClean(t *testing.T) {
	tf := cmdutil.NewTest(t)
	gitRepo(t, tf.Dir, map[string]string{"README.md": "hi\n", ".env.example": "A=\n"})
	if err := initRun(context.Background(), newInitOptions(tf)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(tf.Dir, ".gitignore"))
	if err != nil || string(got) != ".egide/\n" {
		t.Fatalf(".gitignore = %q, %v", got, err)
	}
	if strings.Contains(tf.ErrOut.String(), "warning") {
		t.Errorf("stderr = %q, want no warning", tf.ErrOut)
	}
}

func TestInitRunGitNoCommits(t *testing.T) {
	tf := cmdutil.NewTest(t)
	if _, err := git.PlainInit(tf.Dir, false); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(tf.Dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := newInitOptions(tf)
	opts.Dir = sub
	if err := initRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tf.Dir, ".egide")); err != nil {
		t.Fatalf("repository not at the git root: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(tf.Dir, ".gitignore")); string(got) != ".egide/\n" {
		t.Errorf(".gitignore = %q", got)
	}
}

func TestIgnoreEgide(t *testing.T) {
	tests := []struct {
		name, before, after string
		added               bool
	}{
		{"absent", "", ".egide/\n", true},
		{"no final newline", "bin", "bin\n.egide/\n", true},
		{"final newline", "bin\n", "bin\n.egide/\n", true},
		{"already", "bin\n.egide/\n", "bin\n.egide/\n", false},
		{"already without slash", ".egide\nbin", ".egide\nbin", false},
		{"already anchored", "  /.egide/  \n", "  /.egide/  \n", false},
		{"similar name", ".egide-cache/\n", ".egide-cache/\n.egide/\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, ".gitignore")
			if tt.before != "" {
				if err := os.WriteFile(p, []byte(tt.before), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			added, err := ignoreEgide(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(p)
			if added != tt.added || string(got) != tt.after {
				t.Errorf("added %v, content %q; want %v, %q", added, got, tt.added, tt.after)
			}
			if tt.before != "" {
				if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
					t.Errorf("mode = %v, want the original 0600", fi.Mode().Perm())
				}
			}
			// A second run changes nothing.
			if added, err := ignoreEgide(dir); added || err != nil {
				t.Errorf("second run: added %v, %v", added, err)
			}
		})
	}
}

func TestIsDotEnv(t *testing.T) {
	for name, want := range map[string]bool{
		".env": true, ".env.local": true, ".env.production": true, ".env.prod.local": true,
		".env.example": false, ".env.sample": false, ".env.template": false,
		".env.": false, "env": false, ".envrc": false, "prod.env": false, ".environment": false,
	} {
		if got := isDotEnv(name); got != want {
			t.Errorf("isDotEnv(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestFindGitTreeOutside(t *testing.T) {
	dir := plainTest(t).Dir
	g, err := findGitTree(dir)
	if err != nil || g != nil {
		t.Fatalf("findGitTree = %v, %v; want nil, nil", g, err)
	}
}
