package repo

import (
	"fmt"
	"strings"
)

// MaxValueSize is the largest value a key may hold: Linux's limit on one
// environment string.
const MaxValueSize = 128 << 10

// MaxKeyLen bounds key names.
const MaxKeyLen = 1024

// ValidateKey checks that name is a POSIX environment variable name:
// [A-Za-z_][A-Za-z0-9_]*.
func ValidateKey(name string) error {
	if name == "" {
		return &InvalidError{What: "key", Msg: "invalid key name: empty"}
	}
	if len(name) > MaxKeyLen {
		return &InvalidError{What: "key", Msg: fmt.Sprintf("invalid key name: longer than %d bytes", MaxKeyLen)}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return &InvalidError{What: "key", Msg: fmt.Sprintf("invalid key name %q: use letters, digits and _, not starting with a digit", printable(name))}
		}
	}
	return nil
}

// ValidateValue checks a value for key: no NUL byte, at most MaxValueSize
// bytes. The error never contains the value.
func ValidateValue(key, value string) error {
	if len(value) > MaxValueSize {
		return TooLargeError(key)
	}
	if strings.IndexByte(value, 0) >= 0 {
		return &InvalidError{What: "value", Msg: fmt.Sprintf("value of %s contains a NUL byte, which no environment variable can hold", key)}
	}
	return nil
}

// TooLargeError is the error for a value of key over MaxValueSize.
func TooLargeError(key string) error {
	return &InvalidError{What: "value", Msg: fmt.Sprintf("value of %s is over the %d-byte limit (128 KiB, Linux's limit on one environment string)", key, MaxValueSize)}
}

// ValidateEnvName checks an environment name: 1–64 of [a-z0-9._-],
// starting with a letter or digit; "HEAD" is reserved.
func ValidateEnvName(name string) error {
	if name == "" || len(name) > 64 {
		return &InvalidError{What: "env", Msg: "invalid environment name: it must be 1 to 64 characters"}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_' || c == '.')
		if !ok {
			return &InvalidError{What: "env", Msg: fmt.Sprintf("invalid environment name %q: use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit", printable(name))}
		}
	}
	return nil
}

// printable shortens and sanitizes user input for error messages.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
