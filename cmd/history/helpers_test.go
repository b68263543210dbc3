package history

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// testRepo is a real repository in a temporary folder, opened through a
// test Factory whose clock advances one minute per reading.
type testRepo struct {
	*cmdutil.TestFactory
	t   *testing.T
	ctx context.Context
	r   *repo.Repository
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	f := cmdutil.NewTestRepo(t)
	ctx := context.Background()
	tr := &testRepo{TestFactory: f, t: t, ctx: ctx}
	tr.reopen()
	return tr
}

// reopen closes and reopens the repository (after writing to its database
// behind its back).
func (tr *testRepo) reopen() {
	tr.t.Helper()
	tr.Close()
	r, err := tr.Repo(tr.ctx)
	if err != nil {
		tr.t.Fatal(err)
	}
	tr.r = r
}

// set stages KEY=VALUE pairs in dev.
func (tr *testRepo) set(kv ...string) {
	tr.t.Helper()
	var es []repo.Entry
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		es = append(es, repo.Entry{Key: k, Value: v})
	}
	if err := tr.r.Set(tr.ctx, "dev", es); err != nil {
		tr.t.Fatal(err)
	}
}

func (tr *testRepo) unset(keys ...string) {
	tr.t.Helper()
	if err := tr.r.Unset(tr.ctx, "dev", keys); err != nil {
		tr.t.Fatal(err)
	}
}

// commit records dev's staged changes and returns the commit.
func (tr *testRepo) commit(msg string) *repo.Commit {
	tr.t.Helper()
	c, err := tr.r.Commit(tr.ctx, "dev", msg)
	if err != nil {
		tr.t.Fatal(err)
	}
	return c
}

// reset empties the output buffers.
func (tr *testRepo) resetOutput() {
	tr.Out.Reset()
	tr.ErrOut.Reset()
}

// parse runs argv through a command built with a capturing runF and
// returns the error cobra or RunE gave.
func parse(t *testing.T, cmd *cobra.Command, argv string) error {
	t.Helper()
	return parseArgs(t, cmd, strings.Fields(argv))
}

// parseArgs is parse with the arguments already split.
func parseArgs(t *testing.T, cmd *cobra.Command, argv []string) error {
	t.Helper()
	if argv == nil {
		argv = []string{}
	}
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	return cmd.ExecuteContext(context.Background())
}

// match fails unless s matches the regular expression re.
func match(t *testing.T, re, s string) {
	t.Helper()
	if !regexp.MustCompile(re).MatchString(s) {
		t.Errorf("output does not match %q:\n%s", re, s)
	}
}

func noMatch(t *testing.T, re, s string) {
	t.Helper()
	if regexp.MustCompile(re).MatchString(s) {
		t.Errorf("output unexpectedly matches %q:\n%s", re, s)
	}
}
