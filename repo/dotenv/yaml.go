package dotenv

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// decodeYAML reads one YAML document holding a flat mapping. Strings are
// taken as they are; ints, floats, booleans and timestamps become their
// literal text ("8080", "0x1F", "yes" stays "yes", "true"); !!binary is
// base64-decoded, which is how encodeYAML writes bytes that are not UTF-8;
// null, sequences and mappings are errors naming the key. An empty document
// has no entries.
func decodeYAML(data []byte, file string) ([]Entry, error) {
	fail := func(line int, format string, args ...any) error {
		return &ParseError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(file, data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, fail(extra.Line, "more than one YAML document")
	case !errors.Is(err, io.EOF):
		return nil, yamlError(file, data, err)
	}

	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fail(root.Line, "YAML must be a mapping of string values")
	}
	var out env
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := deref(root.Content[i]), deref(root.Content[i+1])
		line := root.Content[i].Line
		if k.Kind != yaml.ScalarNode || !validKey(k.Value) {
			return nil, fail(line, "invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)")
		}
		key := k.Value
		if v.Kind != yaml.ScalarNode {
			return nil, fail(line, "value of %s is not a string, number or boolean", key)
		}
		var value string
		switch v.ShortTag() {
		case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
			value = v.Value
		case "!!binary":
			b, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, v.Value))
			if err != nil {
				return nil, fail(line, "value of %s is not valid base64", key)
			}
			value = string(b)
		case "!!null":
			return nil, fail(line, "value of %s is null; want a string (write \"\" for empty)", key)
		default:
			return nil, fail(line, "value of %s has an unsupported tag", key)
		}
		if strings.IndexByte(value, 0) >= 0 {
			return nil, fail(line, "value of %s contains a NUL byte", key)
		}
		out.set(key, value)
	}
	return out.entries, nil
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func dropSpace(r rune) rune {
	switch r {
	case ' ', '\t', '\n', '\r':
		return -1
	}
	return r
}

// quoted matches text go-yaml quotes from the input in its messages.
var quoted = regexp.MustCompile(`'[^']*'|"[^"]*"`)

// yamlParserProblems are go-yaml v3 parser (not scanner) messages: for
// these it reports a 0-based line, or none on the first line (its fail()
// adds 1 only for scanner errors).
var yamlParserProblems = []string{
	"did not find expected key",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected <document start>",
}

// yamlError turns a parse error of the yaml package, "yaml: line N: msg",
// into a ParseError. go-yaml's messages can quote the input (an alias name,
// a tag), and input may be a secret: quoted text is never kept.
func yamlError(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, after
			}
		}
	}
	for _, p := range yamlParserProblems {
		if strings.HasPrefix(msg, p) {
			line++
			break
		}
	}
	if strings.HasPrefix(msg, "unknown anchor ") {
		// Find the alias ourselves: the message names it, but only so.
		if m := quoted.FindString(msg); len(m) > 2 {
			if i := bytes.Index(data, []byte("*"+m[1:len(m)-1])); i >= 0 {
				line = 1 + bytes.Count(data[:i], []byte("\n"))
			}
		}
		msg = "an alias (*name) refers to an unknown anchor; quote values that start with '*'"
	}
	msg = quoted.ReplaceAllString(msg, "…")
	return &ParseError{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// encodeYAML writes entries as one block mapping in the given order. Every
// key and value is tagged !!str, so the yaml encoder quotes whatever would
// otherwise read back as a number, boolean, null or timestamp, and picks a
// style (plain, quoted, or a literal block for multi-line values) that
// keeps the text exact. Values that YAML 1.1 readers would take for
// booleans, sexagesimal numbers or timestamps ("yes", "off", "1:30") are
// quoted too.
// Values that are not valid UTF-8 are written as !!binary base64.
func encodeYAML(buf *bytes.Buffer, entries []Entry) error {
	root := &yaml.Node{Kind: yaml.MappingNode, Content: make([]*yaml.Node, 0, 2*len(entries))}
	for _, e := range entries {
		v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.Value}
		switch {
		case !utf8.ValidString(e.Value):
			v.Tag, v.Value = "!!binary", base64.StdEncoding.EncodeToString([]byte(e.Value))
		case yaml11NonString(e.Value), tabStartsLine(e.Value):
			// go-yaml would put a tab at the start of a literal block's
			// line, which its own parser rejects: double quotes escape it.
			v.Style = yaml.DoubleQuotedStyle
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.Key}, v)
	}
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return err
	}
	return enc.Close()
}

// yaml11NonString reports whether a plain scalar v would be a boolean, a
// base-60 number, a timestamp or the "=" value key to a YAML 1.1 reader (PyYAML, for
// one), though YAML 1.2 reads it as a string.
func yaml11NonString(v string) bool {
	switch v {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", "=":
		return true
	}
	return yaml11Special.MatchString(v)
}

// yaml11Special matches YAML 1.1 base-60 numbers ("1:30") and anything
// starting like a date, which covers its laxer timestamps.
var yaml11Special = regexp.MustCompile(`^(?:[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})`)

// tabStartsLine reports whether a multi-line value has a line that starts
// with a tab.
func tabStartsLine(v string) bool {
	return strings.Contains(v, "\n") && (strings.HasPrefix(v, "\t") || strings.Contains(v, "\n\t"))
}
