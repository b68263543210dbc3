package keyring

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseIdentity feeds arbitrary identity-file text and age-encrypted
// bytes to the parsers: they must never panic, what parseIdentity accepts
// must be one AGE-SECRET-KEY line, and no error may quote the input.
func FuzzParseIdentity(f *testing.F) {
	f.Add([]byte("# created: 2026-01-01\n# public key: age1x\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"))
	f.Add([]byte("AGE-SECRET-KEY-1\r\nAGE-SECRET-KEY-2\n"))
	f.Add([]byte("\xef\xbb\xbfAGE-SECRET-KEY-1ABC"))
	f.Add([]byte("age-encryption.org/v1\n-> scrypt c2FsdA 10\nAAAA\n--- AAAA\n"))
	f.Add([]byte("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		secret, err := parseIdentity(data)
		if err == nil {
			if !strings.HasPrefix(secret, "AGE-SECRET-KEY-1") || strings.ContainsAny(secret, "\r\n") {
				t.Fatalf("accepted %q", secret)
			}
		} else if len(data) > 20 && strings.Contains(err.Error(), string(data)) {
			t.Fatalf("error quotes the input: %v", err)
		}
		if isEncrypted(data) {
			_, err := decrypt(data, func() ([]byte, error) { return []byte("pw"), nil })
			if err == nil {
				return
			}
			var nm interface{ Unwrap() error }
			_ = errors.As(err, &nm)
		}
	})
}
