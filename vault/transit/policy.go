package transit

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// storeFormat is the version of the stored key encoding.
const storeFormat = 1

// maxVersions bounds how many versions one key may have, so a stored key
// stays small enough to load on every call.
const maxVersions = 10000

// stored is a key as Storage keeps it (JSON, sealed by the Storage): its
// configuration and the material of every version, version N at index N-1.
type stored struct {
	Format               int             `json:"format"`
	Name                 string          `json:"name"`
	Type                 KeyType         `json:"type"`
	Derived              bool            `json:"derived,omitempty"`
	Exportable           bool            `json:"exportable,omitempty"`
	DeletionAllowed      bool            `json:"deletion_allowed,omitempty"`
	MinDecryptionVersion int             `json:"min_decryption_version"`
	MinEncryptionVersion int             `json:"min_encryption_version"`
	Versions             []storedVersion `json:"versions"`
}

type storedVersion struct {
	Created int64  `json:"created"` // Unix seconds
	Key     []byte `json:"key"`     // 32 bytes (AEAD, HMAC, Ed25519 seed) or PKCS#8 DER
	HMACKey []byte `json:"hmac_key"`
}

// key is a loaded key: its stored form and, per version, the material
// parsed on first use. A key is never modified once built; changes build a
// new one (versions that did not change are shared).
type key struct {
	s    stored
	vers []*version
}

type version struct {
	t    KeyType
	raw  []byte
	hmac []byte

	once sync.Once
	err  error
	aead cipher.AEAD   // symmetric, not derived
	priv crypto.Signer // asymmetric, not derived
}

func (k *key) latest() int { return len(k.s.Versions) }

// decodeKey parses and checks a stored key. Anything unexpected is
// ErrCorrupt: the Storage authenticated it, so damage means a bug or a
// foreign writer, never user input to quote.
func decodeKey(b []byte) (*key, error) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%w: not a stored key", ErrCorrupt)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return newKey(s, nil), nil
}

func (s *stored) check() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }
	switch {
	case s.Format != storeFormat:
		return bad(fmt.Sprintf("format %d is not %d", s.Format, storeFormat))
	case ValidateName(s.Name) != nil:
		return bad("bad name")
	}
	if _, err := ParseKeyType(string(s.Type)); err != nil {
		return bad("unknown key type")
	}
	n := len(s.Versions)
	switch {
	case n < 1 || n > maxVersions:
		return bad("bad version count")
	case s.Derived && !s.Type.CanDerive():
		return bad("derived key of a type that cannot derive")
	case s.MinDecryptionVersion < 1 || s.MinDecryptionVersion > n:
		return bad("bad minimum decryption version")
	case s.MinEncryptionVersion != 0 && (s.MinEncryptionVersion < s.MinDecryptionVersion || s.MinEncryptionVersion > n):
		return bad("bad minimum encryption version")
	}
	for _, v := range s.Versions {
		if len(v.HMACKey) != 32 {
			return bad("bad HMAC key")
		}
		switch {
		case s.Type.Symmetric() || s.Type == HMAC || s.Type == Ed25519:
			if len(v.Key) != 32 {
				return bad("bad key length")
			}
		case len(v.Key) == 0 || len(v.Key) > 4096:
			return bad("bad key length")
		}
	}
	return nil
}

// newKey builds a key from s, reusing the parsed versions of old where
// they are the same.
func newKey(s stored, old *key) *key {
	k := &key{s: s, vers: make([]*version, len(s.Versions))}
	for i, v := range s.Versions {
		if old != nil && i < len(old.vers) && old.s.Type == s.Type &&
			subtle.ConstantTimeCompare(old.s.Versions[i].Key, v.Key) == 1 &&
			subtle.ConstantTimeCompare(old.s.Versions[i].HMACKey, v.HMACKey) == 1 {
			k.vers[i] = old.vers[i]
			continue
		}
		k.vers[i] = &version{t: s.Type, raw: v.Key, hmac: v.HMACKey}
	}
	return k
}

func (k *key) encode() []byte {
	b, err := json.Marshal(&k.s)
	if err != nil {
		panic("transit: encode key: " + err.Error()) // only plain types inside
	}
	return b
}

// parse builds the version's ready-to-use material once.
func (v *version) parse() error {
	v.once.Do(func() {
		switch {
		case v.t.Symmetric():
			v.aead, v.err = newAEAD(v.t, v.raw)
		case v.t == Ed25519:
			v.priv = ed25519.NewKeyFromSeed(v.raw)
		case v.t.ECDSA() || v.t.RSA():
			p, err := x509.ParsePKCS8PrivateKey(v.raw)
			if err != nil {
				v.err = fmt.Errorf("%w: private key does not parse", ErrCorrupt)
				return
			}
			s, ok := p.(crypto.Signer)
			if !ok || !matchesType(v.t, s) {
				v.err = fmt.Errorf("%w: private key of the wrong type", ErrCorrupt)
				return
			}
			v.priv = s
		}
	})
	return v.err
}

func matchesType(t KeyType, s crypto.Signer) bool {
	switch p := s.(type) {
	case *ecdsa.PrivateKey:
		return (t == ECDSAP256 && p.Curve == elliptic.P256()) || (t == ECDSAP384 && p.Curve == elliptic.P384())
	case *rsa.PrivateKey:
		return (t == RSA2048 && p.N.BitLen() == 2048) || (t == RSA4096 && p.N.BitLen() == 4096)
	}
	return false
}

func newAEAD(t KeyType, raw []byte) (cipher.AEAD, error) {
	if t == ChaCha20Poly1305 {
		return chacha20poly1305.New(raw)
	}
	b, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// derive returns the per-context key of a derived key's version: HKDF-SHA256
// with the version's key as secret, no salt and the context as info, as
// Vault does.
func derive(raw, context []byte) []byte {
	k, err := hkdf.Key(sha256.New, raw, nil, string(context), 32)
	if err != nil {
		panic("transit: hkdf: " + err.Error()) // only on invalid lengths, constant here
	}
	return k
}

// generate makes the material of a new version of type t.
func generate(t KeyType, created int64) (storedVersion, error) {
	v := storedVersion{Created: created, HMACKey: make([]byte, 32)}
	rand.Read(v.HMACKey)
	switch {
	case t.Symmetric() || t == HMAC || t == Ed25519:
		v.Key = make([]byte, 32)
		rand.Read(v.Key)
		return v, nil
	}
	var priv any
	var err error
	switch t {
	case ECDSAP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case RSA4096:
		priv, err = rsa.GenerateKey(rand.Reader, 4096)
	default:
		return v, fmt.Errorf("%w: unknown key type", ErrInvalid)
	}
	if err != nil {
		return v, fmt.Errorf("generate %s key: %w", t, err)
	}
	if v.Key, err = x509.MarshalPKCS8PrivateKey(priv); err != nil {
		return v, fmt.Errorf("encode %s key: %w", t, err)
	}
	return v, nil
}
