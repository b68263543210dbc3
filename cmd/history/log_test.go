package history

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
)

func TestNewCmdLog(t *testing.T) {
	tests := []struct {
		argv    string
		want    LogOptions
		wantErr bool
	}{
		{argv: "", want: LogOptions{}},
		{argv: "-n 3 -p KEY", want: LogOptions{Max: 3, Patch: true, Key: "KEY"}},
		{argv: "--max-count 2 --patch --show-values -e prod", want: LogOptions{Max: 2, Patch: true, ShowValues: true, EnvFlag: "prod"}},
		{argv: "--json", want: LogOptions{JSON: true}},
		{argv: "--show-values", wantErr: true},
		{argv: "-n -1", wantErr: true},
		{argv: "A B", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *LogOptions
			cmd := NewCmdLog(f.Factory, func(_ context.Context, o *LogOptions) error { got = o; return nil })
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
			if got.Key != w.Key || got.Max != w.Max || got.Patch != w.Patch || got.ShowValues != w.ShowValues ||
				got.JSON != w.JSON || got.EnvFlag != w.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, w)
			}
			if got.Now == nil || got.Repo == nil || got.Env == nil || got.IO == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

// history makes three commits in dev and returns them, oldest first.
func (tr *testRepo) history() []*repo.Commit {
	tr.set("A=1", "B=2")
	c1 := tr.commit("first\n\nwith a body\nof two lines")
	tr.set("A=2")
	c2 := tr.commit("second")
	tr.unset("B")
	tr.set("C=x")
	c3 := tr.commit("third")
	return []*repo.Commit{c1, c2, c3}
}

func TestLogRun(t *testing.T) {
	tr := newTestRepo(t)
	cs := tr.history()
	member := tr.Identity.Recipient()
	opts := &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now}
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"commit " + cs[2].ID.Short(),
		"author: Test <test@example.com>",
		"date: " + cs[2].Time.UTC().Format(time.RFC3339),
		"signature: good (member " + member + ")",
		"",
		"    third",
		"",
		"commit " + cs[1].ID.Short(),
		"author: Test <test@example.com>",
		"date: " + cs[1].Time.UTC().Format(time.RFC3339),
		"signature: good (member " + member + ")",
		"",
		"    second",
		"",
		"commit " + cs[0].ID.Short(),
		"author: Test <test@example.com>",
		"date: " + cs[0].Time.UTC().Format(time.RFC3339),
		"signature: good (member " + member + ")",
		"",
		"    first",
		"",
		"    with a body",
		"    of two lines",
		"",
	}, "\n")
	if got := tr.Out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if cs[0].Time.UTC().Format(time.RFC3339) != "2026-11-23T12:02:00Z" {
		t.Errorf("unexpected commit time %v", cs[0].Time)
	}
}

func TestLogRunTTY(t *testing.T) {
	tr := newTestRepo(t)
	cs := tr.history()
	tr.IO.SetTTY(false, true, true)
	opts := &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Max: 1,
		Now: func() time.Time { return cs[2].Time.Add(3 * time.Hour) }}
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	out := tr.Out.String()
	wantDate := "date: " + cs[2].Time.Local().Format("Mon Jan 2 15:04:05 2006 -0700") + " (3 hours ago)\n"
	if !strings.Contains(out, wantDate) {
		t.Errorf("no %q in:\n%s", wantDate, out)
	}
	if strings.Count(out, "commit ") != 1 {
		t.Errorf("-n 1 printed more than one commit:\n%s", out)
	}
}

func TestLogRunPatchAndKey(t *testing.T) {
	tr := newTestRepo(t)
	cs := tr.history()
	opts := &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now, Patch: true}
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	out := tr.Out.String()
	for _, want := range []string{
		"    third\n\n- B\n+ C = ********\n\ncommit",
		"    second\n\n~ A = ********\n\ncommit",
		"    of two lines\n\n+ A = ********\n+ B = ********\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}

	tr.resetOutput()
	opts.Key, opts.ShowValues = "A", true
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	out = tr.Out.String()
	if strings.Contains(out, cs[2].ID.Short()) {
		t.Errorf("log A shows a commit that did not change A:\n%s", out)
	}
	for _, want := range []string{"~ A = \"1\" → \"2\"\n", "+ A = \"1\"\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "B") {
		t.Errorf("log A -p shows other keys:\n%s", out)
	}

	tr.resetOutput()
	opts.Key = "NEVER"
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	if tr.Out.String() != "" {
		t.Errorf("stdout = %q, want empty", tr.Out)
	}
	match(t, `no commit in env dev changed NEVER`, tr.ErrOut.String())
}

