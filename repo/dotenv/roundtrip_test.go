package dotenv_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/egide/egide/repo/dotenv"
)

// nastyValues are values that a careless renderer would mangle.
var nastyValues = []string{
	"", " ", "  leading", "trailing  ", "\tindent",
	"a\nb", "\n", "\n\nleading newlines", "trailing newlines\n\n", "\r\n", "a\rb", "\r", "line\n  indented\n",
	"'", `"`, `'"'`, `"'"`, `\`, `\\`, `a\`, `\n`, `\t`, `\'`, `\"`, `\$`, `\0101`, `\0000`,
	"$", "$$", "$HOME", "${HOME}", "${X:-y}", "$(id)", "`id`", "a$", "${", "}",
	"#", "#comment", " #x", "a #b", "a#b", "=", "<<", "a=b", "KEY=VALUE", "export X=1",
	": ", "key: value", "- x", "-", "--", "---", "...", "~", "?", "&a", "*a", "!tag", "%", "@", "|", ">", "[a]", "{a: b}", "{}",
	"null", "Null", "true", "false", "yes", "no", "on", "off", "y", "n",
	"0", "08", "012", "1e3", "0x1F", "0o17", "1_000", ".5", ".inf", "-.inf", ".nan", "1:30", "190:20:30", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
	"é", "日本語", "🔐 key", "\u00a0nbsp\u00a0", "\u3000", "\u2028", "\u2029", "\u0085", "\ufeff", "\u200b",
	"\x01\x02\x1b[31m\x7f", "\a\b\f\v",
	"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC+/=\n-----END PRIVATE KEY-----\n",
	strings.Repeat("long value ", 200),
	"\xff\xfe not utf-8", "\xc3", "é\xff",
}

func nastyEntries() []dotenv.Entry {
	entries := make([]dotenv.Entry, len(nastyValues))
	for i, v := range nastyValues {
		entries[i] = dotenv.Entry{Key: fmt.Sprintf("K%d", i), Value: v}
	}
	return entries
}

func TestRoundTrip(t *testing.T) {
	for _, f := range []dotenv.Format{dotenv.FormatDotenv, dotenv.FormatJSON, dotenv.FormatYAML} {
		for i, e := range nastyEntries() {
			t.Run(fmt.Sprintf("%s/%d", f, i), func(t *testing.T) {
				in := []dotenv.Entry{e, {Key: "AFTER", Value: "x"}}
				checkRoundTrip(t, in, f)
			})
		}
		t.Run(string(f)+"/all", func(t *testing.T) {
			checkRoundTrip(t, nastyEntries(), f)
		})
	}
}

// checkRoundTrip encodes entries in f, decodes them, and wants them back.
// JSON is allowed, and required, to refuse values that are not UTF-8.
func checkRoundTrip(t *testing.T, entries []dotenv.Entry, f dotenv.Format) {
	t.Helper()
	var buf bytes.Buffer
	err := dotenv.Encode(&buf, entries, f)
	if f == dotenv.FormatJSON {
		for _, e := range entries {
			if !utf8.ValidString(e.Value) {
				if err == nil {
					t.Fatalf("Encode(json) accepted invalid UTF-8 in %s", e.Key)
				}
				return
			}
		}
	}
	if err != nil {
		t.Fatalf("Encode(%s): %v", f, err)
	}
	// Expansion must not see the caller's environment either.
	lookup := func(string) (string, bool) { return "LEAKED", true }
	got, err := dotenv.Decode(bytes.NewReader(buf.Bytes()), "rt", f, lookup)
	if err != nil {
		t.Fatalf("Decode(%s) of\n%s\n: %v", f, buf.String(), err)
	}
	if !reflect.DeepEqual(got, entries) {
		t.Fatalf("round trip through %s:\n%s\n got %q\nwant %q", f, buf.String(), got, entries)
	}
}

// TestShellEval runs the shell rendering through sh and reads the values
// back from the environment.
func TestShellEval(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	var entries []dotenv.Entry
	for _, e := range nastyEntries() {
		// An environment cannot carry invalid UTF-8 through every shell,
		// and the values are printed back as text.
		if utf8.ValidString(e.Value) {
			entries = append(entries, e)
		}
	}
	var script bytes.Buffer
	if err := dotenv.Encode(&script, entries, dotenv.FormatShell); err != nil {
		t.Fatal(err)
	}
	// Print each value NUL-terminated so newlines survive.
	for _, e := range entries {
		fmt.Fprintf(&script, "printf '%%s\\000' \"$%s\"\n", e.Key)
	}
	cmd := exec.Command(sh, "-c", `eval "$1"`, "sh", script.String())
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(entries) {
		t.Fatalf("sh printed %d values, want %d", len(got), len(entries))
	}
	for i, e := range entries {
		if got[i] != e.Value {
			t.Errorf("%s: sh gave %q, want %q", e.Key, got[i], e.Value)
		}
	}
}

// TestParseEncodeStable checks that parsing a file and rendering it again
// keeps the values, however the file was written.
func TestParseEncodeStable(t *testing.T) {
	in := `# a compose-style file
export A=plain
B = "double \"quoted\"\n\t$A \$A"
C='single $A \'q\''
D: yaml style # comment
E=${A:-x}${NOPE:-default}
F="multi
line"
`
	first, err := dotenv.Parse(strings.NewReader(in), "in.env", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := kv("A", "plain", "B", "double \"quoted\"\n\tplain $A", "C", "single $A 'q'", "D", "yaml style", "E", "plaindefault", "F", "multi\nline")
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("Parse = %q, want %q", first, want)
	}
	checkRoundTrip(t, first, dotenv.FormatDotenv)
}
