package project

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/egide/egide/repo"
	"github.com/go-git/go-git/v5"
)

// gitTree is the git work tree a folder belongs to.
type gitTree struct {
	Root string // the work tree's root folder
	repo *git.Repository
}

// findGitTree returns the git work tree holding dir, or nil when dir is in
// none (or only in a bare repository, which has no work tree).
func findGitTree(dir string) (*gitTree, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	wt, err := r.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open git work tree at %s: %w", dir, err)
	}
	return &gitTree{Root: wt.Filesystem.Root(), repo: r}, nil
}

// ignoreLines are the .gitignore lines that already ignore .egide/ at the
// root.
var ignoreLines = map[string]bool{
	repo.DirName:             true,
	repo.DirName + "/":       true,
	"/" + repo.DirName:       true,
	"/" + repo.DirName + "/": true,
}

// ignoreEgide adds ".egide/" to the .gitignore at root, creating the file
// if needed and keeping its content and final newline. It reports whether
// it changed anything.
func ignoreEgide(root string) (added bool, err error) {
	p := filepath.Join(root, ".gitignore")
	data, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", p, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if ignoreLines[strings.TrimSpace(line)] {
			return false, nil
		}
	}
	var b bytes.Buffer
	b.Write(data)
	if len(data) > 0 && !bytes.HasSuffix(data, []byte("\n")) {
		b.WriteByte('\n')
	}
	b.WriteString(repo.DirName + "/\n")
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(p); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.WriteFile(p, b.Bytes(), mode); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	return true, nil
}

// templateSuffixes are the .env.* files meant to be committed: they hold
// names and placeholders, not secrets.
var templateSuffixes = map[string]bool{"example": true, "sample": true, "template": true}

// isDotEnv reports whether a file name (no folder) is a plaintext dotenv
// file that likely holds secrets: ".env" or ".env.*", except the
// .env.example, .env.sample and .env.template conventions.
func isDotEnv(name string) bool {
	if name == ".env" {
		return true
	}
	suffix, ok := strings.CutPrefix(name, ".env.")
	return ok && suffix != "" && !templateSuffixes[suffix]
}

// trackedDotEnv lists the dotenv files git tracks anywhere in the tree,
// with paths relative to the root (forward slashes), sorted. It reads the
// index, which is what 'tracked' means, and not the work tree's status.
func (g *gitTree) trackedDotEnv() ([]string, error) {
	idx, err := g.repo.Storer.Index()
	if err != nil {
		return nil, fmt.Errorf("read git index: %w", err)
	}
	var out []string
	for _, e := range idx.Entries {
		if isDotEnv(path.Base(e.Name)) {
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}
