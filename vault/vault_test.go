package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestIdentity(t *testing.T) {
	id, secret, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseIdentity("  " + secret + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if again.Recipient() != id.Recipient() || !bytes.Equal(again.SigningKey(), id.SigningKey()) {
		t.Fatal("parsing the same secret gives another identity")
	}
	if !strings.HasPrefix(id.Recipient(), "age1") || !strings.HasPrefix(Fingerprint(id.SigningKey()), "SHA256:") {
		t.Fatalf("recipient %s, fingerprint %s", id.Recipient(), Fingerprint(id.SigningKey()))
	}
	other, _, _ := GenerateIdentity()
	if bytes.Equal(other.SigningKey(), id.SigningKey()) {
		t.Fatal("two identities share a signing key")
	}
	msg := []byte("message")
	sig := id.Sign(msg)
	if !Verify(id.SigningKey(), msg, sig) || Verify(other.SigningKey(), msg, sig) || Verify(id.SigningKey(), []byte("other"), sig) {
		t.Fatal("signature checks")
	}
	if Verify(id.SigningKey()[:5], msg, sig) || Verify(id.SigningKey(), msg, sig[:10]) {
		t.Fatal("malformed key or signature verified")
	}
	for _, bad := range []string{"", "AGE-SECRET-KEY-1", "age1qqq", strings.Replace(secret, "Q", "P", 1) + "X"} {
		_, err := ParseIdentity(bad)
		if err == nil {
			t.Errorf("ParseIdentity(%q) accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
	if ValidateRecipient(id.Recipient()) != nil || ValidateRecipient("age1nope") == nil {
		t.Fatal("ValidateRecipient")
	}
}

func TestSealOpen(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("header")
	sealed := k.Seal(nil, aad, []byte("secret value"))
	if len(sealed) != len("secret value")+Overhead || bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("sealed form")
	}
	if pt, err := k.Open(nil, aad, sealed); err != nil || string(pt) != "secret value" {
		t.Fatalf("open: %q %v", pt, err)
	}
	if bytes.Equal(sealed, k.Seal(nil, aad, []byte("secret value"))) {
		t.Fatal("two seals of one value are equal: nonce reuse")
	}
	for i := range sealed {
		bad := append([]byte(nil), sealed...)
		bad[i] ^= 1
		if _, err := k.Open(nil, aad, bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipped byte %d opened", i)
		}
	}
	if _, err := k.Open(nil, []byte("other header"), sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatal("opened with another header")
	}
	other, _ := NewKey()
	if _, err := other.Open(nil, aad, sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatal("opened with another key")
	}
	if _, err := k.Open(nil, aad, sealed[:10]); !errors.Is(err, ErrCorrupt) {
		t.Fatal("opened a truncated seal")
	}
	if k.Slot("A") == other.Slot("A") || k.Slot("A") != k.Slot("A") || k.Slot("A") == k.Slot("B") {
		t.Fatal("slots must be keyed and deterministic")
	}
	if bytes.Equal(k.WorkID("A"), other.WorkID("A")) || len(k.WorkID("A")) != 16 {
		t.Fatal("work ids must be keyed")
	}
}

func TestEnvelope(t *testing.T) {
	owner, _, _ := GenerateIdentity()
	reader, _, _ := GenerateIdentity()
	stranger, _, _ := GenerateIdentity()
	k, _ := NewKey()
	env := []byte("0123456789abcdef")
	e, err := k.Wrap(env, 3, reader.Recipient(), owner)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed := k.Seal(nil, nil, []byte("x"))
	if pt, err := got.Open(nil, nil, sealed); err != nil || string(pt) != "x" {
		t.Fatal("unwrapped key differs")
	}
	if _, err := e.Open(stranger); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("stranger: %v", err)
	}
	// Anyone can encrypt to a public recipient: an envelope must not be
	// accepted unless its signature covers exactly what it holds.
	forged := *e
	forged.Epoch = 4
	if _, err := forged.Open(reader); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("moved to another epoch: %v", err)
	}
	evil, _ := NewKey()
	planted, _ := evil.Wrap(env, 3, reader.Recipient(), stranger)
	planted.Signer, planted.Signature = e.Signer, e.Signature
	if _, err := planted.Open(reader); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("substituted key: %v", err)
	}
	if _, err := k.Wrap(env, 1, "age1bogus", owner); err == nil {
		t.Fatal("wrapped to an invalid recipient")
	}
}

