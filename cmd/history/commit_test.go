package history

import (
	"context"
	"errors"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdCommit(t *testing.T) {
	tests := []struct {
		name    string
		argv    []string
		want    CommitOptions
		wantErr bool
	}{
		{name: "message", argv: []string{"-m", "add database"}, want: CommitOptions{Message: "add database"}},
		{name: "env", argv: []string{"-e", "prod", "--message", "x"}, want: CommitOptions{EnvFlag: "prod", Message: "x"}},
		{name: "paragraphs", argv: []string{"-m", "subject", "-m", " body \n"}, want: CommitOptions{Message: "subject\n\nbody"}},
		{name: "no message", argv: nil, wantErr: true},
		{name: "blank message", argv: []string{"-m", "  "}, wantErr: true},
		{name: "argument", argv: []string{"-m", "x", "extra"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *CommitOptions
			cmd := NewCmdCommit(f.Factory, func(_ context.Context, o *CommitOptions) error { got = o; return nil })
			err := parseArgs(t, cmd, tt.argv)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Message != tt.want.Message || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestNewCmdCommitFlagError(t *testing.T) {
	f := cmdutil.NewTest(t)
	err := parse(t, NewCmdCommit(f.Factory, func(context.Context, *CommitOptions) error { return nil }), "")
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a FlagError (exit code 2)", err)
	}
}

func TestCommitRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			opts := &CommitOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Message: "add database\n\nbody"}
			tr.set("A=1", "B=2")
			if err := commitRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			if tr.Out.String() != "" {
				t.Errorf("stdout = %q, want empty", tr.Out)
			}
			match(t, `^\[dev [0-9a-f]{10}\] add database\n 2 keys changed \(2 added\)\n$`, tr.ErrOut.String())

			tr.set("A=3", "C=1")
			tr.unset("B")
			tr.resetOutput()
			opts.Message = "second"
			if err := commitRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			head, err := tr.r.Resolve(tr.ctx, "dev", "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			want := "[dev " + head.Short() + "] second\n 3 keys changed (1 added, 1 changed, 1 removed)\n"
			if got := tr.ErrOut.String(); got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
			if st, _ := tr.r.Status(tr.ctx, "dev"); len(st) != 0 {
				t.Errorf("status after commit = %v", st)
			}
		})
	}
}

func TestCommitNothingStaged(t *testing.T) {
	tr := newTestRepo(t)
	err := commitRun(tr.ctx, &CommitOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Message: "x"})
	if !errors.Is(err, repo.ErrNothingToCommit) {
		t.Fatalf("err = %v, want ErrNothingToCommit", err)
	}
	if tr.Out.String() != "" || tr.ErrOut.String() != "" {
		t.Errorf("output %q %q, want none", tr.Out, tr.ErrOut)
	}
}
