package dotenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Entry is one variable of an environment.
type Entry struct {
	Key   string
	Value string
}

// Format names a text representation of a list of entries.
type Format string

// The supported formats. Shell, docker, k8s-secret and github-actions are
// write-only.
const (
	FormatDotenv        Format = "dotenv"
	FormatJSON          Format = "json"
	FormatYAML          Format = "yaml"
	FormatShell         Format = "shell"
	FormatDocker        Format = "docker"         // docker run --env-file: KEY=VALUE, no quoting
	FormatK8sSecret     Format = "k8s-secret"     // a Kubernetes Secret manifest (YAML, base64 data)
	FormatGitHubActions Format = "github-actions" // lines to append to $GITHUB_ENV
)

// ParseFormat returns the Format named by s, ignoring case. Besides the
// canonical names it accepts "env" for dotenv, "yml" for yaml and "sh" for
// shell.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "dotenv", "env":
		return FormatDotenv, nil
	case "json":
		return FormatJSON, nil
	case "yaml", "yml":
		return FormatYAML, nil
	case "shell", "sh":
		return FormatShell, nil
	case "docker":
		return FormatDocker, nil
	case "k8s-secret", "k8s":
		return FormatK8sSecret, nil
	case "github-actions", "github":
		return FormatGitHubActions, nil
	}
	return "", fmt.Errorf("unknown format %q (want dotenv, json, yaml, shell, docker, k8s-secret or github-actions)", s)
}

// ParseError reports malformed input. It names the file and line and says
// what is wrong, but never quotes the input: only key names that are valid
// variable names appear in Msg, so the error is safe to print.
type ParseError struct {
	File string // as given by the caller; may be empty
	Line int    // 1-based; 0 when the problem has no single line
	Msg  string
}

// Error formats the error as "FILE:LINE: msg", leaving out the parts that
// are unknown.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Decode reads entries in format f from r. The file name is used only in
// errors. lookup, which may be nil, resolves variables the input does not
// define; only the dotenv format expands variables. FormatShell cannot be
// decoded: the error wraps errors.ErrUnsupported.
//
// Malformed input gives a *ParseError; a failing reader gives its error,
// wrapped.
func Decode(r io.Reader, file string, f Format, lookup func(string) (string, bool)) ([]Entry, error) {
	switch f {
	case FormatDotenv:
		return Parse(r, file, lookup)
	case FormatJSON, FormatYAML:
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		if f == FormatJSON {
			return decodeJSON(data, file)
		}
		return decodeYAML(data, file)
	case FormatShell, FormatDocker, FormatK8sSecret, FormatGitHubActions:
		return nil, fmt.Errorf("decode %s: %w", f, errors.ErrUnsupported)
	}
	return nil, fmt.Errorf("decode: unknown format %q", string(f))
}

// Encode writes entries to w in format f, in the order given. Every key must
// be a valid variable name ([A-Za-z_][A-Za-z0-9_]*) and appear once, and no
// value may contain a NUL byte; FormatJSON also needs valid UTF-8. Nothing is
// written unless all entries can be encoded. Errors name the key, never the
// value.
func Encode(w io.Writer, entries []Entry, f Format) error {
	return EncodeWith(w, entries, f, EncodeOptions{})
}

// EncodeOptions tune formats that need more than the entries.
type EncodeOptions struct {
	// Name is the k8s-secret's metadata.name (default "egide").
	Name string
}

// EncodeWith is Encode with options.
func EncodeWith(w io.Writer, entries []Entry, f Format, o EncodeOptions) error {
	if err := checkEntries(entries); err != nil {
		return fmt.Errorf("encode %s: %w", f, err)
	}
	var buf bytes.Buffer
	var err error
	switch f {
	case FormatDotenv:
		encodeDotenv(&buf, entries)
	case FormatShell:
		encodeShell(&buf, entries)
	case FormatJSON:
		err = encodeJSON(&buf, entries)
	case FormatYAML:
		err = encodeYAML(&buf, entries)
	case FormatDocker:
		err = encodeDocker(&buf, entries)
	case FormatK8sSecret:
		err = encodeK8sSecret(&buf, entries, o.Name)
	case FormatGitHubActions:
		err = encodeGitHubActions(&buf, entries)
	default:
		err = fmt.Errorf("unknown format %q", string(f))
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", f, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// checkEntries enforces what every format needs: valid, unique keys and
// values without NUL.
func checkEntries(entries []Entry) error {
	// Keys in strictly ascending order (what Egide exports) are unique
	// without a set; otherwise remember the ones seen.
	var seen map[string]struct{}
	for i, e := range entries {
		if !validKey(e.Key) {
			return fmt.Errorf("entry %d: invalid variable name", i+1)
		}
		if seen == nil && i > 0 && entries[i-1].Key >= e.Key {
			seen = make(map[string]struct{}, len(entries))
			for _, p := range entries[:i] {
				seen[p.Key] = struct{}{}
			}
		}
		if seen != nil {
			if _, dup := seen[e.Key]; dup {
				return fmt.Errorf("duplicate key %s", e.Key)
			}
			seen[e.Key] = struct{}{}
		}
		if strings.IndexByte(e.Value, 0) >= 0 {
			return fmt.Errorf("value of %s contains a NUL byte", e.Key)
		}
	}
	return nil
}

// validKey reports whether k is a POSIX environment variable name:
// [A-Za-z_][A-Za-z0-9_]*.
func validKey(k string) bool {
	if k == "" || !isNameStart(k[0]) {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isNameChar(k[i]) {
			return false
		}
	}
	return true
}

func isNameStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isNameChar(c byte) bool {
	return isNameStart(c) || ('0' <= c && c <= '9')
}

// env is the entry list under construction: duplicates keep the first
// position and take the last value.
type env struct {
	entries []Entry
	index   map[string]int
}

func (e *env) set(key, value string) {
	if e.index == nil {
		e.index = make(map[string]int)
	}
	if i, ok := e.index[key]; ok {
		e.entries[i].Value = value
		return
	}
	e.index[key] = len(e.entries)
	e.entries = append(e.entries, Entry{Key: key, Value: value})
}

func (e *env) get(key string) (string, bool) {
	i, ok := e.index[key]
	if !ok {
		return "", false
	}
	return e.entries[i].Value, true
}
