package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/dotenv"
)

func TestNewCmdEdit(t *testing.T) {
	tests := []struct {
		argv    string
		env     string
		wantErr bool
	}{
		{argv: ""},
		{argv: "-e prod", env: "prod"},
		{argv: "--env=staging", env: "staging"},
		{argv: "extra", wantErr: true},
		{argv: "--editor vi", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *EditOptions
			cmd := NewCmdEdit(f.Factory, func(_ context.Context, o *EditOptions) error { got = o; return nil })
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
			if got.EnvFlag != tt.env {
				t.Errorf("env = %q, want %q", got.EnvFlag, tt.env)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil || got.Getenv == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

// editTest is a repository whose edits go through a shell-script editor
// that records what it saw in side/ before running its body.
type editTest struct {
	*testRepo
	run  string // $XDG_RUNTIME_DIR, where the private folder goes
	side string
}

func newEditTest(t *testing.T) *editTest {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil || runtime.GOOS != "linux" {
		t.Skip("the editor scripts need sh, GNU stat and GNU sed")
	}
	et := &editTest{testRepo: newTestRepo(t), run: t.TempDir(), side: t.TempDir()}
	et.Env["XDG_RUNTIME_DIR"] = et.run
	return et
}

// editor writes an editor script running body and returns its path.
func (et *editTest) editor(name, body string) string {
	et.t.Helper()
	p := filepath.Join(et.side, name)
	script := fmt.Sprintf(`#!/bin/sh
set -e
side='%s'
stat -c %%a "$1" > "$side/mode"
stat -c %%a "$(dirname "$1")" > "$side/dirmode"
printf '%%s' "$1" > "$side/path"
cp "$1" "$side/before"
%s
`, et.side, body)
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		et.t.Fatal(err)
	}
	return p
}

func (et *editTest) sideFile(name string) string {
	et.t.Helper()
	b, err := os.ReadFile(filepath.Join(et.side, name))
	if err != nil {
		et.t.Fatal(err)
	}
	return string(b)
}

// checkPrivateFile checks that the editor saw a 0600 file in a 0700
// folder under $XDG_RUNTIME_DIR, and that both are gone.
func (et *editTest) checkPrivateFile() {
	et.t.Helper()
	if m := et.sideFile("mode"); m != "600\n" {
		et.t.Errorf("file mode while editing = %q, want 600", m)
	}
	if m := et.sideFile("dirmode"); m != "700\n" {
		et.t.Errorf("folder mode while editing = %q, want 700", m)
	}
	p := et.sideFile("path")
	if !strings.HasPrefix(p, et.run+string(filepath.Separator)+"egide-edit-") || filepath.Base(p) != "dev.env" {
		et.t.Errorf("edited %s, want $XDG_RUNTIME_DIR/egide-edit-*/dev.env", p)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		et.t.Errorf("%s still there after the edit (%v)", p, err)
	}
	if des, err := os.ReadDir(et.run); err != nil || len(des) != 0 {
		et.t.Errorf("$XDG_RUNTIME_DIR holds %v (%v), want nothing", des, err)
	}
}

const editHeader = "# egide: environment \"dev\". Edit, save and quit to stage the changes;\n# delete a line to remove its key. An empty file changes nothing.\n"

func TestEditRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			et := newEditTest(t)
			et.IO.SetTTY(tty, tty, tty)
			et.stage("A=1", "B=2", "C=3")
			et.commit("one")
			et.stage("D=4")
			et.Env["EDITOR"] = et.editor("edit.sh", `cat > "$1" <<'EOF'
# a comment of mine
A=1
B=two
D=4
E='new value'
EOF`)
			if err := editRun(et.ctx, et.editOpts()); err != nil {
				t.Fatal(err)
			}
			et.wantOutput("", "Staged in dev: 1 added, 1 changed, 1 removed. Record with 'egide commit -m MSG'.\n")
			if got, want := et.sideFile("before"), editHeader+"A=1\nB=2\nC=3\nD=4\n"; got != want {
				t.Errorf("the editor saw:\n%s\nwant:\n%s", got, want)
			}
			if got := et.status(); !reflect.DeepEqual(got, []string{"~B", "-C", "+D", "+E"}) {
				t.Errorf("status = %v, want [~B -C +D +E]", got)
			}
			if et.value("B") != "two" || et.value("E") != "new value" || et.value("A") != "1" {
				t.Error("wrong values staged")
			}
			et.checkPrivateFile()
		})
	}
}