func TestStamp(t *testing.T) {
	a, _, _ := GenerateIdentity()
	b, _, _ := GenerateIdentity()
	st := a.Stamp("envelope", []byte("data"))
	if !a.CheckStamp("envelope", []byte("data"), st) {
		t.Fatal("own stamp does not check")
	}
	if b.CheckStamp("envelope", []byte("data"), st) || a.CheckStamp("commit", []byte("data"), st) ||
		a.CheckStamp("envelope", []byte("other"), st) || a.CheckStamp("envelope", []byte("data"), st[:16]) {
		t.Fatal("a stamp checks for another identity, domain, data or length")
	}
}

func TestKeyStamp(t *testing.T) {
	a, _, _ := GenerateIdentity()
	b, _, _ := GenerateIdentity()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("signed envelope")
	st := a.KeyStamp(data, k)
	if len(st) != KeyStampSize {
		t.Fatalf("key stamp is %d bytes, want %d", len(st), KeyStampSize)
	}
	if bytes.Contains(st, k.raw) {
		t.Fatal("the key appears in clear in its stamp")
	}
	got, ok := a.OpenKeyStamp(data, st)
	if !ok || !bytes.Equal(got.raw, k.raw) {
		t.Fatal("own key stamp does not open to the key")
	}
	// The key works: what one seals the other opens.
	sealed := k.Seal(nil, []byte("aad"), []byte("secret"))
	if p, err := got.Open(nil, []byte("aad"), sealed); err != nil || string(p) != "secret" {
		t.Fatalf("key from the stamp: %q, %v", p, err)
	}
	if _, ok := b.OpenKeyStamp(data, st); ok {
		t.Fatal("another identity opens the key stamp")
	}
	if _, ok := a.OpenKeyStamp([]byte("another envelope"), st); ok {
		t.Fatal("the key stamp opens for other data")
	}
	for i := range st {
		bad := bytes.Clone(st)
		bad[i] ^= 1
		if _, ok := a.OpenKeyStamp(data, bad); ok {
			t.Fatalf("a key stamp with byte %d flipped opens", i)
		}
	}
	if _, ok := a.OpenKeyStamp(data, st[:len(st)-1]); ok {
		t.Fatal("a short key stamp opens")
	}
	if _, ok := a.OpenKeyStamp(data, a.Stamp("envelope", data)); ok {
		t.Fatal("a MAC stamp opens as a key stamp")
	}
}

func TestSealLocal(t *testing.T) {
	id, _, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	p := []byte("API_KEY=s3cr3t")
	sealed := id.SealLocal([]byte("hdr"), []byte("aad"), p)
	if !bytes.HasPrefix(sealed, []byte("hdr")) || len(sealed) != 3+len(p)+LocalOverhead {
		t.Fatalf("sealed is %d bytes", len(sealed))
	}
	if bytes.Contains(sealed, p) {
		t.Fatal("plaintext visible in sealed data")
	}
	again := id.SealLocal(nil, []byte("aad"), p)
	if bytes.Equal(again[:localSaltSize], sealed[3:3+localSaltSize]) || bytes.Equal(again, sealed[3:]) {
		t.Fatal("two seals share a salt")
	}
	open := func(who *Identity, aad string, s []byte) ([]byte, error) {
		return who.OpenLocalInPlace([]byte(aad), append([]byte(nil), s...))
	}
	if got, err := open(id, "aad", sealed[3:]); err != nil || !bytes.Equal(got, p) {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := open(other, "aad", sealed[3:]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("another identity opened it: %v", err)
	}
	if _, err := open(id, "aae", sealed[3:]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("other associated data opened it: %v", err)
	}
	for i := 3; i < len(sealed); i++ {
		bad := append([]byte(nil), sealed[3:]...)
		bad[i-3] ^= 1
		if _, err := open(id, "aad", bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipped byte %d opened: %v", i-3, err)
		}
	}
	if _, err := open(id, "aad", sealed[3:3+LocalOverhead-1]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("short input: %v", err)
	}
	n := id.LocalName("run", "dev")
	if len(n) != 32 || n == id.LocalName("run", "prod") || n == id.LocalName("x", "dev") || n == other.LocalName("run", "dev") || n != id.LocalName("run", "dev") {
		t.Fatalf("LocalName: %s", n)
	}
}
