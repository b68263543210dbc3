package history

import (
	"context"
	"errors"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdRevert(t *testing.T) {
	tests := []struct {
		argv    string
		want    RevertOptions
		wantErr bool
	}{
		{argv: "HEAD", want: RevertOptions{Ref: "HEAD"}},
		{argv: "3fa2c1b9 -e prod", want: RevertOptions{Ref: "3fa2c1b9", EnvFlag: "prod"}},
		{argv: "", wantErr: true},
		{argv: "A B", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *RevertOptions
			cmd := NewCmdRevert(f.Factory, func(_ context.Context, o *RevertOptions) error { got = o; return nil })
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
			if got.Ref != tt.want.Ref || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestRevertRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			tr.history()
			opts := &RevertOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD"}
			if err := revertRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			if tr.Out.String() != "" {
				t.Errorf("stdout = %q, want empty", tr.Out)
			}
			head, err := tr.r.Resolve(tr.ctx, "dev", "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			want := "[dev " + head.Short() + "] Revert \"third\"\n 2 keys changed (1 added, 1 removed)\n"
			if got := tr.ErrOut.String(); got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
			if v, err := tr.r.Get(tr.ctx, "dev", "B", ""); err != nil || v != "2" {
				t.Errorf("B = %q, %v after revert", v, err)
			}
		})
	}
}

func TestRevertConflict(t *testing.T) {
	tr := newTestRepo(t)
	tr.history()
	tr.set("A=3")
	tr.commit("fourth")
	// HEAD~2 is "second", which changed A from 1 to 2.
	err := revertRun(tr.ctx, &RevertOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD~2"})
	var ce *repo.ConflictError
	if !errors.As(err, &ce) || len(ce.Keys) != 1 || ce.Keys[0] != "A" {
		t.Fatalf("err = %v, want a conflict on A", err)
	}
	if v, _ := tr.r.Get(tr.ctx, "dev", "A", ""); v != "3" {
		t.Errorf("A = %q after a failed revert", v)
	}
}

func TestRevertDirtyAndEmpty(t *testing.T) {
	tr := newTestRepo(t)
	tr.history()
	tr.set("Z=1")
	err := revertRun(tr.ctx, &RevertOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: "HEAD"})
	if !errors.Is(err, repo.ErrDirty) {
		t.Errorf("err = %v, want ErrDirty", err)
	}
}
