package cmdutil

import (
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// gitAuthor returns "Name <email>" from git's global configuration.
func gitAuthor() string {
	c, err := config.LoadConfig(config.GlobalScope)
	if err != nil || c.User.Name == "" {
		return ""
	}
	if c.User.Email == "" {
		return c.User.Name
	}
	return c.User.Name + " <" + c.User.Email + ">"
}

// gitBranch returns the branch checked out in the git work tree holding dir
// ("" outside one, or on a detached HEAD). An unborn branch counts.
func gitBranch(dir string) string {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return ""
	}
	head, err := r.Reference(plumbing.HEAD, false)
	if err != nil || head.Type() != plumbing.SymbolicReference || !head.Target().IsBranch() {
		return ""
	}
	return head.Target().Short()
}
