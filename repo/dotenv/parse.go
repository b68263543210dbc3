package dotenv

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parse reads a dotenv file from r and returns its entries in file order; a
// key defined twice keeps its first position and takes its last value. The
// file name is used only in errors. lookup, which may be nil, resolves
// variables the file has not defined (yet) and gives the value of a bare
// "KEY" line. See the package documentation for the syntax.
//
// Malformed input gives a *ParseError; a failing reader gives its error,
// wrapped.
func Parse(r io.Reader, file string, lookup func(string) (string, bool)) ([]Entry, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	p := parser{
		src:    strings.TrimPrefix(string(data), "\uFEFF"),
		file:   file,
		line:   1,
		lookup: lookup,
	}
	for {
		p.skipBlank()
		if p.pos >= len(p.src) {
			return p.env.entries, nil
		}
		if err := p.statement(); err != nil {
			return nil, err
		}
	}
}

// parser walks src once. pos is the next byte to read and line its line.
type parser struct {
	src    string
	pos    int
	line   int
	file   string
	lookup func(string) (string, bool)
	env    env
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &ParseError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// skipBlank skips white space, line breaks and comment lines, stopping at
// the start of the next statement or at the end of input.
func (p *parser) skipBlank() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\n':
			p.line++
			p.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f':
			p.pos++
		case c == '#':
			p.skipLine()
		case c < utf8.RuneSelf:
			return
		default:
			r, n := utf8.DecodeRuneInString(p.src[p.pos:])
			if !unicode.IsSpace(r) {
				return
			}
			p.pos += n
		}
	}
}

// skipLine moves to the line break ending the current line, or to the end.
func (p *parser) skipLine() {
	if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
		p.pos += i
	} else {
		p.pos = len(p.src)
	}
}

// skipSpace skips white space within a line, as compose's isSpace does.
func (p *parser) skipSpace() {
	p.pos += len(p.src[p.pos:]) - len(strings.TrimLeftFunc(p.src[p.pos:], isSpace))
}

// isSpace is white space that does not end a line.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\v', '\f', '\r', 0x85, 0xA0:
		return true
	}
	return false
}

// statement parses one "[export] KEY=VALUE", "KEY: VALUE" or bare "KEY".
func (p *parser) statement() error {
	line := p.line
	if rest := p.src[p.pos:]; len(rest) > len("export") && strings.HasPrefix(rest, "export") &&
		(rest[len("export")] == ' ' || rest[len("export")] == '\t') {
		p.pos += len("export")
		p.skipSpace()
	}

	end := strings.IndexAny(p.src[p.pos:], "=:\n")
	if end < 0 {
		end = len(p.src) - p.pos
	}
	key := strings.TrimRightFunc(p.src[p.pos:p.pos+end], isSpace)
	p.pos += end
	switch {
	case key == "":
		return p.errorf(line, "missing variable name")
	case !validKey(key):
		// The text is not quoted: a stray line may well be a secret.
		return p.errorf(line, "invalid variable name (want [A-Za-z_][A-Za-z0-9_]*)")
	}

	if p.pos >= len(p.src) || p.src[p.pos] == '\n' {
		// A bare name takes its value from lookup, or is left out.
		if p.lookup == nil {
			return nil
		}
		v, ok := p.lookup(key)
		if !ok {
			return nil
		}
		return p.set(line, key, v)
	}

	p.pos++ // '=' or ':'
	p.skipSpace()
	var (
		value string
		err   error
	)
	if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		value, err = p.quoted(key)
	} else {
		value, err = p.unquoted(key)
	}
	if err != nil {
		return err
	}
	return p.set(line, key, value)
}

// unquoted reads the rest of the line: a " #" starts a comment, and trailing
// white space is dropped. Variables are expanded.
func (p *parser) unquoted(key string) (string, error) {
	line := p.line
	start := p.pos
	p.skipLine()
	v := p.src[start:p.pos]
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimRightFunc(v, unicode.IsSpace)
	return p.expand(line, key, v)
}

// quoted reads a single- or double-quoted value starting at pos, which may
// span lines, and checks that only a comment follows it on its line.
func (p *parser) quoted(key string) (string, error) {
	line := p.line
	quote := p.src[p.pos]
	start := p.pos + 1
	i := start
	for ; i < len(p.src) && p.src[i] != quote; i++ {
		switch p.src[i] {
		case '\n':
			p.line++
		case '\\':
			// A backslash pairs with the next byte, whatever it is.
			i++
			if i < len(p.src) && p.src[i] == '\n' {
				p.line++
			}
		}
	}
	if i >= len(p.src) {
		return "", p.errorf(line, "unterminated quoted value")
	}
	raw := p.src[start:i]
	p.pos = i + 1

	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] != '\n' {
		if p.src[p.pos] != '#' {
			return "", p.errorf(p.line, "unexpected text after the closing quote of %s", key)
		}
		p.skipLine()
	}

	if quote == '\'' {
		return unescapeSingle(raw), nil
	}
	return p.expand(line, key, unescapeDouble(raw))
}

// expand substitutes variables in a value of key, first from the entries
// so far, then from lookup.
func (p *parser) expand(line int, key, v string) (string, error) {
	if strings.IndexByte(v, '$') < 0 {
		return v, nil
	}
	out, err := expand(v, p.resolve)
	if err != nil {
		return "", p.errorf(line, "value of %s: %v", key, err)
	}
	return out, nil
}

func (p *parser) resolve(name string) (string, bool) {
	if v, ok := p.env.get(name); ok {
		return v, true
	}
	if p.lookup != nil {
		return p.lookup(name)
	}
	return "", false
}

func (p *parser) set(line int, key, value string) error {
	if strings.IndexByte(value, 0) >= 0 {
		return p.errorf(line, "value of %s contains a NUL byte", key)
	}
	p.env.set(key, value)
	return nil
}

// unescapeSingle undoes the one escape single quotes know, \', keeping every
// other backslash.
func unescapeSingle(raw string) string {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			if raw[i+1] != '\'' {
				b.WriteByte('\\')
			}
			i++
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}

// unescapeDouble expands the escapes of double quotes: \a \b \f \n \r \t \v
// \\ \" and octal \0NNN (NNN at most 377, giving that code point; a bad
// NNN loses just the 0). \$ becomes
// "$$", which expansion turns into a literal '$', as compose does. Any other
// backslash is kept with the byte after it.
func unescapeDouble(raw string) string {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			b.WriteByte(c)
			i++
			continue
		}
		switch n := raw[i+1]; n {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '\\', '"':
			b.WriteByte(n)
		case '$':
			b.WriteString("$$")
		case '0':
			// compose reads up to three digits after \0 and converts them
			// if they form an octal byte; otherwise it drops just the 0.
			j := i + 2
			for j < len(raw) && j < i+5 && '0' <= raw[j] && raw[j] <= '9' {
				j++
			}
			if r, ok := octal(raw[i+2 : j]); ok {
				b.WriteRune(r)
			} else {
				b.WriteByte('\\')
				b.WriteString(raw[i+2 : j])
			}
			i = j
			continue
		default:
			b.WriteByte('\\')
			b.WriteByte(n)
		}
		i += 2
	}
	return b.String()
}

// octal decodes exactly three octal digits worth at most 0377.
func octal(d string) (rune, bool) {
	if len(d) != 3 || d[0] > '3' {
		return 0, false
	}
	var r rune
	for i := 0; i < 3; i++ {
		if d[i] < '0' || d[i] > '7' {
			return 0, false
		}
		r = r<<3 | rune(d[i]-'0')
	}
	return r, true
}
