package transit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestParseCiphertext(t *testing.T) {
	// The shape of an aes256-gcm96 ciphertext of "hello": 12-byte nonce,
	// 5 bytes sealed, 16-byte tag.
	payload := bytes.Repeat([]byte{0xfb}, 12+5+16)
	vault := "vault:v1:" + base64.StdEncoding.EncodeToString(payload)
	c, err := ParseCiphertext(vault)
	if err != nil || c.Version != 1 || !bytes.Equal(c.Data, payload) {
		t.Fatalf("%s: %+v, %v", vault, c, err)
	}
	if c.String() != vault {
		t.Fatalf("round trip: %s", c.String())
	}
	if c, err := ParseCiphertext("vault:v42:AAEC"); err != nil || c.Version != 42 || !bytes.Equal(c.Data, []byte{0, 1, 2}) {
		t.Fatalf("v42: %+v, %v", c, err)
	}
	for _, bad := range []string{
		"", "vault:", "vault:v", "vault:v1", "vault:v1:", "vault:v0:AAEC", "vault:v01:AAEC",
		"vault:v-1:AAEC", "vault:v+1:AAEC", "vault:vx:AAEC", "vault:v1 :AAEC", "vault:v99999999999:AAEC",
		"vault:v2147483648:AAEC", "vault:v1:AAE", "vault:v1:AA=C", "vault:v1:AAEC\n", "vault:v1:AA\nEC",
		"vault:v1:AAE-", "VAULT:v1:AAEC", "vault:V1:AAEC", " vault:v1:AAEC", "vault:v1:AAEC:",
	} {
		if _, err := ParseCiphertext(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: err %v, want ErrMalformed", bad, err)
		}
	}
}

// TestParseErrorsDoNotQuote: a malformed input may be a secret pasted in
// the wrong place; errors describe it without repeating it.
func TestParseErrorsDoNotQuote(t *testing.T) {
	for _, s := range []string{"hunter2-password", "vault:v1:hunter2-password", "vault:vhunter2:AAEC"} {
		_, err := ParseCiphertext(s)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// FuzzParseCiphertext: whatever parses formats back to the same string
// (the format is canonical) with a version from 1 and a payload.
func FuzzParseCiphertext(f *testing.F) {
	for _, s := range []string{"vault:v1:+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+w==", "vault:v2147483647:AA==", "vault:v01:AA==", "vault:v1:AA=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCiphertext(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if c.Version < 1 || c.Version > maxVersion || len(c.Data) == 0 {
			t.Fatalf("%q parsed to version %d, %d bytes", s, c.Version, len(c.Data))
		}
		if c.String() != s {
			t.Fatalf("%q formats back as %q", s, c.String())
		}
	})
}
