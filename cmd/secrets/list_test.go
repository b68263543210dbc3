package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
)

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		argv    string
		want    ListOptions
		wantErr bool
	}{
		{argv: "", want: ListOptions{}},
		{argv: "--json", want: ListOptions{JSON: true}},
		{argv: "--show-values --at HEAD~1 -e prod", want: ListOptions{ShowValues: true, At: "HEAD~1", EnvFlag: "prod"}},
		{argv: "--json --show-values", want: ListOptions{JSON: true, ShowValues: true}},
		{argv: "extra", wantErr: true},
		{argv: "--format json", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *ListOptions
			cmd := NewCmdList(f.Factory, func(_ context.Context, o *ListOptions) error { got = o; return nil })
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
			if got.JSON != tt.want.JSON || got.ShowValues != tt.want.ShowValues || got.At != tt.want.At || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil {
				t.Error("dependencies not set")
			}
		})
	}
	f := cmdutil.NewTest(t)
	if cmd := NewCmdList(f.Factory, nil); len(cmd.Aliases) != 1 || cmd.Aliases[0] != "ls" {
		t.Errorf("aliases = %v, want [ls]", cmd.Aliases)
	}
}

func TestListRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			o := tr.listOpts()

			// Empty: nothing on stdout, a note on stderr; JSON: [].
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "No keys in this environment. Add some with 'egide set KEY=VALUE'.\n")
			tr.resetOutput()
			o.EnvFlag = "dev"
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "No keys in dev. Add some with 'egide set KEY=VALUE'.\n")
			tr.resetOutput()
			o.JSON = true
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("[]\n", "")
			o.JSON, o.EnvFlag = false, ""

			tr.stage("B=2", "A=1", "GONE=x")
			tr.commit("one")
			tr.stage("LONG_NAME=two\nlines", "B=\"quoted\"")
			if err := tr.r.Unset(tr.ctx, "dev", []string{"GONE"}); err != nil {
				t.Fatal(err)
			}

			// The working state, sorted, masked.
			tr.resetOutput()
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("A          ********\nB          ********\nLONG_NAME  ********\n", "")

			tr.resetOutput()
			o.ShowValues = true
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("A          \"1\"\nB          \"\\\"quoted\\\"\"\nLONG_NAME  \"two\\nlines\"\n", "")

			// --at: the committed state.
			tr.resetOutput()
			o.ShowValues, o.At = false, "HEAD"
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("A     ********\nB     ********\nGONE  ********\n", "")

			// JSON without values has no "value" field at all.
			tr.resetOutput()
			o.JSON, o.At = true, ""
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("[\n  {\n    \"key\": \"A\"\n  },\n  {\n    \"key\": \"B\"\n  },\n  {\n    \"key\": \"LONG_NAME\"\n  }\n]\n", "")
			var items []map[string]any
			if err := json.Unmarshal(tr.Out.Bytes(), &items); err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if _, ok := it["value"]; ok || len(it) != 1 {
					t.Errorf("item %v: want only \"key\"", it)
				}
			}

			tr.resetOutput()
			o.ShowValues = true
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			var vals []struct{ Key, Value string }
			if err := json.Unmarshal(tr.Out.Bytes(), &vals); err != nil {
				t.Fatal(err)
			}
			want := []struct{ Key, Value string }{{"A", "1"}, {"B", `"quoted"`}, {"LONG_NAME", "two\nlines"}}
			if len(vals) != len(want) {
				t.Fatalf("got %v, want %v", vals, want)
			}
			for i := range want {
				if vals[i] != want[i] {
					t.Errorf("item %d = %v, want %v", i, vals[i], want[i])
				}
			}

			// An empty value is still a "value" under --show-values.
			tr.stage("A=")
			tr.resetOutput()
			if err := listRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			match(t, `"key": "A",\n    "value": ""\n`, tr.Out.String())
			if tr.ErrOut.Len() != 0 {
				t.Errorf("stderr = %q", tr.ErrOut)
			}

			// Errors.
			tr.resetOutput()
			o.At = "HEAD~5"
			if err := listRun(tr.ctx, o); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("--at HEAD~5: err = %v, want not found", err)
			}
			o.At, o.EnvFlag = "", "nosuch"
			if err := listRun(tr.ctx, o); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("-e nosuch: err = %v, want not found", err)
			}
			tr.wantOutput("", "")
		})
	}
}
