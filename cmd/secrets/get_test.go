package secrets

import (
	"context"
	"errors"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdGet(t *testing.T) {
	tests := []struct {
		argv    string
		want    GetOptions
		wantErr bool
	}{
		{argv: "KEY", want: GetOptions{Key: "KEY"}},
		{argv: "KEY --at HEAD~1 -e prod", want: GetOptions{Key: "KEY", At: "HEAD~1", EnvFlag: "prod"}},
		{argv: "--at=prod~2 KEY", want: GetOptions{Key: "KEY", At: "prod~2"}},
		{argv: "", wantErr: true},
		{argv: "A B", wantErr: true},
		{argv: "A --show-values", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *GetOptions
			cmd := NewCmdGet(f.Factory, func(_ context.Context, o *GetOptions) error { got = o; return nil })
			err := parse(t, cmd, tt.argv)
			if tt.wantErr {
				if err == nil || got != nil {
					t.Fatalf("err = %v, runF called: %v", err, got != nil)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Key != tt.want.Key || got.At != tt.want.At || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

func TestGetRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			nl := map[bool]string{false: "", true: "\n"}[tty]
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, false)
			tr.stage("A=first", "NL=ends in a newline\n", "EMPTY=", "GONE=x")
			tr.commit("one")
			tr.stage("A=second")
			tr.commit("two")
			tr.stage("A=staged", "B=new")

			tests := []struct{ key, at, want string }{
				{key: "A", want: "staged"},
				{key: "B", want: "new"},
				{key: "A", at: "HEAD", want: "second"},
				{key: "A", at: "HEAD~1", want: "first"},
				{key: "A", at: "dev~1", want: "first"},
				{key: "NL", want: "ends in a newline\n"},
				{key: "EMPTY", want: ""},
			}
			for _, c := range tests {
				tr.resetOutput()
				o := tr.getOpts(c.key)
				o.At = c.at
				if err := getRun(tr.ctx, o); err != nil {
					t.Fatalf("get %s --at %q: %v", c.key, c.at, err)
				}
				tr.wantOutput(c.want+nl, "")
			}

			// Errors: a key not there, or staged for removal, or absent
			// at REF; a bad REF; a bad key name; an unknown env.
			if err := tr.r.Unset(tr.ctx, "dev", []string{"GONE"}); err != nil {
				t.Fatal(err)
			}
			tr.resetOutput()
			var nf *repo.NotFoundError
			err := getRun(tr.ctx, tr.getOpts("GONE"))
			if !errors.As(err, &nf) || nf.What != "key" || nf.Name != "GONE" || nf.Env != "dev" {
				t.Fatalf("staged removal: err = %#v, want a key not-found error", err)
			}
			if err.Error() != `key GONE not found in env "dev" (removed, not yet committed)` {
				t.Errorf("err = %q", err)
			}
			o := tr.getOpts("GONE")
			o.At = "HEAD"
			if err := getRun(tr.ctx, o); err != nil {
				t.Errorf("GONE is still committed: %v", err)
			}
			tr.resetOutput()

			for _, c := range []struct {
				key, at, env string
				is           error
			}{
				{key: "NOPE", is: repo.ErrNotFound},
				{key: "B", at: "HEAD", is: repo.ErrNotFound},
				{key: "A", at: "HEAD~2", is: repo.ErrNotFound},
				{key: "A", at: "nosuchref", is: repo.ErrNotFound},
				{key: "1BAD", is: repo.ErrInvalid},
				{key: "A", env: "nosuch", is: repo.ErrNotFound},
			} {
				o := tr.getOpts(c.key)
				o.At, o.EnvFlag = c.at, c.env
				if err := getRun(tr.ctx, o); !errors.Is(err, c.is) {
					t.Errorf("get %s --at %q -e %q: err = %v, want %v", c.key, c.at, c.env, err, c.is)
				}
			}
			tr.wantOutput("", "")
		})
	}
}

// TestGetEnv reads the environment from -e, then EGIDE_ENV, then the
// current one.
func TestGetEnv(t *testing.T) {
	tr := newTestRepo(t)
	tr.stage("A=dev")
	if err := tr.r.CreateEnv(tr.ctx, "prod", ""); err != nil {
		t.Fatal(err)
	}
	if err := tr.r.Set(tr.ctx, "prod", []repo.Entry{{Key: "A", Value: "prod"}}); err != nil {
		t.Fatal(err)
	}
	if err := tr.r.CreateEnv(tr.ctx, "qa", ""); err != nil {
		t.Fatal(err)
	}
	if err := tr.r.Set(tr.ctx, "qa", []repo.Entry{{Key: "A", Value: "qa"}}); err != nil {
		t.Fatal(err)
	}
	get := func(flag string) string {
		t.Helper()
		tr.resetOutput()
		o := tr.getOpts("A")
		o.EnvFlag = flag
		if err := getRun(tr.ctx, o); err != nil {
			t.Fatal(err)
		}
		return tr.Out.String()
	}
	if got := get(""); got != "dev" {
		t.Errorf("default env: %q", got)
	}
	tr.Env["EGIDE_ENV"] = "qa"
	if got := get(""); got != "qa" {
		t.Errorf("EGIDE_ENV=qa: %q", got)
	}
	if got := get("prod"); got != "prod" {
		t.Errorf("-e prod over EGIDE_ENV: %q", got)
	}
}
