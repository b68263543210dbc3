package history

import (
	"errors"
	"strings"
	"testing"

	"github.com/egide/egide/repo"
)

// TestNoValuesWithoutShowValues runs every command, human and JSON, on a
// terminal and in a pipe, and fails if any value reaches stdout, stderr or
// an error without --show-values.
func TestNoValuesWithoutShowValues(t *testing.T) {
	secrets := []string{"s3cr3t-one", "s3cr3t-two", "s3cr3t-three", "s3cr3t-four", "s3cr3t-multi\nline"}
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			check := func(what string, err error) {
				t.Helper()
				if err != nil && !errors.Is(err, repo.ErrConflict) {
					t.Fatalf("%s: %v", what, err)
				}
				all := tr.Out.String() + tr.ErrOut.String()
				if err != nil {
					all += err.Error()
				}
				for _, s := range secrets {
					for _, part := range strings.Split(s, "\n") {
						if strings.Contains(all, part) {
							t.Errorf("%s printed the value %q:\n%s", what, part, all)
						}
					}
				}
				tr.resetOutput()
			}
			status := &StatusOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env}
			diff := &DiffOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env}
			logo := &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now, Patch: true}
			show := &ShowOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now, Ref: "HEAD"}
			inspect := func(when string) {
				for _, js := range []bool{false, true} {
					status.JSON, diff.JSON, logo.JSON, show.JSON = js, js, js, js
					check(when+": status", statusRun(tr.ctx, status))
					check(when+": diff", diffRun(tr.ctx, diff))
					if when != "staged" {
						check(when+": log -p", logRun(tr.ctx, logo))
						check(when+": show", showRun(tr.ctx, show))
						diff.Refs = []string{"HEAD~1"}
						check(when+": diff HEAD~1", diffRun(tr.ctx, diff))
						diff.Refs = []string{"HEAD~1", "HEAD"}
						check(when+": diff HEAD~1 HEAD", diffRun(tr.ctx, diff))
						diff.Refs = nil
					}
				}
			}
			tr.set("A="+secrets[0], "B="+secrets[1], "M="+secrets[4])
			inspect("staged")
			check("commit", commitRun(tr.ctx, &CommitOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Message: "one"}))
			tr.set("A="+secrets[2], "C="+secrets[3])
			tr.unset("B")
			check("commit", commitRun(tr.ctx, &CommitOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Message: "two"}))
			tr.set("A=" + secrets[3])
			inspect("committed")
			check("reset", resetRun(tr.ctx, &ResetOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD", Hard: true}))
			check("revert", revertRun(tr.ctx, &RevertOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD"}))
			tr.set("A=conflicting")
			tr.commit("three")
			err := revertRun(tr.ctx, &RevertOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD~2"})
			if !errors.Is(err, repo.ErrConflict) {
				t.Fatalf("revert: err = %v, want a conflict", err)
			}
			check("revert conflict", err)
			check("fsck", fsckRun(tr.ctx, &FsckOptions{IO: tr.IO, Repo: tr.Repo}))
			check("fsck --json", fsckRun(tr.ctx, &FsckOptions{IO: tr.IO, Repo: tr.Repo, JSON: true}))

			// With --show-values they do appear, quoted.
			logo.JSON, logo.ShowValues, logo.Key = false, true, "M"
			if err := logRun(tr.ctx, logo); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tr.Out.String(), `+ M = "s3cr3t-multi\nline"`) {
				t.Errorf("log M -p --show-values:\n%s", tr.Out)
			}
		})
	}
}
