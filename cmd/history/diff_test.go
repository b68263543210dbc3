package history

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
)

func TestNewCmdDiff(t *testing.T) {
	tests := []struct {
		argv    string
		want    []string
		wantErr bool
	}{
		{argv: "", want: []string{}},
		{argv: "HEAD~1", want: []string{"HEAD~1"}},
		{argv: "staging prod --json --show-values -e dev", want: []string{"staging", "prod"}},
		{argv: "A B C", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *DiffOptions
			cmd := NewCmdDiff(f.Factory, func(_ context.Context, o *DiffOptions) error { got = o; return nil })
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
			if strings.Join(got.Refs, " ") != strings.Join(tt.want, " ") {
				t.Errorf("refs = %q, want %q", got.Refs, tt.want)
			}
			if strings.Contains(tt.argv, "--json") != got.JSON || strings.Contains(tt.argv, "--show-values") != got.ShowValues {
				t.Errorf("flags not parsed: %+v", *got)
			}
		})
	}
}

func TestDiffRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			tr.history()
			tr.set("D=new")
			opts := &DiffOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env}
			for _, tc := range []struct {
				refs []string
				show bool
				want string
			}{
				{nil, false, "+ D = ********\n"},
				{[]string{"HEAD~2"}, false, "~ A = ********\n- B\n+ C = ********\n+ D = ********\n"},
				{[]string{"HEAD~2", "HEAD"}, false, "~ A = ********\n- B\n+ C = ********\n"},
				{[]string{"HEAD", "HEAD~2"}, true, "~ A = \"2\" → \"1\"\n+ B = \"2\"\n- C (was \"x\")\n"},
				{[]string{"HEAD", "HEAD"}, false, ""},
			} {
				tr.resetOutput()
				opts.Refs, opts.ShowValues = tc.refs, tc.show
				if err := diffRun(tr.ctx, opts); err != nil {
					t.Fatal(err)
				}
				if got := tr.Out.String(); got != tc.want {
					t.Errorf("diff %v:\n%s\nwant:\n%s", tc.refs, got, tc.want)
				}
				if tr.ErrOut.String() != "" {
					t.Errorf("stderr = %q", tr.ErrOut)
				}
			}
		})
	}
}

func TestDiffRunJSON(t *testing.T) {
	tr := newTestRepo(t)
	tr.history()
	opts := &DiffOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, JSON: true}
	if err := diffRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	if got := tr.Out.String(); got != "[]\n" {
		t.Errorf("clean diff = %q, want []", got)
	}
	tr.resetOutput()
	opts.Refs = []string{"HEAD~1", "HEAD"}
	if err := diffRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	want := `[
  {
    "key": "B",
    "change": "removed"
  },
  {
    "key": "C",
    "change": "added"
  }
]
`
	if got := tr.Out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	tr.resetOutput()
	opts.ShowValues = true
	if err := diffRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	if err := json.Unmarshal(tr.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got[0]["old"] != "2" || got[1]["new"] != "x" {
		t.Errorf("got %v", got)
	}
	if _, ok := got[0]["new"]; ok {
		t.Errorf("removed key has a new value: %v", got[0])
	}
	if _, ok := got[1]["old"]; ok {
		t.Errorf("added key has an old value: %v", got[1])
	}
}
