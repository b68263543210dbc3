package transit

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
)

// MaxPlaintext bounds a plaintext, and any input to sign or HMAC: 32 MiB.
const MaxPlaintext = 32 << 20

// maxCiphertext bounds a ciphertext string: the base64 of the largest
// plaintext with any key type's overhead, plus the prefix.
const maxCiphertext = (MaxPlaintext+1024)/3*4 + 64

// nonceSize is the AEAD nonce that prefixes the payload (Vault's layout
// for aes256-gcm96 and chacha20-poly1305).
const nonceSize = 12

// Item is one input of Encrypt, Decrypt or Rewrap.
type Item struct {
	Plaintext  []byte // Encrypt
	Ciphertext string // Decrypt, Rewrap
	Context    []byte // derived keys: required; others: must be empty
	Version    int    // Encrypt, Rewrap: the version to encrypt with (0: latest)
	Reference  string // echoed in the Result
	Err        error  // set by ParseBatch for an item it could not decode
}

// Result is one output of Encrypt, Decrypt or Rewrap. Err, when set, is
// this item's failure; the other items do not depend on it.
type Result struct {
	Ciphertext string // Encrypt, Rewrap
	Plaintext  []byte // Decrypt
	Version    int    // the key version used
	Reference  string
	Err        error
}

// Encrypt encrypts each item's plaintext with the named key. The error is
// for the whole call (unknown key, a key that cannot encrypt); an item's
// own failure is in its Result.
func (e *Engine) Encrypt(ctx context.Context, name string, items []Item) ([]Result, error) {
	return e.each(ctx, name, "encrypt", items, func(k *key, it *Item, r *Result) {
		r.Ciphertext, r.Version, r.Err = k.encrypt(it.Version, it.Context, it.Plaintext)
	})
}

// Decrypt decrypts each item's ciphertext with the key version it names.
func (e *Engine) Decrypt(ctx context.Context, name string, items []Item) ([]Result, error) {
	return e.each(ctx, name, "decrypt", items, func(k *key, it *Item, r *Result) {
		r.Plaintext, r.Version, r.Err = k.decrypt(it.Context, it.Ciphertext)
	})
}

// Rewrap decrypts each item and encrypts it again with the latest version
// (or the one asked for), without the plaintext leaving the engine.
func (e *Engine) Rewrap(ctx context.Context, name string, items []Item) ([]Result, error) {
	return e.each(ctx, name, "rewrap", items, func(k *key, it *Item, r *Result) {
		pt, _, err := k.decrypt(it.Context, it.Ciphertext)
		if err != nil {
			r.Err = err
			return
		}
		r.Ciphertext, r.Version, r.Err = k.encrypt(it.Version, it.Context, pt)
		clear(pt)
	})
}

// each loads the named key, checks that it can encrypt, and runs fn on
// every item that ParseBatch did not already fail.
func (e *Engine) each(ctx context.Context, name, op string, items []Item, fn func(*key, *Item, *Result)) ([]Result, error) {
	k, err := e.load(ctx, name)
	if err != nil {
		return nil, err
	}
	if !k.s.Type.CanEncrypt() {
		return nil, unsupported(k, op)
	}
	out := make([]Result, len(items))
	for i := range items {
		it, r := &items[i], &out[i]
		r.Reference = it.Reference
		if r.Err = it.Err; r.Err == nil {
			fn(k, it, r)
		}
	}
	return out, nil
}

// DataKey returns a new random key of bits (128, 256 or 512) bits and its
// encryption under the named key: the caller encrypts data with the
// plaintext key, keeps the ciphertext, and asks Decrypt for the key again
// later. Callers that only store it drop the plaintext.
func (e *Engine) DataKey(ctx context.Context, name string, bits int, context []byte) (plaintext []byte, ciphertext string, version int, err error) {
	if bits != 128 && bits != 256 && bits != 512 {
		return nil, "", 0, fmt.Errorf("%w: data keys have 128, 256 or 512 bits", ErrInvalid)
	}
	k, err := e.load(ctx, name)
	if err != nil {
		return nil, "", 0, err
	}
	if !k.s.Type.Symmetric() {
		return nil, "", 0, unsupported(k, "make data keys")
	}
	plaintext = make([]byte, bits/8)
	rand.Read(plaintext)
	ciphertext, version, err = k.encrypt(0, context, plaintext)
	if err != nil {
		clear(plaintext)
		return nil, "", 0, err
	}
	return plaintext, ciphertext, version, nil
}

func unsupported(k *key, op string) error {
	return fmt.Errorf("key %q: %w: %s keys cannot %s", k.s.Name, ErrUnsupported, k.s.Type, op)
}

// useVersion returns the version to encrypt, sign or HMAC with: asked, or
// the latest.
func (k *key) useVersion(asked int) (*version, int, error) {
	n := k.latest()
	if asked == 0 {
		return k.vers[n-1], n, nil
	}
	switch {
	case asked < 0 || asked > n:
		return nil, 0, fmt.Errorf("key %q: %w: version %d does not exist (latest is %d)", k.s.Name, ErrVersion, asked, n)
	case asked < k.s.MinEncryptionVersion:
		return nil, 0, fmt.Errorf("key %q: %w: version %d is below the minimum encryption version, %d", k.s.Name, ErrVersion, asked, k.s.MinEncryptionVersion)
	case asked < k.s.MinDecryptionVersion:
		return nil, 0, fmt.Errorf("key %q: %w: version %d is below the minimum decryption version, %d", k.s.Name, ErrVersion, asked, k.s.MinDecryptionVersion)
	}
	return k.vers[asked-1], asked, nil
}

