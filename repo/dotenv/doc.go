// Package dotenv converts environments, ordered lists of KEY=VALUE entries,
// to and from text: dotenv files, flat JSON objects, flat YAML mappings, and
// (write-only) shell export lines.
//
// # Dotenv syntax
//
// [Parse] follows docker compose's env_file parser
// (github.com/compose-spec/compose-go/dotenv), so a file means the same to
// Egide as to compose:
//
//   - A UTF-8 byte order mark at the start is ignored. Lines end in LF or
//     CRLF; blank lines and lines whose first non-blank byte is '#' are
//     skipped.
//   - A statement is "KEY=VALUE", or "KEY: VALUE" (compose's YAML style),
//     optionally prefixed by "export ". White space around the key and after
//     the separator is ignored.
//   - A key alone on its line ("KEY" or "export KEY") takes its value from
//     the caller's lookup function, and is left out if lookup does not know
//     it.
//   - Unquoted values run to the end of the line. " #" (space, hash) starts a
//     comment; trailing white space is dropped. Variables are expanded;
//     backslashes are literal. As in compose, "KEY= # x" is the value "# x",
//     since the hash must follow a space within the value.
//   - Single-quoted values are literal, may span lines, and know one escape:
//     \' for a quote. Other backslashes are kept.
//   - Double-quoted values may span lines, understand \n \r \t \a \b \f \v
//     \\ \" \$ and octal \0NNN (up to \0377, giving that code point), keep
//     any other backslash, and then have variables expanded.
//   - Quoted values keep their line breaks as written, so a CRLF file gives
//     multi-line values with CR in them, as with compose.
//   - After a closing quote only white space and a comment may follow.
//     compose would read further text as another statement; Egide rejects it.
//
// # Keys and values
//
// Keys must be POSIX names, [A-Za-z_][A-Za-z0-9_]*; compose's wider set
// (dots, dashes, brackets, non-ASCII letters, leading digits) is a parse
// error, and so is a value holding a NUL byte, however it got there. Other
// bytes, including invalid UTF-8, pass through unchanged. When a key appears
// twice the entry keeps its first position and takes the last value.
//
// # Expansion
//
// Unquoted and double-quoted values expand $NAME, ${NAME}, $$ (a literal
// $), and ${NAME:-default}, ${NAME-default}, ${NAME:+alt}, ${NAME+alt},
// ${NAME:?msg} and ${NAME?msg} with compose's meaning; defaults nest. A name
// resolves to the value of a key defined earlier in the same file, else to
// the caller's lookup, else to the empty string. compose asks its lookup
// (usually the process environment) first; Egide lets the file win. A
// malformed "${", and a failing ":?" or "?", are parse errors.
//
// # Errors
//
// Malformed input gives a [*ParseError] naming the file and line: for an
// unterminated quote, the line where it opened. Messages never quote the
// input. They name a key only when it is a valid variable name, since a
// stray line may well be a secret.
//
// # Rendering
//
// [Encode] writes every format so that decoding gives back exactly the same
// entries. Dotenv output has one line per entry and picks, per value, the
// plainest quoting compose reads back exactly: bare for values of
// [A-Za-z0-9_./:@%+,=-] only (and the empty value); single quotes for values without ', \ or control
// characters; otherwise double quotes with \\, \", \$ (so nothing expands),
// \n, \r, \t, \a, \b, \f, \v, and \0NNN for other control characters.
// Shell output is one export line per entry, in POSIX single quotes where
// every byte is literal; a quote closes, escapes and reopens them. Any POSIX
// shell evaluates it back to the exact value:
//
//	export GREETING='it'\''s'
//
// JSON output escapes only what JSON needs (plus DEL, U+2028 and U+2029).
// YAML output lets the yaml encoder pick plain, quoted or literal-block
// style for each string, and also quotes what YAML 1.1 readers would take
// for something else ("yes", "off", "=", "1:30", dates).
//
// JSON and YAML hold flat string maps in the entries' order. On input,
// numbers, booleans (and YAML timestamps) become their literal text, while
// null, nested objects, arrays and sequences are errors naming the key.
// JSON cannot hold invalid UTF-8, so encoding such a value fails; YAML
// writes it as !!binary and decodes it back.
package dotenv
