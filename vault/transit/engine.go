package transit

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Engine is the transit engine over one Storage. Its methods are safe for
// concurrent use.
type Engine struct {
	st  Storage
	now func() time.Time

	// With Options.Cache, keys stay loaded between calls. gen counts the
	// changes made through this Engine: a load caches what it read only if
	// no change happened meanwhile, and a change updates the cache inside
	// the Storage's Update, so that caching follows the order of writes.
	cache bool
	mu    sync.RWMutex
	gen   uint64
	keys  map[string]*key
}

// Options configure an Engine.
type Options struct {
	// Now is the clock for version creation times (time.Now when nil).
	Now func() time.Time
	// Cache keeps keys loaded between calls. Only set it when this Engine
	// is its Storage's only writer for as long as it lives (a server); a
	// command that makes one call per process does not need it.
	Cache bool
}

// New returns an Engine that keeps its keys in st.
func New(st Storage, o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Engine{st: st, now: o.Now, cache: o.Cache, keys: map[string]*key{}}
}

// MaxNameLen bounds key names.
const MaxNameLen = 128

// ValidateName checks a key name: 1 to 128 ASCII letters, digits, '.', '_'
// and '-', starting with a letter or digit. Names are safe to print.
func ValidateName(name string) error {
	ok := name != "" && len(name) <= MaxNameLen
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return fmt.Errorf("%w: key names are 1 to %d letters, digits, '.', '_' and '-', starting with a letter or digit", ErrInvalid, MaxNameLen)
	}
	return nil
}

func storageKey(name string) string { return policyPrefix + name }

// load returns the named key.
func (e *Engine) load(ctx context.Context, name string) (*key, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	var gen uint64
	if e.cache {
		e.mu.RLock()
		k, g := e.keys[name], e.gen
		e.mu.RUnlock()
		if k != nil {
			return k, nil
		}
		gen = g
	}
	b, ok, err := e.st.Get(ctx, storageKey(name))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(name)
	}
	k, err := decodeKey(b)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	if k.s.Name != name {
		return nil, fmt.Errorf("key %q: %w: stored under another name", name, ErrCorrupt)
	}
	if e.cache {
		e.mu.Lock()
		if e.gen == gen { // nothing changed through this Engine since the read
			e.keys[name] = k
		}
		e.mu.Unlock()
	}
	return k, nil
}

// remember records a change to the named key (nil: deleted or unknown) in
// the cache. Changes call it inside Storage.Update, in the order of writes.
func (e *Engine) remember(name string, k *key) {
	if !e.cache {
		return
	}
	e.mu.Lock()
	e.gen++
	if k == nil {
		delete(e.keys, name)
	} else {
		e.keys[name] = k
	}
	e.mu.Unlock()
}

func notFound(name string) error { return fmt.Errorf("key %q: %w", name, ErrNotFound) }

// modify changes the named key atomically: fn gets the current key and
// returns the new stored form, or keep=false to delete it.
func (e *Engine) modify(ctx context.Context, name string, fn func(k *key) (s stored, keep bool, err error)) (*key, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	var out *key
	err := e.st.Update(ctx, storageKey(name), func(cur []byte, ok bool) ([]byte, bool, error) {
		if !ok {
			return nil, false, notFound(name)
		}
		old, err := decodeKey(cur)
		if err != nil {
			return nil, false, fmt.Errorf("key %q: %w", name, err)
		}
		s, keep, err := fn(old)
		if err != nil {
			return nil, false, err
		}
		if !keep {
			e.remember(name, nil)
			return nil, false, nil
		}
		out = newKey(s, old)
		e.remember(name, out)
		return out.encode(), true, nil
	})
	if err != nil {
		e.remember(name, nil) // reload next time: the write may not have happened
		return nil, err
	}
	return out, nil
}

// CreateOptions configure a new key.
type CreateOptions struct {
	Type       KeyType // AES256GCM96 when empty
	Derived    bool    // a key per context (HKDF-SHA256); the context is required on every call
	Exportable bool    // the key material may be exported; this cannot be undone
}

// CreateKey makes a key with version 1. RSA-4096 takes seconds.
func (e *Engine) CreateKey(ctx context.Context, name string, o CreateOptions) (*KeyInfo, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if o.Type == "" {
		o.Type = AES256GCM96
	}
	if _, err := ParseKeyType(string(o.Type)); err != nil {
		return nil, err
	}
	if o.Derived && !o.Type.CanDerive() {
		return nil, fmt.Errorf("%w: %s keys cannot be derived (aes256-gcm96, chacha20-poly1305 and ed25519 can)", ErrInvalid, o.Type)
	}
	v, err := generate(o.Type, e.now().Unix())
	if err != nil {
		return nil, err
	}
	k := newKey(stored{Format: storeFormat, Name: name, Type: o.Type, Derived: o.Derived, Exportable: o.Exportable,
		MinDecryptionVersion: 1, Versions: []storedVersion{v}}, nil)
	if err := e.put(ctx, k, false); err != nil {
		return nil, err
	}
	return k.info(), nil
}

