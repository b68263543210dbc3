package vault

import (
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the size of an environment key in bytes.
const KeySize = 32

// Labels that domain-separate the subkeys derived from an environment key.
const (
	sealInfo   = "egide v1 object seal"
	layoutInfo = "egide v1 tree layout"
	workInfo   = "egide v1 working index"
)

// Key is one epoch's environment key with its derived subkeys. It is safe
// for concurrent use.
type Key struct {
	raw    []byte
	aead   cipher.AEAD
	layout []byte
	work   []byte
}

// NewKey returns a fresh random environment key.
func NewKey() (*Key, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("new key: %w", err)
	}
	return keyFromRaw(raw)
}

func keyFromRaw(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("environment key: %w", ErrCorrupt)
	}
	sub := func(info string) []byte {
		k, err := hkdf.Key(sha256.New, raw, nil, info, 32)
		if err != nil {
			panic("vault: hkdf: " + err.Error()) // only on invalid lengths, which are constant here
		}
		return k
	}
	aead, err := chacha20poly1305.NewX(sub(sealInfo))
	if err != nil {
		return nil, fmt.Errorf("environment key: %w", err)
	}
	return &Key{raw: raw, aead: aead, layout: sub(layoutInfo), work: sub(workInfo)}, nil
}

// Overhead is how many bytes Seal adds to a plaintext.
const Overhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// Seal encrypts plaintext with XChaCha20-Poly1305 under a fresh random
// nonce, authenticating aad, and appends nonce‖ciphertext to dst.
func (k *Key) Seal(dst, aad, plaintext []byte) []byte {
	var nonce [chacha20poly1305.NonceSizeX]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic("vault: crypto/rand failed: " + err.Error())
	}
	dst = append(dst, nonce[:]...)
	return k.aead.Seal(dst, nonce[:], plaintext, aad)
}

// Open authenticates and decrypts sealed (nonce‖ciphertext) with aad and
// appends the plaintext to dst. Any damage gives ErrCorrupt.
func (k *Key) Open(dst, aad, sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, ErrCorrupt
	}
	ns := chacha20poly1305.NonceSizeX
	out, err := k.aead.Open(dst, sealed[:ns], sealed[ns:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return out, nil
}

// OpenInPlace is Open writing the plaintext over sealed's ciphertext: no
// allocation, and sealed is unusable afterwards (zeroed when it fails).
func (k *Key) OpenInPlace(aad, sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, ErrCorrupt
	}
	ns := chacha20poly1305.NonceSizeX
	return k.Open(sealed[ns:ns], aad, sealed)
}

// Slot returns the keyed hash that places a key name in the tree. It hides
// names from anyone without the environment key.
func (k *Key) Slot(name string) [32]byte {
	m := hmac.New(sha256.New, k.layout)
	m.Write([]byte(name))
	var s [32]byte
	m.Sum(s[:0])
	return s
}

// WorkID returns the keyed hash that indexes an uncommitted change to name.
func (k *Key) WorkID(name string) []byte {
	m := hmac.New(sha256.New, k.work)
	m.Write([]byte(name))
	return m.Sum(nil)[:16]
}

// Envelope is an environment key wrapped to one recipient and signed by the
// identity that granted it.
type Envelope struct {
	Env       []byte            // environment id
	Epoch     uint32            // key epoch
	Recipient string            // age recipient ("age1…")
	Wrapped   []byte            // the age-encrypted key
	Signer    ed25519.PublicKey // granter's signing key
	Signature []byte            // Ed25519 over SignedBytes
}

// envelopeDomain prefixes the bytes an envelope signature covers.
const envelopeDomain = "egide v1 envelope\x00"

// SignedBytes returns the canonical bytes the envelope's signature covers.
func (e *Envelope) SignedBytes() []byte {
	b := make([]byte, 0, len(envelopeDomain)+len(e.Env)+len(e.Recipient)+len(e.Wrapped)+16)
	b = append(b, envelopeDomain...)
	b = appendBytes(b, e.Env)
	b = binary.BigEndian.AppendUint32(b, e.Epoch)
	b = appendBytes(b, []byte(e.Recipient))
	b = appendBytes(b, e.Wrapped)
	return b
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// Wrap wraps the key to recipient for (env, epoch), signed by granter.
func (k *Key) Wrap(env []byte, epoch uint32, recipient string, granter *Identity) (*Envelope, error) {
	w, err := wrap(k.raw, recipient)
	if err != nil {
		return nil, err
	}
	e := &Envelope{Env: env, Epoch: epoch, Recipient: recipient, Wrapped: w, Signer: granter.SigningKey()}
	e.Signature = granter.Sign(e.SignedBytes())
	return e, nil
}

// StampData returns the bytes a reader's verification stamp of this
// envelope covers: everything the signature covers, the signer and the
// signature.
func (e *Envelope) StampData() []byte {
	b := e.SignedBytes()
	b = append(b, e.Signer...)
	return append(b, e.Signature...)
}

// Open verifies the envelope's signature and unwraps the key with id. It
// returns ErrNotRecipient when the envelope is for someone else, and
// ErrBadSignature or ErrCorrupt when it was forged or damaged.
func (e *Envelope) Open(id *Identity) (*Key, error) {
	if e.Recipient != id.Recipient() {
		return nil, ErrNotRecipient
	}
	if !Verify(e.Signer, e.SignedBytes(), e.Signature) {
		return nil, fmt.Errorf("envelope for epoch %d: %w", e.Epoch, ErrBadSignature)
	}
	raw, err := id.unwrap(e.Wrapped, KeySize)
	if err != nil {
		if errors.Is(err, ErrNotRecipient) {
			return nil, fmt.Errorf("envelope for epoch %d: %w", e.Epoch, ErrCorrupt)
		}
		return nil, err
	}
	return keyFromRaw(raw)
}
