package dotenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// decodeJSON reads one flat JSON object. String values are taken as they
// are; numbers and booleans become their literal text ("8080", "1e3",
// "true"); null, objects and arrays are errors naming the key.
func decodeJSON(data []byte, file string) ([]Entry, error) {
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:off], []byte("\n")) }
	fail := func(off int64, format string, args ...any) error {
		return &ParseError{File: file, Line: lineAt(off), Msg: fmt.Sprintf(format, args...)}
	}
	if !utf8.Valid(data) {
		return nil, fail(int64(firstInvalidUTF8(data)), "invalid UTF-8 in JSON")
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// syntax turns the decoder's errors into ParseErrors. Their own text can
	// quote input, so it is not kept.
	syntax := func(err error) error {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			// The streaming decoder's offset is not always from the start of
			// the file; a whole-document parse gives the exact one.
			var v any
			if err := json.Unmarshal(data, &v); errors.As(err, &se) {
				return fail(se.Offset, "invalid JSON")
			}
			return fail(dec.InputOffset(), "invalid JSON")
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return fail(int64(len(data)), "unexpected end of JSON")
		}
		return fail(dec.InputOffset(), "invalid JSON")
	}

	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	if tok != json.Delim('{') {
		return nil, fail(dec.InputOffset(), "JSON must be an object of string values")
	}
	var out env
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		off := dec.InputOffset()
		key, _ := tok.(string) // keys are always strings in valid JSON
		if !validKey(key) {
			return nil, fail(off, "invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)")
		}
		if tok, err = dec.Token(); err != nil {
			return nil, syntax(err)
		}
		var value string
		switch v := tok.(type) {
		case string:
			value = v
		case json.Number:
			value = v.String()
		case bool:
			value = fmt.Sprint(v)
		case nil:
			return nil, fail(off, "value of %s is null; want a string", key)
		default: // json.Delim: an object or array
			return nil, fail(off, "value of %s is not a string, number or boolean", key)
		}
		if strings.IndexByte(value, 0) >= 0 {
			return nil, fail(off, "value of %s contains a NUL byte", key)
		}
		out.set(key, value)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, syntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(dec.InputOffset(), "unexpected data after the JSON object")
	}
	return out.entries, nil
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// encodeJSON writes entries as one object, two-space indented, keys in the
// given order. Values must be valid UTF-8: JSON strings cannot hold other
// bytes.
func encodeJSON(buf *bytes.Buffer, entries []Entry) error {
	for _, e := range entries {
		if !utf8.ValidString(e.Value) {
			return fmt.Errorf("value of %s is not valid UTF-8; JSON cannot hold it (use dotenv, yaml or shell)", e.Key)
		}
	}
	if len(entries) == 0 {
		buf.WriteString("{}\n")
		return nil
	}
	buf.WriteString("{\n")
	for i, e := range entries {
		buf.WriteString("  ")
		writeJSONString(buf, e.Key)
		buf.WriteString(": ")
		writeJSONString(buf, e.Value)
		if i < len(entries)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("}\n")
	return nil
}

// writeJSONString writes s, valid UTF-8, as a JSON string. It escapes what
// JSON requires plus DEL, and U+2028 and U+2029 for JavaScript's sake;
// everything else is written as is.
func writeJSONString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == '\u2028' || r == '\u2029' {
				fmt.Fprintf(buf, `\u%04x`, r)
			} else {
				buf.WriteString(s[i : i+n])
			}
			i += n
			continue
		}
		switch c {
		case '"', '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				buf.WriteString(`\u00`)
				buf.WriteByte(hex[c>>4])
				buf.WriteByte(hex[c&0xf])
			} else {
				buf.WriteByte(c)
			}
		}
		i++
	}
	buf.WriteByte('"')
}
