package secrets

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
)

func TestNewCmdSet(t *testing.T) {
	tests := []struct {
		argv     string
		want     SetOptions
		wantErr  bool
		flagErr  bool // a *cmdutil.FlagError: exit code 2
		errMatch string
	}{
		{argv: "A=1", want: SetOptions{Args: []string{"A=1"}}},
		{argv: "A=1 B= C", want: SetOptions{Args: []string{"A=1", "B=", "C"}}},
		{argv: "KEY -e prod", want: SetOptions{Args: []string{"KEY"}, EnvFlag: "prod"}},
		{argv: "--env staging A=x=y", want: SetOptions{Args: []string{"A=x=y"}, EnvFlag: "staging"}},
		{argv: "--from-file cert.pem TLS_CERT", want: SetOptions{Args: []string{"TLS_CERT"}, FromFile: "cert.pem"}},
		{argv: "", wantErr: true},
		{argv: "--from-file cert.pem", wantErr: true},
		{argv: "--from-file cert.pem A B", wantErr: true, flagErr: true, errMatch: `^--from-file takes exactly one KEY$`},
		{argv: "--from-file cert.pem A=1", wantErr: true, flagErr: true, errMatch: `^--from-file takes exactly one KEY$`},
		{argv: "--from-file cert.pem A B=1", wantErr: true, flagErr: true},
		{argv: "--nope A=1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			f := cmdutil.NewTest(t)
			var got *SetOptions
			cmd := NewCmdSet(f.Factory, func(_ context.Context, o *SetOptions) error { got = o; return nil })
			err := parse(t, cmd, tt.argv)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if got != nil {
					t.Error("runF called despite the error")
				}
				var fe *cmdutil.FlagError
				if tt.flagErr && !errors.As(err, &fe) {
					t.Errorf("err = %v (%T), want a FlagError", err, err)
				}
				if tt.errMatch != "" {
					match(t, tt.errMatch, err.Error())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Args, tt.want.Args) || got.EnvFlag != tt.want.EnvFlag || got.FromFile != tt.want.FromFile {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
			if got.IO == nil || got.Repo == nil || got.Env == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

func TestSetRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			if err := setRun(tr.ctx, tr.setOpts("DATABASE_URL=postgres://u:p@h/db?x=1", "EMPTY=", "PORT=8080")); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "Staged 3 key(s) in dev. Record with 'egide commit -m MSG'.\n")
			if got := tr.status(); !reflect.DeepEqual(got, []string{"+DATABASE_URL", "+EMPTY", "+PORT"}) {
				t.Errorf("status = %v", got)
			}
			if v := tr.value("DATABASE_URL"); v != "postgres://u:p@h/db?x=1" {
				t.Errorf("DATABASE_URL = %q: only the first '=' separates", v)
			}
			if v := tr.value("EMPTY"); v != "" {
				t.Errorf("EMPTY = %q", v)
			}

			// Piped stdin for the one bare KEY, besides KEY=VALUE pairs.
			tr.resetOutput()
			tr.In.WriteString("from stdin\n")
			if err := setRun(tr.ctx, tr.setOpts("PORT=9090", "TOKEN")); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "Staged 2 key(s) in dev. Record with 'egide commit -m MSG'.\n")
			if v := tr.value("TOKEN"); v != "from stdin" {
				t.Errorf("TOKEN = %q", v)
			}
			if v := tr.value("PORT"); v != "9090" {
				t.Errorf("PORT = %q", v)
			}

			// Another environment with -e.
			if err := tr.r.CreateEnv(tr.ctx, "staging", ""); err != nil {
				t.Fatal(err)
			}
			tr.resetOutput()
			o := tr.setOpts("A=1")
			o.EnvFlag = "staging"
			if err := setRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "Staged 1 key(s) in staging. Record with 'egide commit -m MSG'.\n")
			if v, err := tr.r.Get(tr.ctx, "staging", "A", ""); err != nil || v != "1" {
				t.Errorf("staging A = %q, %v", v, err)
			}
			o.EnvFlag = "nosuch"
			if err := setRun(tr.ctx, o); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("unknown env: err = %v, want not found", err)
			}
		})
	}
}

