package vault

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// sealedDomain prefixes what a sealed file's signature covers.
const sealedDomain = "egide v1 sealed file\x00"

// MaxSealed bounds what OpenSigned reads.
const MaxSealed = 64 << 20

// SealSigned encrypts data with age to recipients, as an ASCII-armored age
// file, after signing it with id's Ed25519 key under domain (so a file
// sealed for one purpose cannot pass as another's). Backups of engine keys
// use it: only a recipient can read one, and whoever restores it learns who
// made it.
func (id *Identity) SealSigned(domain string, data []byte, recipients []string) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("seal: no recipients")
	}
	rs := make([]age.Recipient, 0, len(recipients))
	for _, s := range recipients {
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, fmt.Errorf("seal: %w", ValidateRecipient(s))
		}
		rs = append(rs, r)
	}
	sig := id.Sign(signedFile(domain, data))
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rs...)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	for _, part := range [][]byte{id.SigningKey(), sig, data} {
		if _, err := w.Write(part); err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return buf.Bytes(), nil
}

// OpenSigned decrypts a file made by SealSigned for domain and checks its
// signature. It returns the data and the signer's key, which the caller
// must check is one it trusts. A file not sealed to id is ErrNotRecipient;
// a damaged or forged one ErrCorrupt or ErrBadSignature.
func (id *Identity) OpenSigned(domain string, sealed []byte) (data []byte, signer ed25519.PublicKey, err error) {
	var src io.Reader = bytes.NewReader(sealed)
	if bytes.HasPrefix(bytes.TrimSpace(sealed), []byte(armor.Header)) {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, id.ageIdentity())
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, nil, ErrNotRecipient
		}
		return nil, nil, fmt.Errorf("open sealed file: %w", ErrCorrupt)
	}
	body, err := io.ReadAll(io.LimitReader(r, MaxSealed+1))
	if err != nil || len(body) > MaxSealed || len(body) < ed25519.PublicKeySize+ed25519.SignatureSize {
		return nil, nil, fmt.Errorf("open sealed file: %w", ErrCorrupt)
	}
	signer = ed25519.PublicKey(body[:ed25519.PublicKeySize])
	sig := body[ed25519.PublicKeySize : ed25519.PublicKeySize+ed25519.SignatureSize]
	data = body[ed25519.PublicKeySize+ed25519.SignatureSize:]
	if !Verify(signer, signedFile(domain, data), sig) {
		return nil, nil, fmt.Errorf("open sealed file: %w", ErrBadSignature)
	}
	return data, signer, nil
}

func signedFile(domain string, data []byte) []byte {
	b := make([]byte, 0, len(sealedDomain)+len(domain)+1+len(data))
	b = append(b, sealedDomain...)
	b = append(b, domain...)
	b = append(b, 0)
	return append(b, data...)
}
