package transit

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
)

// Hash names, with Vault's spelling.
const (
	SHA2_256 = "sha2-256"
	SHA2_384 = "sha2-384"
	SHA2_512 = "sha2-512"
)

// RSA signature schemes.
const (
	PSS      = "pss"
	PKCS1v15 = "pkcs1v15"
)

// SignOptions configure Sign and Verify.
type SignOptions struct {
	// Hash is the digest of ECDSA and RSA signatures: sha2-256 (default),
	// sha2-384 or sha2-512. Ed25519 signs the input itself (pure Ed25519)
	// and takes no hash.
	Hash string
	// Algorithm is the RSA scheme: pss (default, salt length as large as
	// the key allows, verified with any) or pkcs1v15.
	Algorithm string
	Context   []byte // derived ed25519 keys: required
	Version   int    // Sign: the version to sign with (0: latest)
}

func hashOf(name string) (crypto.Hash, error) {
	switch name {
	case "", SHA2_256:
		return crypto.SHA256, nil
	case SHA2_384:
		return crypto.SHA384, nil
	case SHA2_512:
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("%w: unknown hash (want sha2-256, sha2-384 or sha2-512)", ErrInvalid)
}

// signer returns the private key to sign with for version v.
func (k *key) signer(v *version, n int, context []byte) (crypto.Signer, error) {
	if err := k.checkContext(context); err != nil {
		return nil, err
	}
	if k.s.Derived { // ed25519 only
		return ed25519.NewKeyFromSeed(derive(v.raw, context)), nil
	}
	if err := v.parse(); err != nil {
		return nil, fmt.Errorf("key %q version %d: %w", k.s.Name, n, err)
	}
	return v.priv, nil
}

// signParams checks o against the key type and returns the digest to use
// (0 for Ed25519).
func (k *key) signParams(o SignOptions) (crypto.Hash, error) {
	if k.s.Type == Ed25519 {
		if o.Hash != "" || o.Algorithm != "" {
			return 0, fmt.Errorf("%w: ed25519 signs the input itself (pure Ed25519); a hash or algorithm does not apply", ErrInvalid)
		}
		return 0, nil
	}
	if o.Algorithm != "" && (!k.s.Type.RSA() || o.Algorithm != PSS && o.Algorithm != PKCS1v15) {
		return 0, fmt.Errorf("%w: the signature algorithm is pss or pkcs1v15, for RSA keys only", ErrInvalid)
	}
	return hashOf(o.Hash)
}

func digest(h crypto.Hash, input []byte) []byte {
	var d hash.Hash
	switch h {
	case crypto.SHA384:
		d = sha512.New384()
	case crypto.SHA512:
		d = sha512.New()
	default:
		d = sha256.New()
	}
	d.Write(input)
	return d.Sum(nil)
}

// Sign signs input with the named key and returns "vault:v<N>:<base64>".
func (e *Engine) Sign(ctx context.Context, name string, input []byte, o SignOptions) (string, error) {
	if len(input) > MaxPlaintext {
		return "", fmt.Errorf("%w: the input is over %d MiB", ErrTooLarge, MaxPlaintext>>20)
	}
	k, err := e.load(ctx, name)
	if err != nil {
		return "", err
	}
	if !k.s.Type.CanSign() {
		return "", unsupported(k, "sign")
	}
	h, err := k.signParams(o)
	if err != nil {
		return "", err
	}
	v, n, err := k.useVersion(o.Version)
	if err != nil {
		return "", err
	}
	s, err := k.signer(v, n, o.Context)
	if err != nil {
		return "", err
	}
	var sig []byte
	switch p := s.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(p, input)
	case *ecdsa.PrivateKey:
		sig, err = ecdsa.SignASN1(rand.Reader, p, digest(h, input))
	case *rsa.PrivateKey:
		if o.Algorithm == PKCS1v15 {
			sig, err = rsa.SignPKCS1v15(nil, p, h, digest(h, input))
		} else {
			sig, err = rsa.SignPSS(rand.Reader, p, h, digest(h, input), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		}
	}
	if err != nil {
		return "", fmt.Errorf("key %q: sign: %w", name, err)
	}
	return formatPayload(n, sig), nil
}

// Verify reports whether signature is the named key's signature of input,
// by the version it names, which must not be below the minimum decryption
// version. A signature that does not match is (false, nil); a malformed
// one, or one of a version not allowed, is an error.
func (e *Engine) Verify(ctx context.Context, name string, input []byte, signature string, o SignOptions) (bool, error) {
	if len(input) > MaxPlaintext {
		return false, fmt.Errorf("%w: the input is over %d MiB", ErrTooLarge, MaxPlaintext>>20)
	}
	k, err := e.load(ctx, name)
	if err != nil {
		return false, err
	}
	if !k.s.Type.CanSign() {
		return false, unsupported(k, "verify signatures")
	}
	h, err := k.signParams(o)
	if err != nil {
		return false, err
	}
	c, err := parseSignature(signature)
	if err != nil {
		return false, err
	}
	v, err := k.readVersion(c.Version)
	if err != nil {
		return false, err
	}
	s, err := k.signer(v, c.Version, o.Context)
	if err != nil {
		return false, err
	}
	switch p := s.Public().(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(p, input, c.Data), nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(p, digest(h, input), c.Data), nil
	case *rsa.PublicKey:
		if o.Algorithm == PKCS1v15 {
			return rsa.VerifyPKCS1v15(p, h, digest(h, input), c.Data) == nil, nil
		}
		return rsa.VerifyPSS(p, h, digest(h, input), c.Data, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil, nil
	}
	return false, unsupported(k, "verify signatures")
}

func parseSignature(s string) (Ciphertext, error) {
	if len(s) > 4096 {
		return Ciphertext{}, fmt.Errorf("%w: longer than any signature or HMAC", ErrMalformed)
	}
	return ParseCiphertext(s)
}

// HMACOptions configure HMAC and VerifyHMAC.
type HMACOptions struct {
	Hash    string // sha2-256 (default), sha2-384 or sha2-512
	Version int    // HMAC: the version to use (0: latest)
}

// HMAC returns the HMAC of input under the named key's version, as
// "vault:v<N>:<base64>". Every key type has an HMAC key per version (hmac
// keys are nothing else).
func (e *Engine) HMAC(ctx context.Context, name string, input []byte, o HMACOptions) (string, error) {
	if len(input) > MaxPlaintext {
		return "", fmt.Errorf("%w: the input is over %d MiB", ErrTooLarge, MaxPlaintext>>20)
	}
	h, err := hashOf(o.Hash)
	if err != nil {
		return "", err
	}
	k, err := e.load(ctx, name)
	if err != nil {
		return "", err
	}
	v, n, err := k.useVersion(o.Version)
	if err != nil {
		return "", err
	}
	return formatPayload(n, v.mac(h, input)), nil
}

// VerifyHMAC reports, in constant time, whether mac is the named key's
// HMAC of input.
func (e *Engine) VerifyHMAC(ctx context.Context, name string, input []byte, mac string, o HMACOptions) (bool, error) {
	if len(input) > MaxPlaintext {
		return false, fmt.Errorf("%w: the input is over %d MiB", ErrTooLarge, MaxPlaintext>>20)
	}
	h, err := hashOf(o.Hash)
	if err != nil {
		return false, err
	}
	k, err := e.load(ctx, name)
	if err != nil {
		return false, err
	}
	c, err := parseSignature(mac)
	if err != nil {
		return false, err
	}
	v, err := k.readVersion(c.Version)
	if err != nil {
		return false, err
	}
	return hmac.Equal(c.Data, v.mac(h, input)), nil
}

func (v *version) mac(h crypto.Hash, input []byte) []byte {
	key := v.hmac
	if v.t == HMAC {
		key = v.raw
	}
	var m hash.Hash
	switch h {
	case crypto.SHA384:
		m = hmac.New(sha512.New384, key)
	case crypto.SHA512:
		m = hmac.New(sha512.New, key)
	default:
		m = hmac.New(sha256.New, key)
	}
	m.Write(input)
	return m.Sum(nil)
}

// MaxRandom bounds Random.
const MaxRandom = 1 << 20

// Random returns n bytes from the operating system's CSPRNG, 1 ≤ n ≤ 1 MiB.
func Random(n int) ([]byte, error) {
	if n < 1 || n > MaxRandom {
		return nil, fmt.Errorf("%w: ask for 1 to %d random bytes", ErrInvalid, MaxRandom)
	}
	b := make([]byte, n)
	rand.Read(b)
	return b, nil
}
