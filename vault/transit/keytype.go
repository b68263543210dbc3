package transit

import (
	"fmt"
	"strings"
)

// KeyType names a transit key's algorithm, with Vault's spelling.
type KeyType string

// The key types.
const (
	AES256GCM96      KeyType = "aes256-gcm96"
	ChaCha20Poly1305 KeyType = "chacha20-poly1305"
	Ed25519          KeyType = "ed25519"
	ECDSAP256        KeyType = "ecdsa-p256"
	ECDSAP384        KeyType = "ecdsa-p384"
	RSA2048          KeyType = "rsa-2048"
	RSA4096          KeyType = "rsa-4096"
	HMAC             KeyType = "hmac"
)

// KeyTypes lists every key type, in the order help texts show them.
var KeyTypes = []KeyType{AES256GCM96, ChaCha20Poly1305, Ed25519, ECDSAP256, ECDSAP384, RSA2048, RSA4096, HMAC}

// ParseKeyType returns the key type named s.
func ParseKeyType(s string) (KeyType, error) {
	for _, t := range KeyTypes {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, len(KeyTypes))
	for i, t := range KeyTypes {
		names[i] = string(t)
	}
	return "", fmt.Errorf("%w: unknown key type (want one of %s)", ErrInvalid, strings.Join(names, ", "))
}

// Symmetric reports whether t is an AEAD key type.
func (t KeyType) Symmetric() bool { return t == AES256GCM96 || t == ChaCha20Poly1305 }

// RSA reports whether t is an RSA key type.
func (t KeyType) RSA() bool { return t == RSA2048 || t == RSA4096 }

// ECDSA reports whether t is an ECDSA key type.
func (t KeyType) ECDSA() bool { return t == ECDSAP256 || t == ECDSAP384 }

// CanEncrypt reports whether keys of type t encrypt and decrypt (AEAD, or
// RSA-OAEP as in Vault).
func (t KeyType) CanEncrypt() bool { return t.Symmetric() || t.RSA() }

// CanSign reports whether keys of type t sign and verify.
func (t KeyType) CanSign() bool { return t == Ed25519 || t.ECDSA() || t.RSA() }

// CanDerive reports whether keys of type t may be created derived: a key
// per context, derived with HKDF-SHA256.
func (t KeyType) CanDerive() bool { return t.Symmetric() || t == Ed25519 }

// Asymmetric reports whether t has a public key.
func (t KeyType) Asymmetric() bool { return t == Ed25519 || t.ECDSA() || t.RSA() }
