package history

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdStatus(t *testing.T) {
	tests := []struct {
		argv    string
		want    StatusOptions
		wantErr bool
	}{
		{argv: "", want: StatusOptions{}},
		{argv: "-e prod --json", want: StatusOptions{EnvFlag: "prod", JSON: true}},
		{argv: "--show-values", want: StatusOptions{ShowValues: true}},
		{argv: "extra", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *StatusOptions
			cmd := NewCmdStatus(f.Factory, func(_ context.Context, o *StatusOptions) error { got = o; return nil })
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
			if got.EnvFlag != tt.want.EnvFlag || got.JSON != tt.want.JSON || got.ShowValues != tt.want.ShowValues {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

func TestStatusRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			opts := &StatusOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env}

			// No commits, nothing staged.
			if err := statusRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			if tr.Out.String() != "" {
				t.Errorf("stdout = %q, want empty", tr.Out)
			}
			match(t, `nothing to commit in env dev`, tr.ErrOut.String())

			tr.set("A=1", "B=2", "C=3")
			tr.commit("first")
			tr.set("A=10", "D=4")
			tr.unset("C")
			tr.resetOutput()
			if err := statusRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			want := "~ A = ********\n- C\n+ D = ********\n"
			if got := tr.Out.String(); got != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
			}
			if tty {
				match(t, `env dev: 3 uncommitted changes`, tr.ErrOut.String())
				match(t, `egide commit -m MSG`, tr.ErrOut.String())
			} else if tr.ErrOut.String() != "" {
				t.Errorf("stderr = %q, want empty when piped", tr.ErrOut)
			}

			tr.resetOutput()
			opts.ShowValues = true
			if err := statusRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			want = "~ A = \"1\" → \"10\"\n- C (was \"3\")\n+ D = \"4\"\n"
			if got := tr.Out.String(); got != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestStatusRunJSON(t *testing.T) {
	tr := newTestRepo(t)
	opts := &StatusOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, JSON: true}
	if err := statusRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"env\": \"dev\",\n  \"head\": null,\n  \"changes\": []\n}\n"
	if got := tr.Out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	tr.set("A=1", "B=2")
	c := tr.commit("first")
	tr.set("A=x")
	tr.unset("B")
	tr.resetOutput()
	if err := statusRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Env     string
		Head    *string
		Changes []map[string]string
	}
	if err := json.Unmarshal(tr.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Head == nil || *got.Head != c.ID.String() {
		t.Errorf("head = %v, want %s", got.Head, c.ID)
	}
	if len(got.Changes) != 2 || len(got.Changes[0]) != 2 ||
		got.Changes[0]["key"] != "A" || got.Changes[0]["change"] != "changed" ||
		got.Changes[1]["key"] != "B" || got.Changes[1]["change"] != "removed" {
		t.Errorf("changes = %v", got.Changes)
	}

	tr.resetOutput()
	opts.ShowValues = true
	if err := statusRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	got.Changes = nil
	if err := json.Unmarshal(tr.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	a, b := got.Changes[0], got.Changes[1]
	if a["old"] != "1" || a["new"] != "x" || b["old"] != "2" {
		t.Errorf("changes = %v", got.Changes)
	}
	if _, ok := b["new"]; ok {
		t.Errorf("removed key has a new value: %v", b)
	}
}

func TestStatusUnknownEnv(t *testing.T) {
	tr := newTestRepo(t)
	err := statusRun(tr.ctx, &StatusOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, EnvFlag: "nope"})
	if !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("err = %v, want a not-found error", err)
	}
}
