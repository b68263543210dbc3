package agekey

import (
	"strings"
	"testing"

	"filippo.io/age"
)

func TestValid(t *testing.T) {
	k, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	good := k.String()
	if !Valid(good) {
		t.Fatalf("a fresh age secret key is rejected")
	}
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == 'Q' {
			b[i] = 'P'
		} else {
			b[i] = 'Q'
		}
		return string(b)
	}
	for name, s := range map[string]string{
		"lower case":       strings.ToLower(good),
		"mixed case":       good[:20] + strings.ToLower(good[20:]),
		"checksum":         flip(len(good) - 1),
		"payload":          flip(30),
		"short":            good[:len(good)-1],
		"long":             good + "Q",
		"other hrp":        strings.Replace(good, "AGE-SECRET-KEY-", "AGE-SECRET-KEZ-", 1),
		"public key":       k.Recipient().String(),
		"not bech32":       "AGE-SECRET-KEY-1" + strings.Repeat("B", 58),
		"separator only":   "AGE-SECRET-KEY-1",
		"empty":            "",
		"non-ASCII folded": strings.Replace(good, "Q", "\u212a", 1),
	} {
		_, ageErr := age.ParseX25519Identity(s)
		if got := Valid(s); got != (ageErr == nil) {
			t.Errorf("%s: Valid = %v, age: %v", name, got, ageErr)
		}
	}
}

// FuzzValid holds Valid to age.ParseX25519Identity: the
// same strings are accepted.
func FuzzValid(f *testing.F) {
	k, _ := age.GenerateX25519Identity()
	f.Add(k.String())
	f.Add(strings.ToLower(k.String()))
	f.Add("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ")
	f.Add("AGE-SECRET-KEY-1")
	f.Add(k.Recipient().String())
	f.Fuzz(func(t *testing.T, s string) {
		_, err := age.ParseX25519Identity(s)
		if got := Valid(s); got != (err == nil) {
			t.Fatalf("Valid(%q) = %v, age.ParseX25519Identity: %v", s, got, err)
		}
	})
}