// put stores a new key, refusing to replace one unless replace is set.
func (e *Engine) put(ctx context.Context, k *key, replace bool) error {
	name := k.s.Name
	err := e.st.Update(ctx, storageKey(name), func(_ []byte, ok bool) ([]byte, bool, error) {
		if ok && !replace {
			return nil, false, fmt.Errorf("key %q: %w", name, ErrExists)
		}
		e.remember(name, k)
		return k.encode(), true, nil
	})
	if err != nil {
		e.remember(name, nil)
	}
	return err
}

// Key returns what may be shown of the named key (no private material).
func (e *Engine) Key(ctx context.Context, name string) (*KeyInfo, error) {
	k, err := e.load(ctx, name)
	if err != nil {
		return nil, err
	}
	return k.info(), nil
}

// Keys lists the key names, sorted.
func (e *Engine) Keys(ctx context.Context) ([]string, error) {
	ks, err := e.st.List(ctx, policyPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		out = append(out, strings.TrimPrefix(k, policyPrefix))
	}
	return out, nil
}

// RotateKey adds a version, which encryption and signing use from then on.
func (e *Engine) RotateKey(ctx context.Context, name string) (*KeyInfo, error) {
	k, err := e.load(ctx, name) // generate outside the storage transaction (RSA is slow)
	if err != nil {
		return nil, err
	}
	t := k.s.Type
	v, err := generate(t, e.now().Unix())
	if err != nil {
		return nil, err
	}
	k, err = e.modify(ctx, name, func(k *key) (stored, bool, error) {
		s := k.s
		if s.Type != t {
			return s, false, fmt.Errorf("key %q: %w: it was replaced while rotating; try again", name, ErrInvalid)
		}
		if len(s.Versions) >= maxVersions {
			return s, false, fmt.Errorf("key %q: %w: it has the most versions a key may have (%d)", name, ErrInvalid, maxVersions)
		}
		s.Versions = append(s.Versions[:len(s.Versions):len(s.Versions)], v)
		return s, true, nil
	})
	if err != nil {
		return nil, err
	}
	return k.info(), nil
}

// Config changes a key's settings; nil fields stay as they are.
type Config struct {
	// MinDecryptionVersion: ciphertexts, signatures and HMACs of older
	// versions are refused.
	MinDecryptionVersion *int
	// MinEncryptionVersion: the oldest version a caller may ask to encrypt,
	// sign or HMAC with (0: no floor beyond the minimum decryption
	// version). Without a version asked for, the latest is used.
	MinEncryptionVersion *int
	DeletionAllowed      *bool
}

// ConfigureKey applies c to the named key, checking it as a whole: the
// minimum decryption version is between 1 and the latest version, and a
// minimum encryption version, when set, is between that and the latest.
func (e *Engine) ConfigureKey(ctx context.Context, name string, c Config) (*KeyInfo, error) {
	k, err := e.modify(ctx, name, func(k *key) (stored, bool, error) {
		s := k.s
		if c.MinDecryptionVersion != nil {
			s.MinDecryptionVersion = *c.MinDecryptionVersion
		}
		if c.MinEncryptionVersion != nil {
			s.MinEncryptionVersion = *c.MinEncryptionVersion
		}
		if c.DeletionAllowed != nil {
			s.DeletionAllowed = *c.DeletionAllowed
		}
		n := len(s.Versions)
		if s.MinDecryptionVersion < 1 || s.MinDecryptionVersion > n {
			return s, false, fmt.Errorf("key %q: %w: the minimum decryption version must be from 1 to the latest version, %d", name, ErrInvalid, n)
		}
		if s.MinEncryptionVersion != 0 && (s.MinEncryptionVersion < s.MinDecryptionVersion || s.MinEncryptionVersion > n) {
			return s, false, fmt.Errorf("key %q: %w: the minimum encryption version must be 0 (none) or from the minimum decryption version, %d, to the latest, %d",
				name, ErrInvalid, s.MinDecryptionVersion, n)
		}
		return s, true, nil
	})
	if err != nil {
		return nil, err
	}
	return k.info(), nil
}

// DeleteKey removes the named key and every version of it: whatever it
// encrypted can no longer be decrypted. It must be allowed first with
// ConfigureKey.
func (e *Engine) DeleteKey(ctx context.Context, name string) error {
	_, err := e.modify(ctx, name, func(k *key) (stored, bool, error) {
		if !k.s.DeletionAllowed {
			return k.s, false, fmt.Errorf("key %q: %w", name, ErrDeletionNotAllowed)
		}
		return k.s, false, nil
	})
	return err
}

