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
		return fmt.Errorf("%w: empty key name", ErrInvalid)
	}
	if len(name) > MaxKeyLen {
		return fmt.Errorf("%w: key name longer than %d bytes", ErrInvalid, MaxKeyLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return fmt.Errorf("%w: key name %q: use letters, digits and _ and do not start with a digit", ErrInvalid, printable(name))
		}
	}
	return nil
}

// ValidateValue checks a value for key: no NUL byte, at most MaxValueSize
// bytes. The error never contains the value.
func ValidateValue(key, value string) error {
	if len(value) > MaxValueSize {
		return fmt.Errorf("%w: value of %s is %d bytes, over the %d-byte limit (128 KiB)", ErrInvalid, key, len(value), MaxValueSize)
	}
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("%w: value of %s contains a NUL byte, which no environment variable can hold", ErrInvalid, key)
	}
	return nil
}

// ValidateEnvName checks an environment name: 1–64 of [a-z0-9._-],
// starting with a letter or digit; "HEAD" is reserved.
func ValidateEnvName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: environment name must be 1 to 64 characters", ErrInvalid)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_' || c == '.')
		if !ok {
			return fmt.Errorf("%w: environment name %q: use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit", ErrInvalid, printable(name))
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