// TestSetStdinNewline: exactly one trailing line break (LF or CRLF) is
// dropped from piped input, and nothing else.
func TestSetStdinNewline(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v", "v"},
		{"v\n", "v"},
		{"v\r\n", "v"},
		{"v\n\n", "v\n"},
		{"v\r\n\r\n", "v\r\n"},
		{"v\n\r\n", "v\n"},
		{"two\nlines\n", "two\nlines"},
		{"  spaced  \n", "  spaced  "},
		{"\n", ""},
		{"", ""},
		{"\t\n", "\t"},
		{"v\r", "v\r"}, // a lone CR is not a line break
		{"v\r\r\n", "v\r"},
	}
	for _, tt := range tests {
		name := strings.ReplaceAll(strings.ReplaceAll(tt.in, "\n", `\n`), "\r", `\r`)
		if name == "" {
			name = "empty"
		}
		t.Run(name, func(t *testing.T) {
			tr := newTestRepo(t)
			tr.In.WriteString(tt.in)
			if err := setRun(tr.ctx, tr.setOpts("K")); err != nil {
				t.Fatal(err)
			}
			if got := tr.value("K"); got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetStdinErrors(t *testing.T) {
	tr := newTestRepo(t)
	tr.In.WriteString("value\n")
	err := setRun(tr.ctx, tr.setOpts("A", "B"))
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("two bare keys with piped stdin: err = %v, want a FlagError", err)
	}
	match(t, `piped input holds one value`, err.Error())
	tr.noStatus()

	// A terminal on stdin but none to prompt on (as in tests): an error
	// with a hint, and nothing staged, not even the KEY=VALUE pairs.
	tr.IO.SetTTY(true, true, true)
	err = setRun(tr.ctx, tr.setOpts("A=1", "API_KEY"))
	if !errors.Is(err, iostreams.ErrNoTTY) {
		t.Fatalf("err = %v, want ErrNoTTY", err)
	}
	var he *cmdutil.HintError
	if !errors.As(err, &he) {
		t.Fatalf("err = %v, want a hint", err)
	}
	match(t, `^read value of API_KEY: no terminal to prompt on$`, err.Error())
	match(t, `egide set API_KEY`, he.Hint)
	tr.noStatus()
}

func TestSetFromFile(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(tty, tty, tty)
			content := "-----BEGIN CERTIFICATE-----\nMIIB\r\n-----END CERTIFICATE-----\n\n"
			p := tr.writeFile("cert.pem", content)
			tr.In.WriteString("stdin is not read")
			o := tr.setOpts("TLS_CERT")
			o.FromFile = p
			if err := setRun(tr.ctx, o); err != nil {
				t.Fatal(err)
			}
			tr.wantOutput("", "Staged 1 key(s) in dev. Record with 'egide commit -m MSG'.\n")
			if got := tr.value("TLS_CERT"); got != content {
				t.Errorf("value = %q, want the file's exact bytes %q", got, content)
			}

			o.FromFile = p + ".missing"
			o.Args = []string{"OTHER"}
			err := setRun(tr.ctx, o)
			if !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("err = %v, want not exist", err)
			}
			match(t, `^read value of OTHER: `, err.Error())
			if got := tr.status(); !reflect.DeepEqual(got, []string{"+TLS_CERT"}) {
				t.Errorf("status = %v", got)
			}
		})
	}
}

func TestSetValueLimits(t *testing.T) {
	max := strings.Repeat("x", repo.MaxValueSize)
	over := max + "y"
	tests := []struct {
		name  string
		args  []string
		stdin string
		file  string
		ok    bool
		want  string // the staged value when ok
	}{
		{name: "arg 128 KiB", args: []string{"K=" + max}, ok: true, want: max},
		{name: "arg 128 KiB+1", args: []string{"K=" + over}},
		{name: "stdin 128 KiB", args: []string{"K"}, stdin: max, ok: true, want: max},
		{name: "stdin 128 KiB and newline", args: []string{"K"}, stdin: max + "\n", ok: true, want: max},
		{name: "stdin 128 KiB and CRLF", args: []string{"K"}, stdin: max + "\r\n", ok: true, want: max},
		{name: "stdin 128 KiB+1", args: []string{"K"}, stdin: over},
		{name: "stdin 128 KiB+1 and newline", args: []string{"K"}, stdin: over + "\n"},
		{name: "stdin much longer", args: []string{"K"}, stdin: max + max},
		// Input past the limit must be refused, never cut to fit.
		{name: "stdin 128 KiB, CRLF and more", args: []string{"K"}, stdin: max + "\r\nyyyy"},
		{name: "file 128 KiB", args: []string{"K"}, file: max, ok: true, want: max},
		{name: "file 128 KiB+1", args: []string{"K"}, file: over},
		{name: "NUL in arg", args: []string{"K=a\x00b"}},
		{name: "NUL on stdin", args: []string{"K"}, stdin: "a\x00b\n"},
		{name: "NUL in file", args: []string{"K"}, file: "a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTestRepo(t)
			tr.stage("OTHER=1")
			tr.commit("base")
			tr.In.WriteString(tt.stdin)
			o := tr.setOpts(append([]string{"A=ok"}, tt.args...)...)
			if tt.file != "" {
				o.Args = tt.args
				o.FromFile = tr.writeFile("value", tt.file)
			}
			err := setRun(tr.ctx, o)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if got := tr.value("K"); got != tt.want {
					t.Errorf("staged %d bytes, want %d", len(got), len(tt.want))
				}
				return
			}
			if !errors.Is(err, repo.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			msg := err.Error()
			match(t, `\bvalue of K\b`, msg)
			for _, part := range []string{"xxxx", "yyyy", "a\x00b", "\x00"} {
				if strings.Contains(msg, part) {
					t.Errorf("error %q quotes the value", msg)
				}
			}
			if len(msg) > 200 {
				t.Errorf("error is %d bytes long", len(msg))
			}
			tr.noStatus()
			tr.wantOutput("", "")
		})
	}
}

func TestSetInvalidKey(t *testing.T) {
	for _, args := range [][]string{
		{"1BAD=x"},
		{"A=1", "BAD-KEY=s3cr3t"},
		{"A=1", "=s3cr3t"},
		{"A=1", "B C=s3cr3t"},
		{"A=1", "KEY.NAME"},
		{"A=1", "ÉTÉ=s3cr3t"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			tr := newTestRepo(t)
			tr.In.WriteString("s3cr3t\n")
			err := setRun(tr.ctx, tr.setOpts(args...))
			if !errors.Is(err, repo.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q holds the value", err)
			}
			tr.noStatus()
			tr.wantOutput("", "")
		})
	}
}