// TestEditNothingChanges: a parse error, a failing or missing editor, an
// empty file, an unchanged file and an invalid value all leave the
// working state alone, and the private file is gone in every case.
func TestEditNothingChanges(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		editor  string // instead of the script
		check   func(t *testing.T, editor string, err error)
		stderr  string
		shErr   bool // sh itself complains on stderr
		noFiles bool // the editor never ran
	}{
		{
			name: "syntax error",
			body: `printf 'A=changed\nB="s3cr3t\nC=3\n' > "$1"`,
			check: func(t *testing.T, _ string, err error) {
				var pe *dotenv.ParseError
				if !errors.As(err, &pe) || pe.File != "edited dev" || pe.Line != 2 {
					t.Fatalf("err = %v, want a ParseError at edited dev:2", err)
				}
				if err.Error() != "edited dev:2: unterminated quoted value" {
					t.Errorf("err = %q", err)
				}
			},
		},
		{
			name: "invalid name",
			body: `printf 'A=changed\ns3cr3t-line\n' > "$1"`,
			check: func(t *testing.T, _ string, err error) {
				var pe *dotenv.ParseError
				if !errors.As(err, &pe) || pe.Line != 2 {
					t.Fatalf("err = %v, want a ParseError at line 2", err)
				}
			},
		},
		{
			name: "editor exits 1",
			body: `printf 'A=changed\nNEW=1\n' > "$1"; exit 1`,
			check: func(t *testing.T, editor string, err error) {
				if err == nil || err.Error() != fmt.Sprintf("editor %q exited with status 1: nothing changed", editor) {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name:    "editor missing",
			editor:  "/nonexistent/editor",
			noFiles: true,
			shErr:   true,
			check: func(t *testing.T, _ string, err error) {
				if err == nil || !strings.Contains(err.Error(), `editor "/nonexistent/editor" exited with status 127`) {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name:   "empty file",
			body:   `: > "$1"`,
			stderr: "The file is empty: nothing changed.\n",
		},
		{
			name:   "only comments",
			body:   `printf '# nothing here\n\n   \n' > "$1"`,
			stderr: "The file is empty: nothing changed.\n",
		},
		{
			name:   "unchanged",
			body:   `:`,
			stderr: "No changes.\n",
		},
		{
			name:   "rewritten identically",
			body:   `cp "$1" "$1.tmp"; mv "$1.tmp" "$1"`,
			stderr: "No changes.\n",
		},
		{
			name: "value over the limit",
			body: fmt.Sprintf(`{ printf 'A=changed\nNEW=1\nBIG='; head -c %d /dev/zero | tr '\000' x; echo; } > "$1"`, repo.MaxValueSize+1),
			check: func(t *testing.T, _ string, err error) {
				if !errors.Is(err, repo.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				match(t, `value of BIG is`, err.Error())
				if strings.Contains(err.Error(), "xxx") {
					t.Errorf("error quotes the value")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			et := newEditTest(t)
			et.stage("A=1", "B=2")
			et.commit("one")
			et.stage("C=3")
			editor := tt.editor
			if editor == "" {
				editor = et.editor("edit.sh", tt.body)
			}
			et.Env["EDITOR"] = editor
			err := editRun(et.ctx, et.editOpts())
			if tt.check != nil {
				tt.check(t, editor, err)
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.shErr {
				match(t, `/nonexistent/editor: .*not found`, et.ErrOut.String())
				et.ErrOut.Reset()
			}
			et.wantOutput("", tt.stderr)
			if got := et.status(); !reflect.DeepEqual(got, []string{"+C"}) {
				t.Errorf("status = %v, want [+C] as before", got)
			}
			if et.value("A") != "1" {
				t.Error("A changed")
			}
			if !tt.noFiles {
				et.checkPrivateFile()
			} else if des, err := os.ReadDir(et.run); err != nil || len(des) != 0 {
				t.Errorf("$XDG_RUNTIME_DIR holds %v (%v), want nothing", des, err)
			}
		})
	}
}

// TestEditEditorChoice: $VISUAL wins over $EDITOR, and the command may
// carry arguments.
func TestEditEditorChoice(t *testing.T) {
	et := newEditTest(t)
	et.stage("A=1")
	visual := et.editor("visual.sh", `echo 'FROM=visual' >> "$1"`)
	et.Env["VISUAL"] = "sh " + visual
	et.Env["EDITOR"] = et.editor("editor.sh", `exit 3`)
	if err := editRun(et.ctx, et.editOpts()); err != nil {
		t.Fatal(err)
	}
	if et.value("FROM") != "visual" {
		t.Error("$VISUAL not used")
	}
	et.checkPrivateFile()

	et.resetOutput()
	delete(et.Env, "VISUAL")
	err := editRun(et.ctx, et.editOpts())
	if err == nil || !strings.Contains(err.Error(), "exited with status 3") {
		t.Errorf("$EDITOR not used: err = %v", err)
	}
}

// TestEditLossless: the file the editor gets reads back to the same
// values, however nasty, so saving it unchanged changes nothing.
func TestEditLossless(t *testing.T) {
	et := newEditTest(t)
	var kv []string
	for k, v := range nastyValues {
		kv = append(kv, k+"="+v)
	}
	kv = append(kv, "BINARY=\xff\xfe\x80")
	et.stage(kv...)
	et.commit("nasty")
	et.Env["EDITOR"] = et.editor("edit.sh", `:`)
	if err := editRun(et.ctx, et.editOpts()); err != nil {
		t.Fatal(err)
	}
	et.wantOutput("", "No changes.\n")

	et.resetOutput()
	et.Env["EDITOR"] = et.editor("edit.sh", `echo 'NEW=1' >> "$1"`)
	if err := editRun(et.ctx, et.editOpts()); err != nil {
		t.Fatal(err)
	}
	et.wantOutput("", "Staged in dev: 1 added, 0 changed, 0 removed. Record with 'egide commit -m MSG'.\n")
	if got := et.status(); !reflect.DeepEqual(got, []string{"+NEW"}) {
		t.Errorf("status = %v, want [+NEW]", got)
	}
}

func TestEditOtherEnv(t *testing.T) {
	et := newEditTest(t)
	if err := et.r.CreateEnv(et.ctx, "staging", ""); err != nil {
		t.Fatal(err)
	}
	et.Env["EDITOR"] = et.editor("edit.sh", `echo 'S=1' >> "$1"`)
	o := et.editOpts()
	o.EnvFlag = "staging"
	if err := editRun(et.ctx, o); err != nil {
		t.Fatal(err)
	}
	et.wantOutput("", "Staged in staging: 1 added, 0 changed, 0 removed. Record with 'egide commit -m MSG'.\n")
	if !strings.HasPrefix(et.sideFile("before"), "# egide: environment \"staging\".") || filepath.Base(et.sideFile("path")) != "staging.env" {
		t.Errorf("the editor saw %s:\n%s", et.sideFile("path"), et.sideFile("before"))
	}
	if v, err := et.r.Get(et.ctx, "staging", "S", ""); err != nil || v != "1" {
		t.Errorf("staging S = %q, %v", v, err)
	}
	et.noStatus()

	o.EnvFlag = "nosuch"
	if err := editRun(et.ctx, o); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("-e nosuch: err = %v, want not found", err)
	}
}

func TestPrivateTempBase(t *testing.T) {
	dir := t.TempDir()
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "XDG_RUNTIME_DIR" {
				return v
			}
			return ""
		}
	}
	if got := privateTempBase(env(dir)); got != dir {
		t.Errorf("with XDG_RUNTIME_DIR: %q, want %q", got, dir)
	}
	fallback := os.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		fallback = "/dev/shm"
	}
	for _, v := range []string{"", filepath.Join(dir, "missing"), filepath.Join(dir, "file")} {
		if v != "" && filepath.Base(v) == "file" {
			if err := os.WriteFile(v, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if got := privateTempBase(env(v)); got != fallback {
			t.Errorf("XDG_RUNTIME_DIR=%q: %q, want %q", v, got, fallback)
		}
	}
}
