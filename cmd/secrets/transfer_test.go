package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/dotenv"
)

func TestNewCmdImport(t *testing.T) {
	tests := []struct {
		argv    string
		want    ImportOptions
		wantErr bool
		flagErr bool
	}{
		{argv: ".env", want: ImportOptions{File: ".env"}},
		{argv: "- --format json -e staging", want: ImportOptions{File: "-", Format: "json", EnvFlag: "staging"}},
		{argv: "--format YML secrets.txt", want: ImportOptions{File: "secrets.txt", Format: "YML"}},
		{argv: "--format env x", want: ImportOptions{File: "x", Format: "env"}},
		// shell passes parsing; importRun refuses it (TestImportShellFormat).
		{argv: "--format shell x", want: ImportOptions{File: "x", Format: "shell"}},
		{argv: "--format xml .env", wantErr: true, flagErr: true},
		{argv: "", wantErr: true},
		{argv: "a.env b.env", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *ImportOptions
			cmd := NewCmdImport(f.Factory, func(_ context.Context, o *ImportOptions) error { got = o; return nil })
			err := parse(t, cmd, tt.argv)
			if tt.wantErr {
				if err == nil || got != nil {
					t.Fatalf("err = %v, runF called: %v", err, got != nil)
				}
				var fe *cmdutil.FlagError
				if tt.flagErr && !errors.As(err, &fe) {
					t.Errorf("err = %v (%T), want a FlagError", err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.File != tt.want.File || got.Format != tt.want.Format || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

func TestNewCmdExport(t *testing.T) {
	tests := []struct {
		argv    string
		want    ExportOptions
		wantErr bool
		flagErr bool
	}{
		{argv: "", want: ExportOptions{Format: "dotenv"}},
		{argv: "--format json --at HEAD~1 -e prod", want: ExportOptions{Format: "json", At: "HEAD~1", EnvFlag: "prod"}},
		{argv: "--format sh", want: ExportOptions{Format: "sh"}},
		{argv: "--format YAML", want: ExportOptions{Format: "YAML"}},
		{argv: "--format xml", wantErr: true, flagErr: true},
		{argv: "--format=", wantErr: true, flagErr: true},
		{argv: "extra", wantErr: true},
		{argv: "--json", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *ExportOptions
			cmd := NewCmdExport(f.Factory, func(_ context.Context, o *ExportOptions) error { got = o; return nil })
			err := parse(t, cmd, tt.argv)
			if tt.wantErr {
				if err == nil || got != nil {
					t.Fatalf("err = %v, runF called: %v", err, got != nil)
				}
				var fe *cmdutil.FlagError
				if tt.flagErr && !errors.As(err, &fe) {
					t.Errorf("err = %v (%T), want a FlagError", err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != tt.want.Format || got.At != tt.want.At || got.EnvFlag != tt.want.EnvFlag {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		flag, file string
		want       dotenv.Format
	}{
		{"", ".env", dotenv.FormatDotenv},
		{"", "prod.env", dotenv.FormatDotenv},
		{"", "-", dotenv.FormatDotenv},
		{"", "secrets.json", dotenv.FormatJSON},
		{"", "SECRETS.JSON", dotenv.FormatJSON},
		{"", "a.yaml", dotenv.FormatYAML},
		{"", "dir.json/a.yml", dotenv.FormatYAML},
		{"", "a.json.txt", dotenv.FormatDotenv},
		{"dotenv", "a.json", dotenv.FormatDotenv},
		{"json", "-", dotenv.FormatJSON},
		{"yml", "a.env", dotenv.FormatYAML},
	}
	for _, tt := range tests {
		got, err := formatOf(tt.flag, tt.file)
		if err != nil || got != tt.want {
			t.Errorf("formatOf(%q, %q) = %q, %v; want %q", tt.flag, tt.file, got, err, tt.want)
		}
	}
}

func TestImportRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(tty, tty, tty)
			p := tr.writeFile("app.env", `# a comment
export HOST=localhost
PORT = 5432   # trailing comment
URL="postgres://${HOST}:${PORT}/app"
SINGLE='$HOST stays'
MULTI="one
two"
EMPTY=
`)
			if err := importRun(tr.ctx, tr.importOpts(p)); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "Staged 6 key(s) from "+p+" in dev. Record with 'egide commit -m MSG'.\n")
			want := map[string]string{
				"HOST": "localhost", "PORT": "5432", "URL": "postgres://localhost:5432/app",
				"SINGLE": "$HOST stays", "MULTI": "one\ntwo", "EMPTY": "",
			}
			for k, v := range want {
				if got := tr.value(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}

			// JSON and YAML by extension, into another env.
			if err := tr.r.CreateEnv(tr.ctx, "staging", ""); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ name, content string }{
				{"s.JSON", `{"J": "json value", "N": 8080, "T": true}`},
				{"s.yml", "Y: yaml value\nZ: 'yes'\n"},
				{"s.yaml", "Q: |\n  block\n"},
			} {
				tr.resetOutput()
				o := tr.importOpts(tr.writeFile(c.name, c.content))
				o.EnvFlag = "staging"
				if err := importRun(tr.ctx, o); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				match(t, `^Staged \d key\(s\) from .*`+c.name+` in staging\. `, tr.ErrOut.String())
			}
			es, err := tr.r.Entries(tr.ctx, "staging", "")
			if err != nil {
				t.Fatal(err)
			}
			wantES := []repo.Entry{{Key: "J", Value: "json value"}, {Key: "N", Value: "8080"}, {Key: "Q", Value: "block\n"}, {Key: "T", Value: "true"}, {Key: "Y", Value: "yaml value"}, {Key: "Z", Value: "yes"}}
			if !reflect.DeepEqual(es, wantES) {
				t.Errorf("staging = %v, want %v", es, wantES)
			}

			// '-' reads stdin; --format overrides the extension.
			tr.resetOutput()
			tr.In.WriteString(`{"FROM_STDIN": "x"}`)
			o := tr.importOpts("-")
			o.Format = "json"
			if err := importRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "Staged 1 key(s) from stdin in dev. Record with 'egide commit -m MSG'.\n")
			tr.resetOutput()
			o = tr.importOpts(tr.writeFile("really-dotenv.json", "FROM_FLAG=1\n"))
			o.Format = "dotenv"
			if err := importRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			if tr.value("FROM_FLAG") != "1" || tr.value("FROM_STDIN") != "x" {
				t.Error("stdin or --format import missing")
			}

			// An empty file stages nothing, and says so.
			tr.resetOutput()
			if err := importRun(tr.ctx, tr.importOpts(tr.writeFile("empty.env", "# nothing\n"))); err != nil {
				t.Fatal(err)
			}
			match(t, `^Staged 0 key\(s\) from `, tr.ErrOut.String())
		})
	}
}

// TestImportExpansion: variables come from earlier keys of the file, then
// from the environment's current values (committed or staged), then "".
func TestImportExpansion(t *testing.T) {
	tr := newTestRepo(t)
	tr.stage("BASE=committed", "HOST=old-host")
	tr.commit("base")
	tr.stage("STAGED=staged")
	p := tr.writeFile(".env", `A=1
B=${A}2
C=$BASE/x
D=${STAGED}
HOST=new-host
E=$HOST
F=${MISSING:-default}
G=${MISSING}
H=${A:+alt}
I='${A} literal'
J="\${A} escaped"
K=$$A
BASE
`)
	if err := importRun(tr.ctx, tr.importOpts(p)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"A": "1", "B": "12", "C": "committed/x", "D": "staged", "HOST": "new-host",
		"E": "new-host", "F": "default", "G": "", "H": "alt", "I": "${A} literal",
		"J": "${A} escaped", "K": "$A", "BASE": "committed",
	}
	for k, v := range want {
		if got := tr.value(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := tr.status(); !reflect.DeepEqual(got, []string{"+A", "+B", "+C", "+D", "+E", "+F", "+G", "+H", "~HOST", "+I", "+J", "+K", "+STAGED"}) {
		t.Errorf("status = %v", got)
	}

	// A required variable that is missing fails the import.
	p = tr.writeFile("req.env", "OK=1\nR=${NOPE:?set NOPE first}\n")
	err := importRun(tr.ctx, tr.importOpts(p))
	var pe *dotenv.ParseError
	if !errors.As(err, &pe) || pe.File != p || pe.Line != 2 {
		t.Fatalf("err = %#v, want a ParseError at %s:2", err, p)
	}
	if _, err := tr.r.Get(tr.ctx, "dev", "OK", ""); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("OK was staged: %v", err)
	}
}

// TestImportMalformed: a malformed file names the file and the line, never
// quotes the input, and stages nothing.
func TestImportMalformed(t *testing.T) {
	tests := []struct {
		name, file, format, content string
		line                        int
	}{
		{name: "unterminated", file: "bad.env", content: "A=1\nB=2\nC=\"s3cr3t-unterminated\nD=4\n", line: 3},
		{name: "stray line", file: "bad.env", content: "A=1\ns3cr3t-stray-line\n", line: 2},
		{name: "text after quote", file: "bad.env", content: "# c\n\nA='x' s3cr3t-after\n", line: 3},
		{name: "bad reference", file: "bad.env", content: "A=1\nB=${s3cr3t-ref\n", line: 2},
		{name: "required", file: "bad.env", content: "A=${NOPE:?s3cr3t-message}\n", line: 1},
		{name: "invalid key", file: "bad.env", content: "A=1\nB=2\ns3cr3t.key=1\n", line: 3},
		{name: "crlf", file: "bad.env", content: "A=1\r\nB=\"s3cr3t\r\n", line: 2},
		{name: "json syntax", file: "bad.json", content: "{\n  \"A\": \"1\",\n  \"B\": s3cr3t-bare\n}\n", line: 3},
		{name: "json syntax far down", file: "bad.json", content: "{\n" + strings.Repeat("  \"K\": \"v\",\n", 40) + "  \"BAD\": s3cr3t\n}\n", line: 42},
		{name: "json nested", file: "bad.json", content: "{\n  \"A\": {\"s3cr3t\": 1}\n}\n", line: 2},
		{name: "json null", file: "bad.json", content: "{\"A\": \"1\",\n\"B\": null}\n", line: 2},
		{name: "json array", file: "bad.json", content: "[\"s3cr3t\"]\n", line: 1},
		{name: "json key", file: "bad.json", content: "{\"A\": \"1\",\n\"s3cr3t-key\": \"x\"}\n", line: 2},
		{name: "json NUL", file: "bad.json", content: "{\"A\": \"1\",\n\"B\": \"a\\u0000s3cr3t\"}\n", line: 2},
		{name: "yaml sequence", file: "bad.yaml", content: "A: 1\nB:\n  - s3cr3t\n", line: 2},
		{name: "yaml null", file: "bad.yaml", content: "A: 1\nB: ~\n", line: 2},
		{name: "yaml key", file: "bad.yml", content: "A: 1\ns3cr3t-key: 2\n", line: 2},
		{name: "yaml scanner", file: "bad.yaml", content: "A: 1\nB: 2\nC: @s3cr3t\n", line: 3},
		{name: "yaml parser", file: "bad.yaml", content: "A: 1\nB: 2\n- s3cr3t\n", line: 3},
		{name: "yaml two documents", file: "bad.yaml", content: "A: 1\n---\nB: 2\n", line: 2},
		{name: "dotenv by flag", file: "bad.json", format: "dotenv", content: "A=1\nB=\"s3cr3t\n", line: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, stdin := range []bool{false, true} {
				tr := newTestRepo(t)
				tr.stage("KEEP=1")
				tr.commit("base")
				p := tr.writeFile(tt.file, tt.content)
				o := tr.importOpts(p)
				o.Format = tt.format
				wantFile := p
				if stdin {
					o.File, wantFile = "-", "stdin"
					tr.In.WriteString(tt.content)
					if o.Format == "" {
						o.Format, _ = strings.CutPrefix(filepath.Ext(tt.file), ".")
					}
				}
				err := importRun(tr.ctx, o)
				var pe *dotenv.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("stdin %v: err = %v (%T), want a ParseError", stdin, err, err)
				}
				if pe.File != wantFile || pe.Line != tt.line {
					t.Errorf("stdin %v: error at %s:%d, want %s:%d (%v)", stdin, pe.File, pe.Line, wantFile, tt.line, err)
				}
				if !strings.HasPrefix(err.Error(), wantFile+":"+strconv.Itoa(tt.line)+": ") {
					t.Errorf("stdin %v: err = %q, want it to start with %s:%d: ", stdin, err, wantFile, tt.line)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("stdin %v: error %q quotes the input", stdin, err)
				}
				tr.noStatus()
				tr.wantOutput("", "")
			}
		})
	}
}

// TestImportYAMLErrorsQuoteNothing: YAML's own error messages must not
// carry the input into the error either (a value starting with '*' reads as
// an alias).
func TestImportYAMLErrorsQuoteNothing(t *testing.T) {
	for _, c := range []struct {
		content string
		line    int
	}{
		{"A: *s3cr3t-password\n", 1},
		{"A: 1\nB: *s3cr3t\n", 2},
	} {
		tr := newTestRepo(t)
		err := importRun(tr.ctx, tr.importOpts(tr.writeFile("x.yaml", c.content)))
		var pe *dotenv.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want a ParseError", err)
		}
		if pe.Line != c.line {
			t.Errorf("error %q: line %d, want %d", err, pe.Line, c.line)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %q quotes the input", err)
		}
		tr.noStatus()
	}
}

func TestImportErrors(t *testing.T) {
	tr := newTestRepo(t)
	tr.stage("KEEP=1")
	tr.commit("base")

	// shell is export-only: a usage error.
	o := tr.importOpts(tr.writeFile("x.sh", "export A='1'\n"))
	o.Format = "shell"
	var fe *cmdutil.FlagError
	if err := importRun(tr.ctx, o); !errors.As(err, &fe) {
		t.Errorf("--format shell: err = %v, want a FlagError", err)
	}

	// A missing file.
	if err := importRun(tr.ctx, tr.importOpts(filepath.Join(tr.Dir, "missing.env"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want not exist", err)
	}

	// A value over the limit: the key is named, nothing is staged.
	big := "s3cr3t" + strings.Repeat("z", repo.MaxValueSize)
	err := importRun(tr.ctx, tr.importOpts(tr.writeFile("big.env", "A=1\nBIG="+big+"\nC=3\n")))
	if !errors.Is(err, repo.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	match(t, `value of BIG is`, err.Error())
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "zzz") {
		t.Errorf("error quotes the value: %.100q", err)
	}

	// An unknown env.
	o = tr.importOpts(tr.writeFile("ok.env", "A=1\n"))
	o.EnvFlag = "nosuch"
	if err := importRun(tr.ctx, o); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("-e nosuch: err = %v, want not found", err)
	}
	tr.noStatus()
	tr.wantOutput("", "")
}

// exportFixture is staged by the export tests: one value per quoting rule.
var exportFixture = []string{"A=plain", `B=it's a "test"`, "C=line1\nline2", "D=$HOME"}

func TestExportRun(t *testing.T) {
	want := map[string]string{
		"dotenv": "A=plain\nB=\"it's a \\\"test\\\"\"\nC=\"line1\\nline2\"\nD='$HOME'\n",
		"json":   "{\n  \"A\": \"plain\",\n  \"B\": \"it's a \\\"test\\\"\",\n  \"C\": \"line1\\nline2\",\n  \"D\": \"$HOME\"\n}\n",
		"yaml":   "A: plain\nB: it's a \"test\"\nC: |-\n  line1\n  line2\nD: $HOME\n",
		"shell":  "export A='plain'\nexport B='it'\\''s a \"test\"'\nexport C='line1\nline2'\nexport D='$HOME'\n",
	}
	empty := map[string]string{"dotenv": "", "json": "{}\n", "yaml": "{}\n", "shell": ""}
	for _, tty := range []bool{false, true} {
		for _, format := range []string{"dotenv", "json", "yaml", "shell"} {
			t.Run(ttyName(tty)+"/"+format, func(t *testing.T) {
				tr := newTestRepo(t)
				tr.IO.SetTTY(tty, tty, tty)
				o := tr.exportOpts(format)
				if err := exportRun(tr.ctx, o); err != nil {
					t.Fatal(err)
				}
				tr.wantOutput(empty[format], "")

				tr.stage(exportFixture...)
				tr.commit("one")
				tr.stage("A=changed")
				tr.resetOutput()
				o.At = "HEAD"
				if err := exportRun(tr.ctx, o); err != nil {
					t.Fatal(err)
				}
				tr.wantOutput(want[format], "")

				// Without --at: the working state.
				tr.resetOutput()
				o.At = ""
				if err := exportRun(tr.ctx, o); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(tr.Out.String(), "changed") || strings.Contains(tr.Out.String(), "plain") {
					t.Errorf("working state not exported:\n%s", tr.Out)
				}
			})
		}
	}
}

func TestExportErrors(t *testing.T) {
	tr := newTestRepo(t)
	tr.stage("A=ok", "BIN=\xff\xfes3cr3t")
	o := tr.exportOpts("json")
	err := exportRun(tr.ctx, o)
	if err == nil {
		t.Fatal("JSON export of invalid UTF-8: no error")
	}
	match(t, `value of BIN is not valid UTF-8`, err.Error())
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error quotes the value: %q", err)
	}
	tr.wantOutput("", "")
	for _, format := range []string{"dotenv", "yaml", "shell"} {
		tr.resetOutput()
		if err := exportRun(tr.ctx, tr.exportOpts(format)); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}

	for _, c := range []struct {
		format, at, env string
		is              error
	}{
		{format: "dotenv", at: "HEAD", is: repo.ErrNotFound},
		{format: "dotenv", env: "nosuch", is: repo.ErrNotFound},
	} {
		tr.resetOutput()
		o := tr.exportOpts(c.format)
		o.At, o.EnvFlag = c.at, c.env
		if err := exportRun(tr.ctx, o); !errors.Is(err, c.is) {
			t.Errorf("%+v: err = %v, want %v", c, err, c.is)
		}
		tr.wantOutput("", "")
	}
	o = tr.exportOpts("xml")
	if err := exportRun(tr.ctx, o); err == nil {
		t.Error("--format xml: no error")
	}
}

// nastyValues round-trip through every format that can hold them.
var nastyValues = map[string]string{
	"MULTI":     "line one\nline two\n",
	"ONLY_NL":   "\n\n",
	"CRLF":      "a\r\nb",
	"LONE_CR":   "a\rb",
	"DQ":        `she said "hi"`,
	"SQ":        `it's`,
	"BOTH":      `'"'"`,
	"BACKSLASH": `C:\path\to\file \n not a newline \\`,
	"DOLLAR":    `$HOME ${HOME} $$ ${X:-y} $`,
	"HASH":      "a #not a comment",
	"HASH2":     "#leading",
	"EQUALS":    "=a=b=",
	"UNICODE":   "héllo wörld ✓ 日本語 \u2028 \u00a0",
	"SPACES":    "  padded  ",
	"TAB":       "\ta\tb\t",
	"EMPTY":     "",
	"CONTROL":   "\x01\x07\x1b[0m\x7f",
	"C1":        "\u0085\u009f",
	"OCTAL":     `\0123 \0`,
	"YAMLISH":   "yes",
	"YAMLNULL":  "null",
	"TILDE":     "~",
	"TIME":      "1:30",
	"NUMBER":    "0x1F",
	"DASH":      "- item",
	"COLON":     "key: value",
	"BRACES":    "{a: [b]}",
	"STAR":      "*alias",
	"AMP":       "&anchor",
	"BANG":      "!tag",
	"PERCENT":   "%TAG",
	"QUOTEONLY": `"`,
	"SQONLY":    `'`,
	"EXPORT":    "export X=1",
}

func TestExportImportRoundTrip(t *testing.T) {
	for _, format := range []string{"dotenv", "json", "yaml"} {
		t.Run(format, func(t *testing.T) {
			tr := newTestRepo(t)
			var kv []string
			for k, v := range nastyValues {
				kv = append(kv, k+"="+v)
			}
			if format != "json" {
				kv = append(kv, "BINARY=\xff\xfe\x80")
			}
			tr.stage(kv...)
			tr.commit("nasty")
			if err := exportRun(tr.ctx, tr.exportOpts(format)); err != nil {
				t.Fatal(err)
			}
			exported := tr.Out.String()

			if err := tr.r.CreateEnv(tr.ctx, "other", ""); err != nil {
				t.Fatal(err)
			}
			tr.In.WriteString(exported)
			o := tr.importOpts("-")
			o.Format, o.EnvFlag = format, "other"
			if err := importRun(tr.ctx, o); err != nil {
				t.Fatalf("import: %v\n%s", err, exported)
			}
			a, err := tr.r.Entries(tr.ctx, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := tr.r.Entries(tr.ctx, "other", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != len(kv) || len(b) != len(a) {
				t.Fatalf("dev has %d keys, other %d, want %d", len(a), len(b), len(kv))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Errorf("%s: %q came back as %q", a[i].Key, a[i].Value, b[i].Value)
				}
			}
		})
	}
}