// KeyInfo is what may be shown of a key.
type KeyInfo struct {
	Name                 string        `json:"name"`
	Type                 KeyType       `json:"type"`
	Derived              bool          `json:"derived"`
	Exportable           bool          `json:"exportable"`
	DeletionAllowed      bool          `json:"deletion_allowed"`
	LatestVersion        int           `json:"latest_version"`
	MinDecryptionVersion int           `json:"min_decryption_version"`
	MinEncryptionVersion int           `json:"min_encryption_version"`
	SupportsEncryption   bool          `json:"supports_encryption"`
	SupportsSigning      bool          `json:"supports_signing"`
	Versions             []VersionInfo `json:"versions"`
}

// VersionInfo describes one key version.
type VersionInfo struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	// PublicKey is the PEM public key (PKIX) of an asymmetric, not derived
	// key's version.
	PublicKey string `json:"public_key,omitempty"`
}

func (k *key) info() *KeyInfo {
	s := &k.s
	in := &KeyInfo{Name: s.Name, Type: s.Type, Derived: s.Derived, Exportable: s.Exportable, DeletionAllowed: s.DeletionAllowed,
		LatestVersion: len(s.Versions), MinDecryptionVersion: s.MinDecryptionVersion, MinEncryptionVersion: s.MinEncryptionVersion,
		SupportsEncryption: s.Type.CanEncrypt(), SupportsSigning: s.Type.CanSign()}
	for i, v := range s.Versions {
		vi := VersionInfo{Version: i + 1, Created: time.Unix(v.Created, 0).UTC()}
		if s.Type.Asymmetric() && !s.Derived {
			vi.PublicKey, _ = k.vers[i].publicPEM()
		}
		in.Versions = append(in.Versions, vi)
	}
	return in
}

// publicPEM returns the version's public key as PEM (PKIX).
func (v *version) publicPEM() (string, error) {
	if err := v.parse(); err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(v.priv.Public())
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// Export returns the material of one version of an exportable key: the raw
// key in standard base64 for aes256-gcm96, chacha20-poly1305 and hmac keys,
// a PKCS#8 PEM private key for the others. hmacKey asks for the version's
// HMAC key (base64) instead. version 0 is the latest.
func (e *Engine) Export(ctx context.Context, name string, version int, hmacKey bool) (string, error) {
	k, err := e.load(ctx, name)
	if err != nil {
		return "", err
	}
	if !k.s.Exportable {
		return "", fmt.Errorf("key %q: %w (only keys created exportable can be exported)", name, ErrNotExportable)
	}
	if version == 0 {
		version = k.latest()
	}
	if version < 1 || version > k.latest() {
		return "", fmt.Errorf("key %q: %w: version %d does not exist (latest is %d)", name, ErrVersion, version, k.latest())
	}
	v := k.s.Versions[version-1]
	switch {
	case hmacKey && k.s.Type == HMAC:
		return b64(v.Key), nil // an hmac key's HMAC key is its key
	case hmacKey:
		return b64(v.HMACKey), nil
	case k.s.Type.Symmetric() || k.s.Type == HMAC:
		return b64(v.Key), nil
	case k.s.Type == Ed25519:
		der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(v.Key))
		if err != nil {
			return "", err
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
	default:
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: v.Key})), nil
	}
}

// Backup returns the named key, every version and setting, passed through
// seal, which must encrypt it: the engine hands it raw key material and
// wipes that buffer when seal returns, so seal must return new memory.
func (e *Engine) Backup(ctx context.Context, name string, seal func(plain []byte) ([]byte, error)) ([]byte, error) {
	k, err := e.load(ctx, name)
	if err != nil {
		return nil, err
	}
	plain := k.encode()
	defer clear(plain)
	return seal(plain)
}

// RestoreOptions configure Restore.
type RestoreOptions struct {
	Name  string // restore under this name instead of the backed-up one
	Force bool   // replace a key of the same name
}

// Restore opens a backup with open (the inverse of Backup's seal) and
// stores the key, after checking that every version's material parses. It
// refuses to replace an existing key unless Force. The buffer open returns
// is wiped afterwards, so open must return new memory.
func (e *Engine) Restore(ctx context.Context, sealed []byte, open func(sealed []byte) ([]byte, error), o RestoreOptions) (*KeyInfo, error) {
	plain, err := open(sealed)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	k, err := decodeKey(plain)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if o.Name != "" {
		if err := ValidateName(o.Name); err != nil {
			return nil, err
		}
		k.s.Name = o.Name
	}
	k = newKey(k.s, nil)
	for i, v := range k.vers {
		if err := v.parse(); err != nil {
			return nil, fmt.Errorf("backup: version %d: %w", i+1, err)
		}
	}
	if err := e.put(ctx, k, o.Force); err != nil {
		return nil, err
	}
	return k.info(), nil
}