func TestLogRunJSON(t *testing.T) {
	tr := newTestRepo(t)
	opts := &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now, JSON: true}
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	if got := tr.Out.String(); got != "[]\n" {
		t.Errorf("empty history: %q, want []", got)
	}

	cs := tr.history()
	tr.resetOutput()
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(tr.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d commits, want 3", len(got))
	}
	first := got[2]
	if first["id"] != cs[0].ID.String() || first["env"] != "dev" || first["message"] != cs[0].Message ||
		first["author"] != "Test <test@example.com>" || first["time"] != "2026-11-23T12:02:00Z" ||
		first["tree"] != cs[0].Tree.String() {
		t.Errorf("first commit = %v", first)
	}
	if ps, ok := first["parents"].([]any); !ok || len(ps) != 0 {
		t.Errorf("root commit parents = %#v, want []", first["parents"])
	}
	if ps := got[0]["parents"].([]any); len(ps) != 1 || ps[0] != cs[1].ID.String() {
		t.Errorf("parents = %v", ps)
	}
	sig := first["signature"].(map[string]any)
	if sig["verified"] != true || sig["member"] != tr.Identity.Recipient() || sig["key"] != vault.Fingerprint(tr.Identity.SigningKey()) {
		t.Errorf("signature = %v", sig)
	}
	if _, ok := first["changes"]; ok {
		t.Errorf("changes present without -p: %v", first)
	}

	tr.resetOutput()
	opts.Patch = true
	if err := logRun(tr.ctx, opts); err != nil {
		t.Fatal(err)
	}
	var patched []struct {
		Changes []map[string]string `json:"changes"`
	}
	if err := json.Unmarshal(tr.Out.Bytes(), &patched); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{{"key": "B", "change": "removed"}, {"key": "C", "change": "added"}}
	if c := patched[0].Changes; len(c) != 2 || len(c[0]) != 2 || c[0]["key"] != want[0]["key"] || c[0]["change"] != want[0]["change"] ||
		c[1]["key"] != want[1]["key"] || c[1]["change"] != want[1]["change"] {
		t.Errorf("changes = %v, want %v", c, want)
	}
}

func TestSignatureStatus(t *testing.T) {
	id, _, err := vault.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	none := func(_, s string) string { return s }
	fp := vault.Fingerprint(id.SigningKey())
	tests := []struct {
		c    repo.Commit
		want string
	}{
		{repo.Commit{Verified: true, Member: "age1member", Signer: id.SigningKey()}, "good (member age1member)"},
		{repo.Commit{Verified: true, Signer: id.SigningKey()}, "good (key " + fp + ", not a member)"},
		{repo.Commit{Verified: false, Member: "age1member", Signer: id.SigningKey()}, "BAD"},
	}
	for _, tt := range tests {
		if got := signatureStatus(&tt.c, none); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	// A bad signature names no member in JSON either.
	j := commitToJSON(repo.LogEntry{Commit: &repo.Commit{Member: "age1member", Signer: id.SigningKey()}}, false, false)
	if j.Signature.Verified || j.Signature.Member != nil || j.Signature.Key != fp {
		t.Errorf("signature = %+v", j.Signature)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Minute:         "in the future",
		10 * time.Second:     "just now",
		time.Minute:          "1 minute ago",
		45 * time.Minute:     "45 minutes ago",
		5 * time.Hour:        "5 hours ago",
		3 * 24 * time.Hour:   "3 days ago",
		65 * 24 * time.Hour:  "2 months ago",
		800 * 24 * time.Hour: "2 years ago",
	} {
		if got := ago(now, now.Add(-d)); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLogCleansControlCharacters(t *testing.T) {
	tr := newTestRepo(t)
	tr.Env["EGIDE_AUTHOR"] = "Eve \x1b]0;owned\a <eve@example.com>"
	tr.set("A=1")
	tr.commit("subject \x1b[2J\nbody\x1b[31m red")
	if err := logRun(tr.ctx, &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env, Now: tr.Now}); err != nil {
		t.Fatal(err)
	}
	out := tr.Out.String()
	if strings.ContainsAny(out, "\x1b\a") {
		t.Errorf("control characters reached the output: %q", out)
	}
	for _, want := range []string{"author: Eve \uFFFD]0;owned\uFFFD <eve@example.com>\n", "    subject \uFFFD[2J\n    body\uFFFD[31m red\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in %q", want, out)
		}
	}
}
