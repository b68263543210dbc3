package secrets

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdUnset(t *testing.T) {
	tests := []struct {
		argv    string
		want    UnsetOptions
		wantErr bool
	}{
		{argv: "A", want: UnsetOptions{Keys: []string{"A"}}},
		{argv: "A B C -e staging", want: UnsetOptions{Keys: []string{"A", "B", "C"}, EnvFlag: "staging"}},
		{argv: "", wantErr: true},
		{argv: "-e prod", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *UnsetOptions
			cmd := NewCmdUnset(f.Factory, func(_ context.Context, o *UnsetOptions) error { got = o; return nil })
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
			if !reflect.DeepEqual(got.Keys, tt.want.Keys) || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

func TestUnsetRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(tty, tty, tty)
			tr.stage("A=1", "B=2", "C=3")
			tr.commit("one")
			tr.stage("D=4")

			// A committed key and a staged one.
			if err := unsetRun(tr.ctx, tr.unsetOpts("A", "D")); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "Staged removal of 2 key(s) in dev. Record with 'egide commit -m MSG'.\n")
			if got := tr.status(); !reflect.DeepEqual(got, []string{"-A"}) {
				t.Errorf("status = %v, want [-A] (D was only staged)", got)
			}

			// One missing key: an error naming it, and nothing changes.
			tr.resetOutput()
			for _, keys := range [][]string{{"B", "NOPE"}, {"A"}, {"D"}} {
				err := unsetRun(tr.ctx, tr.unsetOpts(keys...))
				var nf *repo.NotFoundError
				if !errors.As(err, &nf) || nf.What != "key" || nf.Name != keys[len(keys)-1] {
					t.Fatalf("unset %v: err = %v, want key %s not found", keys, err, keys[len(keys)-1])
				}
			}
			if got := tr.status(); !reflect.DeepEqual(got, []string{"-A"}) {
				t.Errorf("status = %v, want [-A]", got)
			}
			if tr.value("B") != "2" {
				t.Error("B changed")
			}

			// Invalid names and unknown envs.
			if err := unsetRun(tr.ctx, tr.unsetOpts("B", "1BAD")); !errors.Is(err, repo.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
			o := tr.unsetOpts("B")
			o.EnvFlag = "nosuch"
			if err := unsetRun(tr.ctx, o); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("err = %v, want not found", err)
			}
			tr.wantOutput("", "")
			if got := tr.status(); !reflect.DeepEqual(got, []string{"-A"}) {
				t.Errorf("status = %v, want [-A]", got)
			}
		})
	}
}
