package secrets

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// testRepo is a real repository (env dev) in a temporary folder, opened
// through a test Factory whose clock advances one minute per reading.
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
	var err error
	if tr.r, err = tr.Repo(ctx); err != nil {
		t.Fatal(err)
	}
	return tr
}

// The options below are wired as NewCmdX wires them.

func (tr *testRepo) setOpts(args ...string) *SetOptions {
	return &SetOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Args: args}
}

func (tr *testRepo) getOpts(key string) *GetOptions {
	return &GetOptions{IO: tr.IO, Repo: tr.ReadOnlyRepo, Env: tr.EnvName, Key: key}
}

func (tr *testRepo) unsetOpts(keys ...string) *UnsetOptions {
	return &UnsetOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Keys: keys}
}

func (tr *testRepo) listOpts() *ListOptions {
	return &ListOptions{IO: tr.IO, Repo: tr.ReadOnlyRepo, Env: tr.EnvName}
}

func (tr *testRepo) importOpts(file string) *ImportOptions {
	return &ImportOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, File: file}
}

func (tr *testRepo) exportOpts(format string) *ExportOptions {
	return &ExportOptions{IO: tr.IO, Repo: tr.ReadOnlyRepo, Env: tr.EnvName, Format: format}
}

func (tr *testRepo) editOpts() *EditOptions {
	return &EditOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Getenv: tr.Getenv}
}

// stage stages KEY=VALUE pairs in dev through the library.
func (tr *testRepo) stage(kv ...string) {
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

// commit records dev's staged changes.
func (tr *testRepo) commit(msg string) {
	tr.t.Helper()
	if _, err := tr.r.Commit(tr.ctx, "dev", msg); err != nil {
		tr.t.Fatal(err)
	}
}

// value returns dev's working value of key, failing the test if it is
// missing.
func (tr *testRepo) value(key string) string {
	tr.t.Helper()
	v, err := tr.r.Get(tr.ctx, "dev", key, "")
	if err != nil {
		tr.t.Fatalf("get %s: %v", key, err)
	}
	return v
}

// status returns dev's uncommitted changes as "+KEY", "~KEY" and "-KEY".
func (tr *testRepo) status() []string {
	tr.t.Helper()
	cs, err := tr.r.Status(tr.ctx, "dev")
	if err != nil {
		tr.t.Fatal(err)
	}
	out := []string{}
	for _, c := range cs {
		out = append(out, map[repo.ChangeKind]string{repo.Added: "+", repo.Changed: "~", repo.Removed: "-"}[c.Kind]+c.Key)
	}
	return out
}

// noStatus fails the test if dev has uncommitted changes.
func (tr *testRepo) noStatus() {
	tr.t.Helper()
	if s := tr.status(); len(s) != 0 {
		tr.t.Errorf("staged changes %v, want none", s)
	}
}

// resetOutput empties the output buffers.
func (tr *testRepo) resetOutput() {
	tr.Out.Reset()
	tr.ErrOut.Reset()
}

// writeFile writes a file in the test's folder and returns its path.
func (tr *testRepo) writeFile(name, content string) string {
	tr.t.Helper()
	p := filepath.Join(tr.Dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tr.t.Fatal(err)
	}
	return p
}

// parse runs argv through a command built with a capturing runF and
// returns the error cobra or RunE gave.
func parse(t *testing.T, cmd *cobra.Command, argv string) error {
	t.Helper()
	args := strings.Fields(argv)
	if args == nil {
		args = []string{}
	}
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	return cmd.ExecuteContext(context.Background())
}

// ttyName names the subtests of a TTY on/off loop.
func ttyName(tty bool) string {
	if tty {
		return "tty"
	}
	return "pipe"
}

func match(t *testing.T, re, s string) {
	t.Helper()
	if !regexp.MustCompile(re).MatchString(s) {
		t.Errorf("%q does not match %q", s, re)
	}
}

// wantOutput compares both buffers with what is expected, exactly.
func (tr *testRepo) wantOutput(stdout, stderr string) {
	tr.t.Helper()
	if got := tr.Out.String(); got != stdout {
		tr.t.Errorf("stdout = %q, want %q", got, stdout)
	}
	if got := tr.ErrOut.String(); got != stderr {
		tr.t.Errorf("stderr = %q, want %q", got, stderr)
	}
}
