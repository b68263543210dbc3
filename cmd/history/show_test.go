package history

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdShow(t *testing.T) {
	tests := []struct {
		argv    string
		want    ShowOptions
		wantErr bool
	}{
		{argv: "", want: ShowOptions{Ref: "HEAD"}},
		{argv: "HEAD~2 --show-values", want: ShowOptions{Ref: "HEAD~2", ShowValues: true}},
		{argv: "3fa2c1b9 -e prod --json", want: ShowOptions{Ref: "3fa2c1b9", EnvFlag: "prod", JSON: true}},
		{argv: "A B", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *ShowOptions
			cmd := NewCmdShow(f.Factory, func(_ context.Context, o *ShowOptions) error { got = o; return nil })
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
			w := tt.want
			if got.Ref != w.Ref || got.ShowValues != w.ShowValues || got.JSON != w.JSON || got.EnvFlag != w.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, w)
			}
		})
	}
}

func TestShowRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			cs := tr.history()
			opts := &ShowOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now, Ref: "HEAD~1"}
			if err := showRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			date := regexp.QuoteMeta(cs[1].Time.UTC().Format(time.RFC3339))
			if tty {
				date = regexp.QuoteMeta(cs[1].Time.Local().Format("Mon Jan 2 15:04:05 2006 -0700")) + ` \(\d+ minutes ago\)`
			}
			match(t, `^commit `+cs[1].ID.Short()+"\nauthor: Test <test@example.com>\ndate: "+date+
				"\nsignature: good \\(member age1[0-9a-z]+\\)\n\n    second\n\n~ A = \\*{8}\n$", tr.Out.String())

			tr.resetOutput()
			opts.Ref, opts.ShowValues = cs[2].ID.String()[:8], true
			if err := showRun(tr.ctx, opts); err != nil {
				t.Fatal(err)
			}
			match(t, "\n- B \\(was \"2\"\\)\n\\+ C = \"x\"\n$", tr.Out.String())
		})
	}
}

func TestShowRunJSON(t *testing.T) {
	tr := newTestRepo(t)
	cs := tr.history()
	opts := &ShowOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now, Ref: "dev~2", JSON: true}
	if err := showRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	var got struct {
		ID      string              `json:"id"`
		Changes []map[string]string `json:"changes"`
	}
	if err := json.Unmarshal(tr.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != cs[0].ID.String() || len(got.Changes) != 2 || got.Changes[0]["key"] != "A" || got.Changes[0]["change"] != "added" {
		t.Errorf("got %+v", got)
	}
	if strings.Contains(tr.Out.String(), `"new"`) {
		t.Errorf("values without --show-values:\n%s", tr.Out)
	}
}

func TestShowUnknownRef(t *testing.T) {
	tr := newTestRepo(t)
	tr.history()
	for _, ref := range []string{"deadbeef", "HEAD~9", "zz"} {
		err := showRun(tr.ctx, &ShowOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Ref: ref})
		if !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("show %s: err = %v, want ErrNotFound", ref, err)
		}
	}
}
