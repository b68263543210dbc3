package dotenv_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/egide/egide/repo/dotenv"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want dotenv.Format
	}{
		{"dotenv", dotenv.FormatDotenv},
		{"env", dotenv.FormatDotenv},
		{"JSON", dotenv.FormatJSON},
		{"yaml", dotenv.FormatYAML},
		{" yml ", dotenv.FormatYAML},
		{"shell", dotenv.FormatShell},
		{"sh", dotenv.FormatShell},
		{"toml", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := dotenv.ParseFormat(tt.in)
			if got != tt.want || (err != nil) != (tt.want == "") {
				t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	entries := kv(
		"PLAIN", "postgres://db:5432/app?ssl=on",
		"EMPTY", "",
		"SPACES", " two words ",
		"DOLLAR", "$HOME ${X}",
		"QUOTE", `it's "x"`,
		"MULTI", "a\nb\tc",
		"BACKSLASH", `C:\dir`,
		"NUMBER", "08",
		"BOOL", "yes",
		"NEL", "\u0085\x01\x7f",
	)
	tests := []struct {
		format dotenv.Format
		want   string
	}{
		{dotenv.FormatDotenv, `PLAIN='postgres://db:5432/app?ssl=on'
EMPTY=
SPACES=' two words '
DOLLAR='$HOME ${X}'
QUOTE="it's \"x\""
MULTI="a\nb\tc"
BACKSLASH="C:\\dir"
NUMBER=08
BOOL=yes
NEL="\0205\0001\0177"
`},
		{dotenv.FormatShell, `export PLAIN='postgres://db:5432/app?ssl=on'
export EMPTY=''
export SPACES=' two words '
export DOLLAR='$HOME ${X}'
export QUOTE='it'\''s "x"'
export MULTI='a
b	c'
export BACKSLASH='C:\dir'
export NUMBER='08'
export BOOL='yes'
export NEL='` + "\u0085\x01\x7f" + `'
`},
		{dotenv.FormatJSON, `{
  "PLAIN": "postgres://db:5432/app?ssl=on",
  "EMPTY": "",
  "SPACES": " two words ",
  "DOLLAR": "$HOME ${X}",
  "QUOTE": "it's \"x\"",
  "MULTI": "a\nb\tc",
  "BACKSLASH": "C:\\dir",
  "NUMBER": "08",
  "BOOL": "yes",
  "NEL": "` + "\u0085" + `\u0001\u007f"
}
`},
		{dotenv.FormatYAML, `PLAIN: postgres://db:5432/app?ssl=on
EMPTY: ""
SPACES: ' two words '
DOLLAR: $HOME ${X}
QUOTE: it's "x"
MULTI: |-
  a
  b	c
BACKSLASH: C:\dir
NUMBER: "08"
BOOL: "yes"
NEL: "\N\x01\x7F"
`},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := dotenv.Encode(&buf, entries, tt.format); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("Encode(%s) =\n%s\nwant\n%s", tt.format, got, tt.want)
			}
		})
	}
}

// TestEncodeYAML11 checks that values a YAML 1.1 reader (PyYAML, Ruby)
// would not read as strings are quoted, though YAML 1.2 would not need it.
func TestEncodeYAML11(t *testing.T) {
	for _, v := range []string{"yes", "No", "on", "OFF", "y", "N", "=", "1:30", "-190:20:30.5", "2001-12-14 21:59:43.10 -5", "2001-1-1"} {
		t.Run(v, func(t *testing.T) {
			var buf bytes.Buffer
			if err := dotenv.Encode(&buf, kv("K", v), dotenv.FormatYAML); err != nil {
				t.Fatal(err)
			}
			if want := "K: \"" + v + "\"\n"; buf.String() != want {
				t.Errorf("got %q, want %q", buf.String(), want)
			}
		})
	}
}

