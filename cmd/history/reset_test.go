package history

import (
	"context"
	"errors"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdReset(t *testing.T) {
	tests := []struct {
		argv    string
		want    ResetOptions
		wantErr bool
	}{
		{argv: "", want: ResetOptions{Ref: "HEAD"}},
		{argv: "--hard", want: ResetOptions{Ref: "HEAD", Hard: true}},
		{argv: "--hard HEAD~2 -e prod", want: ResetOptions{Ref: "HEAD~2", Hard: true, EnvFlag: "prod"}},
		{argv: "A B", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *ResetOptions
			cmd := NewCmdReset(f.Factory, func(_ context.Context, o *ResetOptions) error { got = o; return nil })
			err := parse(t, cmd, tt.argv)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Ref != tt.want.Ref || got.Hard != tt.want.Hard || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestResetRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			cs := tr.history()
			tr.set("D=staged")
			opts := &ResetOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD~1"}
			if err := resetRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			want := "dev: HEAD is now " + cs[1].ID.Short() + " second (was " + cs[2].ID.Short() + ")\n" +
				"kept 1 uncommitted change: see 'egide status'\n"
			if got := tr.ErrOut.String(); got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
			if tr.Out.String() != "" {
				t.Errorf("stdout = %q, want empty", tr.Out)
			}
			if v, err := tr.r.Get(tr.ctx, "dev", "D", ""); err != nil || v != "staged" {
				t.Errorf("D = %q, %v: staged change lost by a soft reset", v, err)
			}
			if v, _ := tr.r.Get(tr.ctx, "dev", "B", ""); v != "2" {
				t.Errorf("B = %q, want 2 at HEAD~1", v)
			}

			tr.resetOutput()
			opts.Ref, opts.Hard = "HEAD", true
			if err := resetRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			want = "dev: HEAD stays at " + cs[1].ID.Short() + " second\ndiscarded 1 uncommitted change\n"
			if got := tr.ErrOut.String(); got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
			if _, err := tr.r.Get(tr.ctx, "dev", "D", ""); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("D after reset --hard: err = %v, want ErrNotFound", err)
			}

			// The reported id undoes the move.
			tr.resetOutput()
			opts.Ref, opts.Hard = cs[2].ID.Short(), false
			if err := resetRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			if head, _ := tr.r.Resolve(tr.ctx, "dev", "HEAD"); head != cs[2].ID {
				t.Errorf("HEAD = %s, want %s", head.Short(), cs[2].ID.Short())
			}
		})
	}
}

func TestResetErrors(t *testing.T) {
	tr := newTestRepo(t)
	opts := &ResetOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD", Hard: true}
	if err := resetRun(tr.ctx, opts); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("reset without commits: err = %v, want ErrNotFound", err)
	}
	tr.history()
	opts.Ref = "HEAD~5"
	if err := resetRun(tr.ctx, opts); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("reset HEAD~5: err = %v, want ErrNotFound", err)
	}
}