// readVersion returns the version a ciphertext, signature or HMAC names,
// if it may still be used to decrypt or verify.
func (k *key) readVersion(n int) (*version, error) {
	switch {
	case n > k.latest():
		return nil, fmt.Errorf("key %q: %w: it names version %d, but the latest is %d", k.s.Name, ErrVersion, n, k.latest())
	case n < k.s.MinDecryptionVersion:
		return nil, fmt.Errorf("key %q: %w: version %d is below the minimum decryption version, %d",
			k.s.Name, ErrVersion, n, k.s.MinDecryptionVersion)
	}
	return k.vers[n-1], nil
}

// checkContext enforces: derived keys need a context, others take none.
func (k *key) checkContext(context []byte) error {
	switch {
	case k.s.Derived && len(context) == 0:
		return fmt.Errorf("key %q: %w: the key is derived, so a context is required", k.s.Name, ErrInvalid)
	case !k.s.Derived && len(context) > 0:
		return fmt.Errorf("key %q: %w: a context is only for derived keys", k.s.Name, ErrInvalid)
	}
	return nil
}

func (k *key) encrypt(asked int, context, plaintext []byte) (string, int, error) {
	if len(plaintext) > MaxPlaintext {
		return "", 0, fmt.Errorf("%w: the plaintext is over %d MiB", ErrTooLarge, MaxPlaintext>>20)
	}
	if err := k.checkContext(context); err != nil {
		return "", 0, err
	}
	v, n, err := k.useVersion(asked)
	if err != nil {
		return "", 0, err
	}
	if err := v.parse(); err != nil {
		return "", 0, fmt.Errorf("key %q version %d: %w", k.s.Name, n, err)
	}
	if k.s.Type.RSA() {
		pub := v.priv.Public().(*rsa.PublicKey)
		if limit := pub.Size() - 2*sha256.Size - 2; len(plaintext) > limit {
			return "", 0, fmt.Errorf("%w: %s keys encrypt at most %d bytes (RSA-OAEP); use a data key for more", ErrTooLarge, k.s.Type, limit)
		}
		ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, plaintext, nil)
		if err != nil {
			return "", 0, fmt.Errorf("key %q: encrypt: %w", k.s.Name, err)
		}
		return formatPayload(n, ct), n, nil
	}
	aead := v.aead
	if k.s.Derived {
		if aead, err = newAEAD(k.s.Type, derive(v.raw, context)); err != nil {
			return "", 0, err
		}
	}
	// Build "vault:v<N>:" + base64(nonce ‖ ciphertext ‖ tag) in one buffer.
	raw := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	rand.Read(raw)
	raw = aead.Seal(raw, raw[:nonceSize], plaintext, nil)
	return formatPayload(n, raw), n, nil
}

func formatPayload(version int, data []byte) string {
	b := make([]byte, 0, len(prefix)+11+base64.StdEncoding.EncodedLen(len(data)))
	b = append(b, prefix...)
	b = strconv.AppendInt(b, int64(version), 10)
	b = append(b, ':')
	b = base64.StdEncoding.AppendEncode(b, data)
	return string(b)
}

func (k *key) decrypt(context []byte, ciphertext string) ([]byte, int, error) {
	if len(ciphertext) > maxCiphertext {
		return nil, 0, fmt.Errorf("%w: the ciphertext is longer than any this engine makes", ErrTooLarge)
	}
	if err := k.checkContext(context); err != nil {
		return nil, 0, err
	}
	c, err := ParseCiphertext(ciphertext)
	if err != nil {
		return nil, 0, err
	}
	v, err := k.readVersion(c.Version)
	if err != nil {
		return nil, 0, err
	}
	if err := v.parse(); err != nil {
		return nil, 0, fmt.Errorf("key %q version %d: %w", k.s.Name, c.Version, err)
	}
	if k.s.Type.RSA() {
		pt, err := rsa.DecryptOAEP(sha256.New(), nil, v.priv.(*rsa.PrivateKey), c.Data, nil)
		if err != nil {
			return nil, 0, k.decryptFailed()
		}
		return pt, c.Version, nil
	}
	aead := v.aead
	if k.s.Derived {
		if aead, err = newAEAD(k.s.Type, derive(v.raw, context)); err != nil {
			return nil, 0, err
		}
	}
	if len(c.Data) < nonceSize+aead.Overhead() {
		return nil, 0, fmt.Errorf("%w: the payload is shorter than a nonce and a tag", ErrMalformed)
	}
	pt, err := aead.Open(nil, c.Data[:nonceSize], c.Data[nonceSize:], nil)
	if err != nil {
		return nil, 0, k.decryptFailed()
	}
	return pt, c.Version, nil
}

func (k *key) decryptFailed() error {
	if k.s.Derived {
		return fmt.Errorf("key %q: %w: wrong context, or the ciphertext was damaged or made with another key", k.s.Name, ErrDecrypt)
	}
	return fmt.Errorf("key %q: %w: the ciphertext was damaged or made with another key", k.s.Name, ErrDecrypt)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
