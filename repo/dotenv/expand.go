package dotenv

import (
	"errors"
	"fmt"
	"strings"
)

// errBadReference is a "${" that does not start a valid reference. Like
// every expansion error it says nothing of the text.
var errBadReference = errors.New("invalid variable reference")

// expand substitutes variable references in s the way compose's template
// package does:
//
//	$$                  a literal $
//	$NAME, ${NAME}      the value of NAME, or "" if it is unset
//	${NAME:-default}    default if NAME is unset or empty
//	${NAME-default}     default if NAME is unset
//	${NAME:+alt}        alt if NAME is set and not empty, else ""
//	${NAME+alt}         alt if NAME is set, else ""
//	${NAME:?message}    an error if NAME is unset or empty
//	${NAME?message}     an error if NAME is unset
//
// NAME is [A-Za-z_][A-Za-z0-9_]*. Defaults and alternatives are expanded in
// turn and may nest. A '$' followed by anything else is kept. A "${" not
// followed by a name and then '}' or an operator is an error, and so is an
// operator with no '}' later on the same line.
func expand(s string, resolve func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case len(s) < 2:
			b.WriteByte('$')
			s = s[1:]
		case s[1] == '$':
			b.WriteByte('$')
			s = s[2:]
		case isNameStart(s[1]):
			n := nameEnd(s, 1)
			v, _ := resolve(s[1:n])
			b.WriteString(v)
			s = s[n:]
		case s[1] == '{':
			v, n, err := expandBraced(s, resolve)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			s = s[n:]
		default:
			b.WriteByte('$')
			s = s[1:]
		}
	}
}

// expandBraced expands the "${...}" reference that s starts with and returns
// its value and length.
func expandBraced(s string, resolve func(string) (string, bool)) (string, int, error) {
	if len(s) < 3 || !isNameStart(s[2]) {
		return "", 0, errBadReference
	}
	k := nameEnd(s, 2)
	name := s[2:k]
	if k < len(s) && s[k] == '}' {
		v, _ := resolve(name)
		return v, k + 1, nil
	}

	var op string
	switch {
	case k+1 < len(s) && s[k] == ':' && isOperator(s[k+1]):
		op = s[k : k+2]
	case k < len(s) && isOperator(s[k]):
		op = s[k : k+1]
	default:
		return "", 0, errBadReference
	}
	argStart := k + len(op)

	// compose's pattern takes the operand greedily up to the last '}' on
	// the line, then cuts it at the brace that balances "${".
	lineEnd := len(s)
	if i := strings.IndexByte(s[argStart:], '\n'); i >= 0 {
		lineEnd = argStart + i
	}
	last := strings.LastIndexByte(s[argStart:lineEnd], '}')
	if last < 0 {
		return "", 0, errBadReference
	}
	end := argStart + last // the '}' ending the match
	closing := closingBrace(s[:end+1])
	if closing < 0 {
		closing = end
	}
	arg := s[argStart:closing]

	v, set := resolve(name)
	var useArg bool
	switch op {
	case ":-":
		useArg = !set || v == ""
	case "-":
		useArg = !set
	case ":+":
		useArg = set && v != ""
	case "+":
		useArg = set
	case ":?":
		if !set || v == "" {
			return "", 0, fmt.Errorf("required variable %s is missing a value", name)
		}
	case "?":
		if !set {
			return "", 0, fmt.Errorf("required variable %s is missing a value", name)
		}
	}
	if useArg {
		var err error
		if v, err = expand(arg, resolve); err != nil {
			return "", 0, err
		}
	}
	return v, closing + 1, nil
}

func isOperator(c byte) bool {
	return c == '-' || c == '+' || c == '?'
}

// nameEnd returns the end of the variable name starting at s[i].
func nameEnd(s string, i int) int {
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	return i
}

// closingBrace finds the '}' balancing the first '{' of s, counting braces
// as compose does: the byte after each '{' is skipped. It returns -1 if
// the braces do not balance.
func closingBrace(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		case '{':
			depth++
			i++
		}
	}
	return -1
}