func TestEncodeEmpty(t *testing.T) {
	for _, f := range []dotenv.Format{dotenv.FormatDotenv, dotenv.FormatShell, dotenv.FormatJSON, dotenv.FormatYAML} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := dotenv.Encode(&buf, nil, f); err != nil {
				t.Fatal(err)
			}
			if f == dotenv.FormatShell {
				return
			}
			got, err := dotenv.Decode(&buf, "empty", f, nil)
			if err != nil || len(got) != 0 {
				t.Errorf("Decode(Encode(nil)) = %q, %v", got, err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		entries []dotenv.Entry
		format  dotenv.Format
		msg     string
	}{
		{"invalid key", kv("A-B", secret), dotenv.FormatDotenv, "entry 1: invalid variable name"},
		{"empty key", kv("A", "1", "", secret), dotenv.FormatShell, "entry 2: invalid variable name"},
		{"duplicate key", kv("A", secret, "A", secret), dotenv.FormatYAML, "duplicate key A"},
		{"nul", kv("A", secret+"\x00"), dotenv.FormatDotenv, "value of A contains a NUL byte"},
		{"json invalid utf-8", kv("A", secret+"\xff"), dotenv.FormatJSON, "value of A is not valid UTF-8"},
		{"unknown format", kv("A", secret), "toml", "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := dotenv.Encode(&buf, tt.entries, tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Encode error = %v, want %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q leaks the value", err)
			}
			if buf.Len() != 0 {
				t.Errorf("Encode wrote %d bytes despite failing", buf.Len())
			}
		})
	}
}

func TestDecodeShellUnsupported(t *testing.T) {
	_, err := dotenv.Decode(strings.NewReader("export A='1'\n"), "x.sh", dotenv.FormatShell, nil)
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []dotenv.Entry
	}{
		{"empty object", "{}", nil},
		{"strings in order", `{"B": "2", "A": "1", "C": ""}`, kv("B", "2", "A", "1", "C", "")},
		{"escapes", `{"A": "line\nbreak \"q\" \u00e9 \ud83d\udd10 \/"}`, kv("A", "line\nbreak \"q\" é 🔐 /")},
		{"numbers keep their text", `{"A": 8080, "B": 1.50, "C": -1e3, "D": 0}`, kv("A", "8080", "B", "1.50", "C", "-1e3", "D", "0")},
		{"booleans", `{"A": true, "B": false}`, kv("A", "true", "B", "false")},
		{"duplicate keeps first position", `{"A": "1", "B": "2", "A": "3"}`, kv("A", "3", "B", "2")},
		{"white space", " \n{\n\t\"A\" : \"1\"\n}\n\n", kv("A", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dotenv.Decode(strings.NewReader(tt.in), "x.json", dotenv.FormatJSON, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"empty input", "", 1, "unexpected end of JSON"},
		{"array", `["` + secret + `"]`, 1, "JSON must be an object"},
		{"string", `"` + secret + `"`, 1, "JSON must be an object"},
		{"null document", "null", 1, "JSON must be an object"},
		{"nested object", "{\n\"A\": {\"x\": \"" + secret + "\"}}", 2, "value of A is not a string, number or boolean"},
		{"nested array", "{\"A\": [\"" + secret + "\"]}", 1, "value of A is not a string, number or boolean"},
		{"null value", "{\n\n\"A\": null}", 3, "value of A is null"},
		{"invalid key", `{"A.B": "` + secret + `"}`, 1, "invalid variable name"},
		{"nul", `{"A": "` + secret + `\u0000"}`, 1, "value of A contains a NUL byte"},
		{"syntax error", "{\n\"A\": " + secret + "}", 2, "invalid JSON"},
		{"truncated", `{"A": "` + secret, 1, "unexpected end of JSON"},
		{"trailing data", `{"A": "1"} {"B": "` + secret + `"}`, 1, "unexpected data after the JSON object"},
		{"invalid utf-8", "{\n\"A\": \"" + secret + "\xff\"}", 2, "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dotenv.Decode(strings.NewReader(tt.in), "x.json", dotenv.FormatJSON, nil)
			checkParseError(t, err, "x.json", tt.line, tt.msg)
		})
	}
}

