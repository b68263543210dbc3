package dotenv

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// encodeDotenv writes one KEY=VALUE line per entry, quoting each value as
// quoteValue does.
func encodeDotenv(buf *bytes.Buffer, entries []Entry) {
	n := 0
	for _, e := range entries {
		n += len(e.Key) + len(e.Value) + 4
	}
	buf.Grow(n + n/8)
	for _, e := range entries {
		buf.WriteString(e.Key)
		buf.WriteByte('=')
		writeValue(buf, e.Value)
		buf.WriteByte('\n')
	}
}

// writeValue writes v in the plainest form that compose's parser reads
// back exactly, always on one line:
//
//   - bare if v is empty or only has bytes from [A-Za-z0-9_./:@%+,=-];
//   - in single quotes if v has no ' or \ and no control characters, since
//     single quotes expand nothing;
//   - otherwise in double quotes, escaping \ " and $ with a backslash, line
//     breaks, tabs and \a \b \f \v by name, and other C0 and C1 controls as
//     \0NNN octal.
//
// Any other byte, including invalid UTF-8, is written as is.
func writeValue(buf *bytes.Buffer, v string) {
	switch classify(v) {
	case bare:
		buf.WriteString(v)
	case single:
		buf.WriteByte('\'')
		buf.WriteString(v)
		buf.WriteByte('\'')
	default:
		writeDoubleQuoted(buf, v)
	}
}

// Quoting styles, from plainest to most general.
const (
	bare = iota
	single
	double
)

// classify picks the plainest quoting that reads back exactly, in one pass
// over v: bare (only [A-Za-z0-9_./:@%+,=-]), single quotes (no ' or \ and
// no control character), else double quotes.
func classify(v string) int {
	style := bare
	for i := 0; i < len(v); i++ {
		k := byteClass[v[i]]
		if k <= style {
			continue
		}
		switch k {
		case double:
			return double
		case c1Lead:
			if i+1 < len(v) && v[i+1] >= 0x80 && v[i+1] <= 0x9f {
				return double // a C1 control character, U+0080–U+009F
			}
		}
		style = single
	}
	return style
}

// c1Lead marks 0xC2, the first byte of U+0080–U+009F (C1 controls).
const c1Lead = 3

// byteClass is the plainest quoting each byte allows: bare for
// [A-Za-z0-9_./:@%+,=-]; double for ', \ and control characters; c1Lead for
// 0xC2; single for every other byte.
var byteClass = func() (t [256]int) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case isNameChar(b) || strings.IndexByte("./:@%+,=-", b) >= 0:
			t[c] = bare
		case b == '\'' || b == '\\' || b < 0x20 || b == 0x7f:
			t[c] = double
		case b == 0xc2:
			t[c] = c1Lead
		default:
			t[c] = single
		}
	}
	return t
}()

func writeDoubleQuoted(buf *bytes.Buffer, v string) {
	buf.WriteByte('"')
	for i := 0; i < len(v); {
		// Copy the run of bytes that need no escape in one go.
		j := i
		for j < len(v) && plainInDouble(v[j]) {
			j++
		}
		buf.WriteString(v[i:j])
		if i = j; i >= len(v) {
			break
		}
		c := v[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(v[i:])
			if 0x80 <= r && r <= 0x9f && n == 2 {
				// compose turns \0NNN into the code point NNN.
				writeOctal(buf, byte(r))
			} else {
				buf.WriteString(v[i : i+n])
			}
			i += n
			continue
		}
		switch c {
		case '\\', '"', '$':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		case '\a':
			buf.WriteString(`\a`)
		case '\b':
			buf.WriteString(`\b`)
		case '\f':
			buf.WriteString(`\f`)
		case '\v':
			buf.WriteString(`\v`)
		default:
			if c < 0x20 || c == 0x7f {
				writeOctal(buf, c)
			} else {
				buf.WriteByte(c)
			}
		}
		i++
	}
	buf.WriteByte('"')
}

// plainInDouble reports whether byte c is written as itself inside double
// quotes: printable ASCII other than \ " and $.
func plainInDouble(c byte) bool {
	return c >= 0x20 && c < 0x7f && c != '\\' && c != '"' && c != '$'
}

// writeOctal writes c as compose's four-digit octal escape, \0NNN.
func writeOctal(buf *bytes.Buffer, c byte) {
	buf.WriteString(`\0`)
	buf.WriteByte('0' + c>>6)
	buf.WriteByte('0' + c>>3&7)
	buf.WriteByte('0' + c&7)
}

// encodeShell writes one export line per entry. Inside POSIX single quotes
// every byte is literal, so only a quote needs care: it closes the quotes,
// is escaped, and reopens them. The output is safe to eval in sh:
//
//	export GREETING='it'\''s'
func encodeShell(buf *bytes.Buffer, entries []Entry) {
	for _, e := range entries {
		buf.WriteString("export ")
		buf.WriteString(e.Key)
		buf.WriteString("='")
		buf.WriteString(strings.ReplaceAll(e.Value, `'`, `'\''`))
		buf.WriteString("'\n")
	}
}
