package vault

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealSigned(t *testing.T) {
	a, _, _ := GenerateIdentity()
	b, _, _ := GenerateIdentity()
	outsider, _, _ := GenerateIdentity()
	data := []byte("SEALED-PAYLOAD key material")
	sealed, err := a.SealSigned("transit key", data, []string{a.Recipient(), b.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, data) || !bytes.HasPrefix(sealed, []byte("-----BEGIN AGE ENCRYPTED FILE-----")) {
		t.Fatalf("sealed file is not an armored age file, or holds the data:\n%s", sealed)
	}
	for _, id := range []*Identity{a, b} {
		got, signer, err := id.OpenSigned("transit key", sealed)
		if err != nil || !bytes.Equal(got, data) || !bytes.Equal(signer, a.SigningKey()) {
			t.Fatalf("open = %q, %x, %v", got, signer, err)
		}
	}
	if _, _, err := outsider.OpenSigned("transit key", sealed); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("outsider: %v", err)
	}
	if _, _, err := a.OpenSigned("pki key", sealed); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other domain: %v", err)
	}
	bad := bytes.Replace(sealed, sealed[60:64], []byte("AAAA"), 1)
	if _, _, err := a.OpenSigned("transit key", bad); err == nil {
		t.Fatal("damaged file opened")
	}
	if _, err := a.SealSigned("x", data, nil); err == nil {
		t.Fatal("sealed to nobody")
	}
}
