package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// KeyType names a key algorithm and size for CAs and issued leaves.
type KeyType string

// The key types the engine generates and signs with.
const (
	ECP256  KeyType = "ec-p256"
	ECP384  KeyType = "ec-p384"
	Ed25519 KeyType = "ed25519"
	RSA2048 KeyType = "rsa-2048"
	RSA4096 KeyType = "rsa-4096"
)

// KeyTypes lists every key type, in the order help texts show them.
var KeyTypes = []KeyType{ECP256, ECP384, Ed25519, RSA2048, RSA4096}

// ParseKeyType checks a key type name ("" means ec-p256).
func ParseKeyType(s string) (KeyType, error) {
	if s == "" {
		return ECP256, nil
	}
	for _, t := range KeyTypes {
		if string(t) == strings.ToLower(s) {
			return t, nil
		}
	}
	names := make([]string, len(KeyTypes))
	for i, t := range KeyTypes {
		names[i] = string(t)
	}
	return "", fmt.Errorf("%w: key type %q: use one of %s", ErrInvalid, s, strings.Join(names, ", "))
}

// generate makes a new private key of type t.
func (t KeyType) generate(r io.Reader) (crypto.Signer, error) {
	switch t {
	case ECP256:
		return ecdsa.GenerateKey(elliptic.P256(), r)
	case ECP384:
		return ecdsa.GenerateKey(elliptic.P384(), r)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(r)
		return k, err
	case RSA2048:
		return rsa.GenerateKey(r, 2048)
	case RSA4096:
		return rsa.GenerateKey(r, 4096)
	}
	return nil, fmt.Errorf("%w: key type %q", ErrInvalid, t)
}

// keyTypeOf names the type of a public key, or fails for keys the engine
// does not accept (RSA below 2048 bits, curves other than P-256/P-384).
func keyTypeOf(pub crypto.PublicKey) (KeyType, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ECP256, nil
		case elliptic.P384():
			return ECP384, nil
		}
		return "", fmt.Errorf("%w: ECDSA curve %s is not accepted (P-256 or P-384)", ErrInvalid, k.Curve.Params().Name)
	case ed25519.PublicKey:
		return Ed25519, nil
	case *rsa.PublicKey:
		switch bits := k.N.BitLen(); {
		case bits < 2048:
			return "", fmt.Errorf("%w: RSA key of %d bits is too small (at least 2048)", ErrInvalid, bits)
		case bits <= 2048:
			return RSA2048, nil
		default:
			return RSA4096, nil
		}
	}
	return "", fmt.Errorf("%w: public key type %T is not accepted", ErrInvalid, pub)
}

// marshalKey encodes a private key as PKCS#8 DER.
func marshalKey(k crypto.Signer) ([]byte, error) { return x509.MarshalPKCS8PrivateKey(k) }

// parseKey decodes a PKCS#8 private key that can sign.
func parseKey(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %v", ErrCorrupt, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: private key of type %T cannot sign", ErrCorrupt, k)
	}
	return s, nil
}

// subjectKeyID computes a subject key identifier by RFC 7093 §2 method 1:
// the leftmost 160 bits of the SHA-256 hash of the subjectPublicKey bits.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrInvalid, err)
	}
	in := cryptobyte.String(spki)
	var body cryptobyte.String
	var bits cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) || !body.SkipASN1(cbasn1.SEQUENCE) || !body.ReadASN1(&bits, cbasn1.BIT_STRING) || len(bits) < 1 {
		return nil, fmt.Errorf("%w: public key encoding", ErrInvalid)
	}
	sum := sha256.Sum256(bits[1:]) // past the unused-bits octet
	return sum[:20], nil
}

// randReader is the randomness every key, serial and signature uses.
var randReader io.Reader = rand.Reader