func TestDecodeYAML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []dotenv.Entry
	}{
		{"empty", "", nil},
		{"comment only", "# nothing\n", nil},
		{"null document", "~\n", nil},
		{"empty mapping", "{}\n", nil},
		{"strings in order", "B: two\nA: '1'\nC: \"\"\n", kv("B", "two", "A", "1", "C", "")},
		{"scalars keep their text", "A: 8080\nB: 0x1F\nC: 1.50\nD: true\nE: yes\nF: 2001-12-14\nG: .inf\n",
			kv("A", "8080", "B", "0x1F", "C", "1.50", "D", "true", "E", "yes", "F", "2001-12-14", "G", ".inf")},
		{"literal block", "A: |\n  line 1\n  line 2\nB: |-\n  x\n", kv("A", "line 1\nline 2\n", "B", "x")},
		{"folded block", "A: >\n  a\n  b\n", kv("A", "a b\n")},
		{"double quoted escapes", `A: "tab\there \u00e9 \x41"`, kv("A", "tab\there é A")},
		{"flow mapping", "{A: 1, B: x}", kv("A", "1", "B", "x")},
		{"alias", "A: &v shared\nB: *v\n", kv("A", "shared", "B", "shared")},
		{"binary", "A: !!binary /w==\n", kv("A", "\xff")},
		{"explicit string tag", "A: !!str 123\n", kv("A", "123")},
		{"duplicate keeps first position", "A: 1\nB: 2\nA: 3\n", kv("A", "3", "B", "2")},
		{"document markers", "---\nA: 1\n...\n", kv("A", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dotenv.Decode(strings.NewReader(tt.in), "x.yaml", dotenv.FormatYAML, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeYAMLErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"sequence document", "- " + secret + "\n", 1, "YAML must be a mapping"},
		{"scalar document", secret + "\n", 1, "YAML must be a mapping"},
		{"nested mapping", "A: 1\nB:\n  x: " + secret + "\n", 2, "value of B is not a string, number or boolean"},
		{"sequence value", "A: [" + secret + "]\n", 1, "value of A is not a string, number or boolean"},
		{"null value", "A: 1\nB:\n", 2, "value of B is null"},
		{"tilde value", "A: ~\n", 1, "value of A is null"},
		{"invalid key", "A-B: " + secret + "\n", 1, "invalid variable name"},
		{"merge key", "base: &b {X: 1}\n<<: *b\n", 1, "value of base is not a string"},
		{"custom tag", "A: !secret " + secret + "\n", 1, "value of A has an unsupported tag"},
		{"bad base64", "A: !!binary " + secret + "!\n", 1, "value of A is not valid base64"},
		{"nul", "A: \"" + secret + "\\0\"\n", 1, "value of A contains a NUL byte"},
		{"two documents", "A: 1\n---\nB: " + secret + "\n", 2, "more than one YAML document"},
		{"bad second document", "A: 1\n---\nB: \"" + secret + "\n", 3, "invalid YAML"},
		{"syntax", "A: 1\nB: \"" + secret + "\n", 2, "invalid YAML"},
		{"bad indentation", "A: 1\n  B: " + secret + "\n", 2, "invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dotenv.Decode(strings.NewReader(tt.in), "x.yaml", dotenv.FormatYAML, nil)
			checkParseError(t, err, "x.yaml", tt.line, tt.msg)
		})
	}
}

func checkParseError(t *testing.T, err error, file string, line int, msg string) {
	t.Helper()
	var pe *dotenv.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want *ParseError", err)
	}
	if pe.File != file || pe.Line != line || !strings.Contains(pe.Msg, msg) {
		t.Errorf("error = %+v, want %s line %d and %q", pe, file, line, msg)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q leaks the value", err)
	}
}
