package dotenv_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/egide/egide/repo/dotenv"
)

// FuzzParse checks that Parse never panics, fails only with a *ParseError,
// returns only valid entries, and that what it returns survives a render
// and a second parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"A=1\nB=$A\n",
		"export A='x' # c\r\nB: \"y\\n$A\"\n",
		`A="\0101\$X${Y:-${Z:+q}}"`,
		"A='multi\nline'\nB=\"multi\nline\"",
		"A=${B:?}",
		"\uFEFFA=1\n# c\nHOME\n",
		"A=${X:-{}}|${X:-{}x}",
		"A=\"unterminated",
		`A="\0|\012|\0400"`, // compose drops the 0 of a bad octal escape
	} {
		f.Add(s)
	}
	lookup := func(k string) (string, bool) {
		switch k {
		case "HOME":
			return "/home/x", true
		case "EMPTY":
			return "", true
		}
		return "", false
	}
	f.Fuzz(func(t *testing.T, in string) {
		entries, err := dotenv.Parse(strings.NewReader(in), "fuzz.env", lookup)
		if err != nil {
			var pe *dotenv.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if pe.Line < 1 || pe.Line > strings.Count(in, "\n")+1 {
				t.Fatalf("error line %d outside the input", pe.Line)
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if seen[e.Key] {
				t.Fatalf("duplicate key %q", e.Key)
			}
			seen[e.Key] = true
			if strings.IndexByte(e.Value, 0) >= 0 {
				t.Fatalf("value of %q has a NUL", e.Key)
			}
		}
		var buf bytes.Buffer
		if err := dotenv.Encode(&buf, entries, dotenv.FormatDotenv); err != nil {
			t.Fatalf("Encode of parsed entries: %v", err)
		}
		again, err := dotenv.Parse(&buf, "again.env", nil)
		if err != nil {
			t.Fatalf("Parse of rendered entries: %v", err)
		}
		if len(entries) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(again, entries) {
			t.Fatalf("re-parse gave %q, want %q", again, entries)
		}
	})
}

// FuzzRoundTrip checks that any two entries with valid keys and values
// without NUL come back exactly through dotenv, JSON (valid UTF-8 only) and
// YAML.
func FuzzRoundTrip(f *testing.F) {
	f.Add("KEY", "value", "")
	f.Add("A", " spaced\t'\"\\$HOME ${X:-y} # c\n", "\r\n\x01\u0085\u2028é")
	f.Add("_x1", "yes", "0x1F")
	f.Add("B", "\xff\xfe", "- item\n  nested: x")
	f.Fuzz(func(t *testing.T, key, v1, v2 string) {
		key = sanitizeKey(key)
		v1 = strings.ReplaceAll(v1, "\x00", "")
		v2 = strings.ReplaceAll(v2, "\x00", "")
		entries := []dotenv.Entry{{Key: key, Value: v1}, {Key: key + "_2", Value: v2}}
		for _, f := range []dotenv.Format{dotenv.FormatDotenv, dotenv.FormatJSON, dotenv.FormatYAML} {
			var buf bytes.Buffer
			err := dotenv.Encode(&buf, entries, f)
			if f == dotenv.FormatJSON && (!utf8.ValidString(v1) || !utf8.ValidString(v2)) {
				if err == nil {
					t.Fatalf("json accepted invalid UTF-8")
				}
				continue
			}
			if err != nil {
				t.Fatalf("Encode(%s): %v", f, err)
			}
			got, err := dotenv.Decode(&buf, "rt", f, nil)
			if err != nil {
				t.Fatalf("Decode(%s): %v", f, err)
			}
			if !reflect.DeepEqual(got, entries) {
				t.Fatalf("%s round trip: got %q, want %q", f, got, entries)
			}
		}
		var buf bytes.Buffer
		if err := dotenv.Encode(&buf, entries, dotenv.FormatShell); err != nil {
			t.Fatalf("Encode(shell): %v", err)
		}
	})
}

// sanitizeKey maps any string onto a valid variable name.
func sanitizeKey(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || ('0' <= b[0] && b[0] <= '9') {
		b = append([]byte{'K'}, b...)
	}
	return string(b)
}
