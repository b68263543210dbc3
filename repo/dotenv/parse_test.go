package dotenv_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/egide/egide/repo/dotenv"
)

// secret marks text that must never show up in an error.
const secret = "s3cr3t"

func kv(pairs ...string) []dotenv.Entry {
	var out []dotenv.Entry
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, dotenv.Entry{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func mapLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestParse(t *testing.T) {
	shellEnv := mapLookup(map[string]string{"HOME": "/home/ann", "EMPTY": "", "OPTION_A": "5"})
	tests := []struct {
		name   string
		in     string
		lookup func(string) (string, bool)
		want   []dotenv.Entry
	}{
		// Layout.
		{"empty", "", nil, nil},
		{"blank lines and comments", "\n# c\n  \t# indented\n\nA=1\n\r\n#last", nil, kv("A", "1")},
		{"no final newline", "A=1\nB=2", nil, kv("A", "1", "B", "2")},
		{"crlf", "A=1\r\nB='2'\r\nC=\"3\"\r\n", nil, kv("A", "1", "B", "2", "C", "3")},
		{"byte order mark", "\uFEFFA=1\nB=2\n", nil, kv("A", "1", "B", "2")},
		{"leading white space", "   A=1\n\tB=2\n", nil, kv("A", "1", "B", "2")},
		{"spaces around =", "A =1\nB= 2\nC = 3\n", nil, kv("A", "1", "B", "2", "C", "3")},
		{"yaml style", "A: 1\nB: Foo=bar\n", nil, kv("A", "1", "B", "Foo=bar")},
		{"colon in value", "A=1:B\n", nil, kv("A", "1:B")},
		{"equals in value", "A=postgres://h:5432/db?ssl=off&x=y=\n", nil, kv("A", "postgres://h:5432/db?ssl=off&x=y=")},
		{"export", "export A=2\nexport\tB=3\n  export C='x'\n", nil, kv("A", "2", "B", "3", "C", "x")},
		{"export-like keys", "exportFOO=1\nexport_FOO =2\nexport=3\n", nil, kv("exportFOO", "1", "export_FOO", "2", "export", "3")},
		{"export keeps quoted value", `export A="export A"`, nil, kv("A", "export A")},

		// Unquoted values.
		{"empty value", "A=\nB=\t\nC = \n", nil, kv("A", "", "B", "", "C", "")},
		{"trailing space trimmed", "A=bar  \t\n", nil, kv("A", "bar")},
		{"inner spaces kept", "A = my string \n", nil, kv("A", "my string")},
		{"inline comment", "A=bar # this is foo\nB=bar #\nC=bar #x\n", nil, kv("A", "bar", "B", "bar", "C", "bar")},
		{"hash without space", "A=123#not-a-comment\n", nil, kv("A", "123#not-a-comment")},
		{"tab before hash", "A=a\t# x\n", nil, kv("A", "a\t# x")},
		{"hash first in value", "A= # x\n", nil, kv("A", "# x")},
		{"backslashes literal", `A=a\tb\n`, nil, kv("A", `a\tb\n`)},
		{"inner quotes", `A=a"b'c`, nil, kv("A", `a"b'c`)},
		{"unicode", "A=ÁRVÍZTŰRŐ tükörfúrógép 🔐\n", nil, kv("A", "ÁRVÍZTŰRŐ tükörfúrógép 🔐")},
		{"invalid utf-8 passes", "A=\xff\xfe\n", nil, kv("A", "\xff\xfe")},
		{"non-breaking spaces trimmed", "A=\u00a0b\u00a0\n", nil, kv("A", "b")},

		// Single quotes.
		{"single", "A='bar'", nil, kv("A", "bar")},
		{"single empty", "A=''", nil, kv("A", "")},
		{"single literal", `A='$HOME \n ${X:-y} # not a comment'`, nil, kv("A", `$HOME \n ${X:-y} # not a comment`)},
		{"single escaped quote", `A='Let\'s go!'`, nil, kv("A", "Let's go!")},
		{"single keeps other backslashes", `A='a\\b\c'`, nil, kv("A", `a\\b\c`)},
		{"single multiline", "A='first\nsecond\n'\nB=1", nil, kv("A", "first\nsecond\n", "B", "1")},
		{"single then comment", "A='bar#baz' # comment", nil, kv("A", "bar#baz")},
		{"single keeps spaces", "A='  x  '", nil, kv("A", "  x  ")},

		// Double quotes.
		{"double", `A="bar"`, nil, kv("A", "bar")},
		{"double empty", `A=""`, nil, kv("A", "")},
		{"double escapes", `A="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z"`, nil, kv("A", "Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ")},
		{"double escaped quote", `A="escaped\"bar"` + "\n" + `B="\"quoted\""`, nil, kv("A", `escaped"bar`, "B", `"quoted"`)},
		{"double single inside", `A="'d'"`, nil, kv("A", "'d'")},
		{"double unknown escapes kept", `A="\x07\u12e4\ b\'"`, nil, kv("A", `\x07\u12e4\ b\'`)},
		{"double backslash before n", `A="bar\\\n\ b\az"`, nil, kv("A", "bar\\\n\\ b\az")},
		{"double trailing backslash", `A="baz\\"`, nil, kv("A", `baz\`)},
		{"double octal", `A="\0101\0377"`, nil, kv("A", "Aÿ")},
		{"double bad octal drops the 0", `A="\0400|\08|\0|\012"`, nil, kv("A", `\400|\8|\|\12`)},
		{"double multiline", "A=\"a\nb\"\nB=2", nil, kv("A", "a\nb", "B", "2")},
		{"double keeps crlf inside", "A=\"a\r\nb\"\r\n", nil, kv("A", "a\r\nb")},
		{"double hash", `A="bar#baz" # comment` + "\n" + `B="x"#`, nil, kv("A", "bar#baz", "B", "x")},
		{"double escaped dollar", `A="foo\$BAR \${BAR} $$BAR"`, nil, kv("A", "foo$BAR ${BAR} $BAR")},
		{"double expands", "B=x\nA=\"quote $B ${B}\"", nil, kv("B", "x", "A", "quote x x")},

		// Expansion.
		{"earlier key", "A=1\nB=${A}\nC=$B\nD=${A}_${B}\n", nil, kv("A", "1", "B", "1", "C", "1", "D", "1_1")},
		{"undefined is empty", "A=$NOPE|${NOPE}", nil, kv("A", "|")},
		{"later key not seen", "A=$B\nB=1\n", nil, kv("A", "", "B", "1")},
		{"lookup fallback", "A=$HOME/x", shellEnv, kv("A", "/home/ann/x")},
		{"file wins over lookup", "OPTION_A=1\nB=${OPTION_A}\n", shellEnv, kv("OPTION_A", "1", "B", "1")},
		{"default from lookup", "OPTION_A=${OPTION_A:-1}\n", shellEnv, kv("OPTION_A", "5")},
		{"default when unset", "A=${NOPE:-d}|${NOPE-d}", nil, kv("A", "d|d")},
		{"default when empty", "E=\nA=${E:-d}|${E-d}", nil, kv("E", "", "A", "d|")},
		{"alternative", "S=1\nE=\nA=${S:+a}|${S+a}|${E:+a}|${E+a}|${N:+a}|${N+a}", nil, kv("S", "1", "E", "", "A", "a|a||a||")},
		{"required satisfied", "S=1\nE=\nA=${S:?m}|${S?m}|${E?m}", nil, kv("S", "1", "E", "", "A", "1|1|")},
		{"nested default", "A=${X:-${Y:-${Z:-deep}}}", nil, kv("A", "deep")},
		{"default with spaces", "A=${X:-Default Value}", nil, kv("A", "Default Value")},
		{"dollar literal", "A=$$|$|$1|$-|a$", nil, kv("A", "$|$|$1|$-|a$")},
		{"names are case sensitive", "a=1\nA=$a$A", nil, kv("a", "1", "A", "1")},
		{"self reference", "A=1\nA=${A}2\n", nil, kv("A", "12")},
		{"brace after default", "A=${X:-x}}", nil, kv("A", "x}")},
		{"braces in default", "A=${X:-{}}\nB=${X:-{}x}", nil, kv("A", "{}", "B", "{}x")},
		// compose takes an operand up to the last '}' on the line and then
		// counts braces, skipping the byte after each '{'.
		{"brace counting quirk", "A=${X:-{}}|${X:-{}x}", nil, kv("A", "{}}|{x")},

		// Keys.
		{"bare key from lookup", "HOME\nA=1\nexport EMPTY\nNOPE\n", shellEnv, kv("HOME", "/home/ann", "A", "1", "EMPTY", "")},
		{"bare key without lookup", "HOME\nA=1", nil, kv("A", "1")},
		{"bare key at end of input", "A=1\nHOME", shellEnv, kv("A", "1", "HOME", "/home/ann")},
		{"bare key overrides", "HOME=x\nHOME\n", shellEnv, kv("HOME", "/home/ann")},
		{"duplicate keeps first position", "A=1\nB=2\nA=3\n", nil, kv("A", "3", "B", "2")},
		{"underscore key", "_=1\n_a1=2", nil, kv("_", "1", "_a1", "2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dotenv.Parse(strings.NewReader(tt.in), "test.env", tt.lookup)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	nul := mapLookup(map[string]string{"BAD": "a\x00" + secret})
	tests := []struct {
		name   string
		in     string
		lookup func(string) (string, bool)
		line   int
		msg    string
	}{
		{"unterminated double", `A="` + secret, nil, 1, "unterminated quoted value"},
		{"unterminated escaped quote", `A="` + secret + `\"`, nil, 1, "unterminated quoted value"},
		{"unterminated mixed quotes", `A="` + secret + `'`, nil, 1, "unterminated quoted value"},
		{"unterminated single", "A='" + secret, nil, 1, "unterminated quoted value"},
		{"unterminated single escaped", `A='` + secret + `\'`, nil, 1, "unterminated quoted value"},
		{"unterminated reports opening line", "A=1\n\nB=\"" + secret + "\nmore\nlines", nil, 3, "unterminated quoted value"},
		{"line after multiline value", "A=\"x\ny\"\nB=1\n" + secret + "/+=x", nil, 4, "invalid variable name"},
		{"line counts crlf", "A=1\r\n\r\n-=" + secret, nil, 3, "invalid variable name"},
		{"space in key", "# c\nINVALID LINE=" + secret, nil, 2, "invalid variable name"},
		{"dash in key", "A-B=" + secret, nil, 1, "invalid variable name"},
		{"dot in key", "a.b=" + secret, nil, 1, "invalid variable name"},
		{"digit first", "1A=" + secret, nil, 1, "invalid variable name"},
		{"non-ascii key", "Á=" + secret, nil, 1, "invalid variable name"},
		{"stray secret line", "A=-----BEGIN-----\nMII" + secret + "+/x\n", nil, 2, "invalid variable name"},
		{"dollar in key", "lol$wut" + secret, nil, 1, "invalid variable name"},
		{"empty key", "=" + secret, nil, 1, "missing variable name"},
		{"export without key", "export =" + secret, nil, 1, "missing variable name"},
		{"text after quote", `A="x" ` + secret, nil, 1, "unexpected text after the closing quote of A"},
		{"statement after quote", `A='x'B=` + secret, nil, 1, "unexpected text after the closing quote of A"},
		{"bad reference", "A=" + secret + "${", nil, 1, "value of A: invalid variable reference"},
		{"empty reference", "A=" + secret + "${}", nil, 1, "invalid variable reference"},
		{"bad operator", "A=${B:" + secret + "}", nil, 1, "invalid variable reference"},
		{"operator without brace", "A=${B:-" + secret, nil, 1, "invalid variable reference"},
		{"operator brace on later line", "A=\"${B:-" + secret + "\n}\"", nil, 1, "invalid variable reference"},
		{"required unset", "A=${B:?" + secret + "}", nil, 1, "value of A: required variable B is missing a value"},
		{"required empty", "B=\nA=${B:?" + secret + "}", nil, 2, "required variable B is missing a value"},
		{"required unset plain", "A=${B?" + secret + "}", nil, 1, "required variable B is missing a value"},
		{"nul raw", "A=" + secret + "\x00", nil, 1, "value of A contains a NUL byte"},
		{"nul octal", `A="` + secret + `\0000"`, nil, 1, "value of A contains a NUL byte"},
		{"nul from lookup", "A=$BAD", nul, 1, "value of A contains a NUL byte"},
		{"nul bare key", "\nBAD", nul, 2, "value of BAD contains a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dotenv.Parse(strings.NewReader(tt.in), "prod.env", tt.lookup)
			var pe *dotenv.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *ParseError", tt.in, err)
			}
			if pe.File != "prod.env" || pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("Parse(%q) = %+v, want line %d and %q", tt.in, pe, tt.line, tt.msg)
			}
			if want := fmt.Sprintf("prod.env:%d: ", tt.line); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", err, want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Error() = %q leaks the value", err)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseReadError(t *testing.T) {
	_, err := dotenv.Parse(failingReader{}, "x.env", nil)
	var pe *dotenv.ParseError
	if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), "read x.env: disk on fire") {
		t.Fatalf("err = %v, want wrapped read error", err)
	}
}

func TestParseErrorString(t *testing.T) {
	tests := []struct {
		err  dotenv.ParseError
		want string
	}{
		{dotenv.ParseError{File: "a.env", Line: 3, Msg: "bad"}, "a.env:3: bad"},
		{dotenv.ParseError{File: "a.json", Msg: "bad"}, "a.json: bad"},
		{dotenv.ParseError{Line: 3, Msg: "bad"}, "line 3: bad"},
		{dotenv.ParseError{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&sb, "KEY_%d=value-%d\n", i, i)
		case 1:
			fmt.Fprintf(&sb, "# comment %d\nexport KEY_%d='single quoted %d'\n", i, i, i)
		case 2:
			fmt.Fprintf(&sb, "KEY_%d=\"double\\tquoted\\n%d ${KEY_%d}\"\n", i, i, i-2)
		default:
			fmt.Fprintf(&sb, "KEY_%d = unquoted with spaces # and a comment\n", i)
		}
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		entries, err := dotenv.Parse(strings.NewReader(in), "bench.env", nil)
		if err != nil || len(entries) != 1000 {
			b.Fatalf("Parse: %d entries, %v", len(entries), err)
		}
	}
}
