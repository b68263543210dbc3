package transit

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/fips140"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // crypto.SHA384/SHA512.New
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// ---- helpers ----

// fixedNow is the clock of test engines, so that creation times are known.
var fixedNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func newTestEngine(t testing.TB, o Options) (*Engine, *memStorage) {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return fixedNow }
	}
	st := newMemStorage()
	return New(st, o), st
}

// RSA generation is slow (seconds for rsa-4096, more under -race), so each
// RSA type is made once per test process by CreateKey and restored
// wherever a test needs one.
var rsaPool struct {
	sync.Mutex
	m map[KeyType]pooledKey
}

type pooledKey struct {
	s    stored
	info *KeyInfo // what CreateKey returned
}

// pooled returns the stored form of the process's key of type typ (named
// "pooled") and CreateKey's answer when it was made. rsa-4096 is skipped
// with -short.
func pooled(t testing.TB, typ KeyType) (stored, *KeyInfo) {
	t.Helper()
	if typ == RSA4096 && testing.Short() {
		t.Skip("rsa-4096 generation takes seconds; skipped with -short")
	}
	rsaPool.Lock()
	defer rsaPool.Unlock()
	if p, ok := rsaPool.m[typ]; ok {
		p.s.Versions = slices.Clone(p.s.Versions)
		return p.s, p.info
	}
	e, _ := newTestEngine(t, Options{})
	info, err := e.CreateKey(t.Context(), "pooled", CreateOptions{Type: typ})
	if err != nil {
		t.Fatalf("create a %s key: %v", typ, err)
	}
	b, err := e.Backup(t.Context(), "pooled", cloneBytes)
	if err != nil {
		t.Fatal(err)
	}
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if rsaPool.m == nil {
		rsaPool.m = map[KeyType]pooledKey{}
	}
	rsaPool.m[typ] = pooledKey{s: s, info: info}
	s.Versions = slices.Clone(s.Versions)
	return s, info
}

// cloneBytes is a seal/open function that copies (Backup and Restore wipe
// the slices they hand out or get back).
func cloneBytes(b []byte) ([]byte, error) { return bytes.Clone(b), nil }

// restoreStored stores s through Restore.
func restoreStored(t testing.TB, e *Engine, s stored, o RestoreOptions) *KeyInfo {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	info, err := e.Restore(t.Context(), b, cloneBytes, o)
	if err != nil {
		t.Fatalf("restore %s: %v", s.Name, err)
	}
	return info
}

// createKey makes a key: RSA keys are restored from the pool, the others
// made by CreateKey.
func createKey(t testing.TB, e *Engine, name string, o CreateOptions) *KeyInfo {
	t.Helper()
	if o.Type.RSA() {
		s, _ := pooled(t, o.Type)
		s.Name, s.Exportable = name, o.Exportable
		return restoreStored(t, e, s, RestoreOptions{})
	}
	info, err := e.CreateKey(t.Context(), name, o)
	if err != nil {
		t.Fatalf("create %s (%s): %v", name, o.Type, err)
	}
	return info
}

func keyInfo(t testing.TB, e *Engine, name string) *KeyInfo {
	t.Helper()
	info, err := e.Key(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// first returns the error of a one-item call: the call's, else the item's.
func first(rs []Result, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	return rs[0], rs[0].Err
}

func mustEncrypt(t testing.TB, e *Engine, name string, it Item) Result {
	t.Helper()
	r, err := first(e.Encrypt(t.Context(), name, []Item{it}))
	if err != nil {
		t.Fatalf("encrypt with %s: %v", name, err)
	}
	return r
}

func mustDecrypt(t testing.TB, e *Engine, name string, it Item) Result {
	t.Helper()
	r, err := first(e.Decrypt(t.Context(), name, []Item{it}))
	if err != nil {
		t.Fatalf("decrypt with %s: %v", name, err)
	}
	return r
}

// refused runs fn, which must fail with target and leave the storage as it
// was; it returns fn's error for further checks.
func refused(t *testing.T, st *memStorage, target error, fn func() error) error {
	t.Helper()
	return st.Refused(t, target, fn)
}

// noLeak checks that err does not quote any of secrets.
func noLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Error("no error to check")
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q quotes %q", err, s)
		}
	}
}

func payload(t testing.TB, s string) []byte {
	t.Helper()
	c, err := ParseCiphertext(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return c.Data
}

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

// publicKey parses a PEM "PUBLIC KEY" (PKIX).
func publicKey(t testing.TB, text string) crypto.PublicKey {
	t.Helper()
	block, rest := pem.Decode([]byte(text))
	if block == nil || block.Type != "PUBLIC KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("not one PEM public key: %q", text)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// privateKey parses a PEM "PRIVATE KEY" (PKCS#8).
func privateKey(t testing.TB, text string) crypto.Signer {
	t.Helper()
	block, rest := pem.Decode([]byte(text))
	if block == nil || block.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatal("not one PEM private key")
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return priv.(crypto.Signer)
}

// kindOf names a public key the way key types do: "ecdsa-p256", "rsa-2048".
func kindOf(pub crypto.PublicKey) string {
	switch p := pub.(type) {
	case ed25519.PublicKey:
		if len(p) == ed25519.PublicKeySize {
			return "ed25519"
		}
	case *ecdsa.PublicKey:
		return "ecdsa-p" + strconv.Itoa(p.Curve.Params().BitSize)
	case *rsa.PublicKey:
		return "rsa-" + strconv.Itoa(p.N.BitLen())
	}
	return fmt.Sprintf("%T", pub)
}

var hashes = map[string]crypto.Hash{"": crypto.SHA256, SHA2_256: crypto.SHA256, SHA2_384: crypto.SHA384, SHA2_512: crypto.SHA512}

// stdVerify verifies sig with the standard library alone, as the key type
// and options say the engine signs: pure Ed25519, ECDSA ASN.1 over the
// digest, RSA PKCS#1 v1.5 or PSS with the largest salt the key allows.
func stdVerify(pub crypto.PublicKey, o SignOptions, msg, sig []byte) bool {
	h := hashes[o.Hash]
	d := h.New()
	d.Write(msg)
	sum := d.Sum(nil)
	switch p := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(p, msg, sig)
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(p, sum, sig)
	case *rsa.PublicKey:
		if o.Algorithm == PKCS1v15 {
			return rsa.VerifyPKCS1v15(p, h, sum, sig) == nil
		}
		salt := p.Size() - h.Size() - 2
		if fips140.Enabled() { // FIPS 140-3 mode caps an automatic salt at the hash size
			salt = rsa.PSSSaltLengthAuto
		}
		return rsa.VerifyPSS(p, h, sum, sig, &rsa.PSSOptions{SaltLength: salt}) == nil
	}
	return false
}

// ownAEAD is the AEAD of a raw key, built here without the engine.
func ownAEAD(t testing.TB, typ KeyType, raw []byte) cipher.AEAD {
	t.Helper()
	var a cipher.AEAD
	var err error
	switch typ {
	case AES256GCM96:
		var b cipher.Block
		if b, err = aes.NewCipher(raw); err == nil {
			a, err = cipher.NewGCM(b)
		}
	case ChaCha20Poly1305:
		a, err = chacha20poly1305.New(raw)
	default:
		t.Fatalf("no AEAD for %s", typ)
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func exportRaw(t testing.TB, e *Engine, name string, version int, hmacKey bool) []byte {
	t.Helper()
	s, err := e.Export(t.Context(), name, version, hmacKey)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != 32 {
		t.Fatalf("export is not 32 bytes of base64: %d bytes, %v", len(raw), err)
	}
	return raw
}

var rsaBits = map[KeyType]int{RSA2048: 2048, RSA4096: 4096}

// ---- keys ----

func TestParseKeyType(t *testing.T) {
	for _, typ := range KeyTypes {
		if got, err := ParseKeyType(string(typ)); got != typ || err != nil {
			t.Errorf("%s: %q, %v", typ, got, err)
		}
	}
	for _, bad := range []string{"", "AES256-GCM96", "aes128-gcm96", "rsa-3072", "hmac ", "ecdsa-p521"} {
		if _, err := ParseKeyType(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCreateKey(t *testing.T) {
	tests := []struct {
		typ       KeyType
		enc, sign bool
		public    string // the public key's kind, "" for none
	}{
		{AES256GCM96, true, false, ""},
		{ChaCha20Poly1305, true, false, ""},
		{Ed25519, false, true, "ed25519"},
		{ECDSAP256, false, true, "ecdsa-p256"},
		{ECDSAP384, false, true, "ecdsa-p384"},
		{RSA2048, true, true, "rsa-2048"},
		{RSA4096, true, true, "rsa-4096"},
		{HMAC, false, false, ""},
	}
	if len(tests) != len(KeyTypes) {
		t.Fatalf("the table misses key types: %v", KeyTypes)
	}
	for _, tc := range tests {
		t.Run(string(tc.typ), func(t *testing.T) {
			e, st := newTestEngine(t, Options{})
			name := "new-" + string(tc.typ)
			var info *KeyInfo
			if tc.typ.RSA() {
				_, info = pooled(t, tc.typ) // made by CreateKey, once per process
				name = "pooled"
			} else {
				var err error
				if info, err = e.CreateKey(t.Context(), name, CreateOptions{Type: tc.typ}); err != nil {
					t.Fatal(err)
				}
				if _, ok, _ := st.Get(t.Context(), "policy/"+name); !ok {
					t.Fatal("nothing stored under policy/<name>")
				}
				if got := keyInfo(t, e, name); !reflect.DeepEqual(got, info) {
					t.Errorf("Key() = %+v, CreateKey returned %+v", got, info)
				}
			}
			pub := info.Versions[0].PublicKey
			got := *info // the pool's copy stays as it is
			got.Versions = slices.Clone(info.Versions)
			got.Versions[0].PublicKey = ""
			want := &KeyInfo{Name: name, Type: tc.typ, LatestVersion: 1, MinDecryptionVersion: 1,
				SupportsEncryption: tc.enc, SupportsSigning: tc.sign,
				Versions: []VersionInfo{{Version: 1, Created: fixedNow}}}
			if !reflect.DeepEqual(&got, want) {
				t.Errorf("info = %+v\nwant   %+v", &got, want)
			}
			switch {
			case tc.public == "" && pub != "":
				t.Errorf("a %s key shows a public key", tc.typ)
			case tc.public != "":
				if got := kindOf(publicKey(t, pub)); got != tc.public {
					t.Errorf("public key is %s, want %s", got, tc.public)
				}
			}
		})
	}
	t.Run("default type", func(t *testing.T) {
		e, _ := newTestEngine(t, Options{})
		if info, err := e.CreateKey(t.Context(), "k", CreateOptions{}); err != nil || info.Type != AES256GCM96 {
			t.Fatalf("%+v, %v", info, err)
		}
	})
	t.Run("unknown type", func(t *testing.T) {
		e, st := newTestEngine(t, Options{})
		refused(t, st, ErrInvalid, func() error {
			_, err := e.CreateKey(t.Context(), "k", CreateOptions{Type: "aes128-gcm96"})
			return err
		})
	})
}

func TestKeyNames(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	for _, bad := range []string{"", "-a", ".a", "_a", "a/b", "../a", "a b", "a\x00", "é", "a:b", strings.Repeat("a", MaxNameLen+1)} {
		refused(t, st, ErrInvalid, func() error {
			_, err := e.CreateKey(ctx, bad, CreateOptions{})
			return err
		})
	}
	good := []string{"a", "9", "A.b_c-d", "payments.v2", strings.Repeat("x", MaxNameLen)}
	for _, name := range good {
		if _, err := e.CreateKey(ctx, name, CreateOptions{}); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	names, err := e.Keys(ctx)
	slices.Sort(good)
	if err != nil || !slices.Equal(names, good) {
		t.Errorf("Keys() = %q, %v; want %q", names, err, good)
	}
}

func TestCreateTwice(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	ct := mustEncrypt(t, e, "k", Item{Plaintext: []byte("first key")}).Ciphertext
	before := keyInfo(t, e, "k")
	for _, typ := range []KeyType{AES256GCM96, Ed25519} {
		refused(t, st, ErrExists, func() error {
			_, err := e.CreateKey(ctx, "k", CreateOptions{Type: typ})
			return err
		})
	}
	if after := keyInfo(t, e, "k"); !reflect.DeepEqual(before, after) {
		t.Errorf("key changed: %+v -> %+v", before, after)
	}
	if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct}); string(r.Plaintext) != "first key" {
		t.Errorf("the first key's ciphertext decrypts to %q", r.Plaintext)
	}
}

// ---- encryption ----

func TestEncryptDecrypt(t *testing.T) {
	for _, typ := range []KeyType{AES256GCM96, ChaCha20Poly1305, RSA2048, RSA4096} {
		t.Run(string(typ), func(t *testing.T) {
			e, _ := newTestEngine(t, Options{})
			ctx := t.Context()
			createKey(t, e, "k", CreateOptions{Type: typ})
			largest := 4096
			if typ.RSA() {
				largest = rsaBits[typ]/8 - 2*sha256.Size - 2 // RSA-OAEP-SHA256
			}
			pts := [][]byte{{}, []byte("hello"), bytes.Repeat([]byte{0xa5}, largest)}
			var items []Item
			for i, p := range pts {
				items = append(items, Item{Plaintext: p, Reference: "ref-" + strconv.Itoa(i)})
			}
			enc, err := e.Encrypt(ctx, "k", items)
			if err != nil || len(enc) != len(items) {
				t.Fatalf("%d results, %v", len(enc), err)
			}
			var back []Item
			for i, r := range enc {
				if r.Err != nil || r.Version != 1 || r.Reference != items[i].Reference || !strings.HasPrefix(r.Ciphertext, "vault:v1:") {
					t.Fatalf("item %d: %+v", i, r)
				}
				size := nonceSize + len(pts[i]) + 16
				if typ.RSA() {
					size = rsaBits[typ] / 8
				}
				if n := len(payload(t, r.Ciphertext)); n != size {
					t.Errorf("item %d: payload of %d bytes, want %d", i, n, size)
				}
				back = append(back, Item{Ciphertext: r.Ciphertext, Reference: r.Reference})
			}
			if again := mustEncrypt(t, e, "k", Item{Plaintext: pts[1]}); again.Ciphertext == enc[1].Ciphertext {
				t.Error("encrypting twice gives the same ciphertext")
			}
			dec, err := e.Decrypt(ctx, "k", back)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range dec {
				if r.Err != nil || r.Version != 1 || r.Reference != back[i].Reference || !bytes.Equal(r.Plaintext, pts[i]) {
					t.Errorf("item %d: %+v", i, r)
				}
			}
			if typ.RSA() {
				_, err := first(e.Encrypt(ctx, "k", []Item{{Plaintext: make([]byte, largest+1)}}))
				if !errors.Is(err, ErrTooLarge) {
					t.Errorf("%d bytes through RSA-OAEP: %v, want ErrTooLarge", largest+1, err)
				}
			}
		})
	}
}

// TestCiphertextLayout decrypts engine ciphertexts with the exported key
// and the cipher alone, and the reverse: the payload is Vault's, a 12-byte
// nonce then ciphertext‖tag, no additional data.
func TestCiphertextLayout(t *testing.T) {
	for _, typ := range []KeyType{AES256GCM96, ChaCha20Poly1305} {
		t.Run(string(typ), func(t *testing.T) {
			e, _ := newTestEngine(t, Options{})
			createKey(t, e, "k", CreateOptions{Type: typ, Exportable: true})
			aead := ownAEAD(t, typ, exportRaw(t, e, "k", 0, false))

			data := payload(t, mustEncrypt(t, e, "k", Item{Plaintext: []byte("layout check")}).Ciphertext)
			pt, err := aead.Open(nil, data[:12], data[12:], nil)
			if err != nil || string(pt) != "layout check" {
				t.Fatalf("own decryption: %q, %v", pt, err)
			}

			nonce := []byte("twelve bytes")
			ct := "vault:v1:" + base64.StdEncoding.EncodeToString(aead.Seal(bytes.Clone(nonce), nonce, []byte("made outside"), nil))
			if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct}); string(r.Plaintext) != "made outside" {
				t.Fatalf("engine decryption of our ciphertext: %q", r.Plaintext)
			}
		})
	}
}

func TestBatchItemsIndependent(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	preset := fmt.Errorf("%w: set by ParseBatch", ErrInvalid)
	rs, err := e.Encrypt(ctx, "k", []Item{
		{Plaintext: []byte("one"), Reference: "a"},
		{Plaintext: []byte("two"), Err: preset, Reference: "b"},
		{Plaintext: []byte("three"), Context: []byte("ctx"), Reference: "c"},
		{Plaintext: []byte("four"), Version: 5, Reference: "d"},
		{Plaintext: []byte("five"), Reference: "e"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantErr := []error{nil, preset, ErrInvalid, ErrVersion, nil}
	for i, r := range rs {
		if !errors.Is(r.Err, wantErr[i]) || (wantErr[i] == nil) != (r.Ciphertext != "") || r.Reference != string(rune('a'+i)) {
			t.Errorf("item %d: %+v, want error %v", i, r, wantErr[i])
		}
	}
	good := rs[0].Ciphertext
	flipped := payload(t, good)
	flipped[len(flipped)-1] ^= 1
	ds, err := e.Decrypt(ctx, "k", []Item{
		{Ciphertext: good},
		{Ciphertext: "vault:v1:not base64"},
		{Ciphertext: Ciphertext{Version: 1, Data: flipped}.String()},
		{Ciphertext: good, Err: preset},
		{Ciphertext: rs[4].Ciphertext},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantErr = []error{nil, ErrMalformed, ErrDecrypt, preset, nil}
	for i, r := range ds {
		if !errors.Is(r.Err, wantErr[i]) {
			t.Errorf("decrypt item %d: %v, want %v", i, r.Err, wantErr[i])
		}
	}
	if string(ds[0].Plaintext) != "one" || string(ds[4].Plaintext) != "five" {
		t.Errorf("plaintexts %q, %q", ds[0].Plaintext, ds[4].Plaintext)
	}

	out, failed := Results(OpDecrypt, ds)
	if failed != 3 || *out[0].Plaintext != base64.StdEncoding.EncodeToString([]byte("one")) || out[0].KeyVersion != 1 || out[0].Error != "" ||
		out[1].Plaintext != nil || out[1].Error == "" {
		t.Errorf("Results: %d failed, %+v", failed, out)
	}
}

func TestDataKey(t *testing.T) {
	for _, typ := range []KeyType{AES256GCM96, ChaCha20Poly1305} {
		for _, derived := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s derived=%v", typ, derived), func(t *testing.T) {
				e, st := newTestEngine(t, Options{})
				ctx := t.Context()
				createKey(t, e, "k", CreateOptions{Type: typ, Derived: derived})
				var context []byte
				if derived {
					context = []byte("tenant-7")
				}
				for _, bits := range []int{128, 256, 512} {
					pt, ct, v, err := e.DataKey(ctx, "k", bits, context)
					if err != nil || len(pt) != bits/8 || v != 1 || !strings.HasPrefix(ct, "vault:v1:") {
						t.Fatalf("%d bits: %d bytes, %q, v%d, %v", bits, len(pt), ct, v, err)
					}
					if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct, Context: context}); !bytes.Equal(r.Plaintext, pt) {
						t.Errorf("%d bits: the ciphertext decrypts to another key", bits)
					}
					if pt2, _, _, _ := e.DataKey(ctx, "k", bits, context); bytes.Equal(pt, pt2) {
						t.Errorf("%d bits: two data keys are equal", bits)
					}
				}
				for _, bits := range []int{0, 64, 192, 1024, -256} {
					refused(t, st, ErrInvalid, func() error { _, _, _, err := e.DataKey(ctx, "k", bits, context); return err })
				}
				wrong := []byte("other")
				if derived {
					wrong = nil
				}
				refused(t, st, ErrInvalid, func() error { _, _, _, err := e.DataKey(ctx, "k", 256, wrong); return err })
			})
		}
	}
}

func TestRewrap(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	createKey(t, e, "d", CreateOptions{Derived: true})
	ct1 := mustEncrypt(t, e, "k", Item{Plaintext: []byte("wrapped")}).Ciphertext
	dct1 := mustEncrypt(t, e, "d", Item{Plaintext: []byte("derived"), Context: []byte("c")}).Ciphertext
	for _, name := range []string{"k", "d"} {
		if _, err := e.RotateKey(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := e.Rewrap(ctx, "k", []Item{
		{Ciphertext: ct1, Reference: "r"},
		{Ciphertext: ct1, Version: 1},
		{Ciphertext: "vault:v1:AAAA"},
		{Ciphertext: ct1, Version: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[0]; r.Err != nil || r.Version != 2 || r.Reference != "r" || !strings.HasPrefix(r.Ciphertext, "vault:v2:") {
		t.Fatalf("rewrap: %+v", r)
	}
	if r := rs[1]; r.Err != nil || r.Version != 1 || !strings.HasPrefix(r.Ciphertext, "vault:v1:") || r.Ciphertext == ct1 {
		t.Errorf("rewrap to version 1: %+v", r)
	}
	if !errors.Is(rs[2].Err, ErrMalformed) || !errors.Is(rs[3].Err, ErrVersion) {
		t.Errorf("bad items: %v, %v", rs[2].Err, rs[3].Err)
	}
	for _, r := range rs[:2] {
		if d := mustDecrypt(t, e, "k", Item{Ciphertext: r.Ciphertext}); string(d.Plaintext) != "wrapped" || d.Version != r.Version {
			t.Errorf("rewrapped ciphertext decrypts to %q (v%d)", d.Plaintext, d.Version)
		}
	}

	r, err := first(e.Rewrap(ctx, "d", []Item{{Ciphertext: dct1, Context: []byte("c")}}))
	if err != nil || !strings.HasPrefix(r.Ciphertext, "vault:v2:") {
		t.Fatalf("derived rewrap: %+v, %v", r, err)
	}
	if d := mustDecrypt(t, e, "d", Item{Ciphertext: r.Ciphertext, Context: []byte("c")}); string(d.Plaintext) != "derived" {
		t.Errorf("derived rewrap decrypts to %q", d.Plaintext)
	}
	refused(t, st, ErrDecrypt, func() error {
		_, err := first(e.Rewrap(ctx, "d", []Item{{Ciphertext: dct1, Context: []byte("not c")}}))
		return err
	})
}

func TestRandom(t *testing.T) {
	for _, n := range []int{1, 32, MaxRandom} {
		if b, err := Random(n); err != nil || len(b) != n {
			t.Errorf("Random(%d): %d bytes, %v", n, len(b), err)
		}
	}
	for _, n := range []int{0, -1, MaxRandom + 1} {
		if b, err := Random(n); !errors.Is(err, ErrInvalid) || b != nil {
			t.Errorf("Random(%d): %d bytes, %v; want ErrInvalid", n, len(b), err)
		}
	}
	a, _ := Random(32)
	b, _ := Random(32)
	if bytes.Equal(a, b) {
		t.Error("two Random(32) are equal")
	}
}

// ---- signatures and HMACs ----

func TestSignVerify(t *testing.T) {
	type signCase struct {
		typ KeyType
		o   SignOptions
	}
	cases := []signCase{{Ed25519, SignOptions{}}, {RSA4096, SignOptions{}}}
	for _, h := range []string{"", SHA2_256, SHA2_384, SHA2_512} {
		cases = append(cases, signCase{ECDSAP256, SignOptions{Hash: h}}, signCase{ECDSAP384, SignOptions{Hash: h}})
		for _, alg := range []string{"", PSS, PKCS1v15} {
			cases = append(cases, signCase{RSA2048, SignOptions{Hash: h, Algorithm: alg}})
		}
	}
	e, _ := newTestEngine(t, Options{})
	ctx := t.Context()
	msg := []byte("the message to sign")
	for _, tc := range cases {
		t.Run(strings.Trim(fmt.Sprintf("%s/%s/%s", tc.typ, tc.o.Hash, tc.o.Algorithm), "/"), func(t *testing.T) {
			name := string(tc.typ)
			if _, err := e.Key(ctx, name); errors.Is(err, ErrNotFound) {
				createKey(t, e, name, CreateOptions{Type: tc.typ})
			}
			sig, err := e.Sign(ctx, name, msg, tc.o)
			if err != nil || !strings.HasPrefix(sig, "vault:v1:") {
				t.Fatalf("Sign: %q, %v", sig, err)
			}
			if ok, err := e.Verify(ctx, name, msg, sig, tc.o); !ok || err != nil {
				t.Fatalf("Verify: %v, %v", ok, err)
			}
			if ok, err := e.Verify(ctx, name, []byte("the message to sigN"), sig, tc.o); ok || err != nil {
				t.Errorf("Verify of another message: %v, %v", ok, err)
			}
			pub := publicKey(t, keyInfo(t, e, name).Versions[0].PublicKey)
			if !stdVerify(pub, tc.o, msg, payload(t, sig)) {
				t.Error("the standard library does not verify the signature with the published public key")
			}
			if tc.typ == Ed25519 {
				if again, _ := e.Sign(ctx, name, msg, tc.o); again != sig {
					t.Error("Ed25519 signatures are deterministic, got two")
				}
				return
			}
			other := tc.o
			other.Hash = SHA2_512
			if hashes[tc.o.Hash] == crypto.SHA512 {
				other.Hash = SHA2_256
			}
			if ok, err := e.Verify(ctx, name, msg, sig, other); ok || err != nil {
				t.Errorf("Verify with hash %s: %v, %v", other.Hash, ok, err)
			}
			if tc.typ.RSA() {
				other = tc.o
				other.Algorithm = PKCS1v15
				if tc.o.Algorithm == PKCS1v15 {
					other.Algorithm = PSS
				}
				if ok, err := e.Verify(ctx, name, msg, sig, other); ok || err != nil {
					t.Errorf("Verify as %s: %v, %v", other.Algorithm, ok, err)
				}
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	for _, typ := range []KeyType{AES256GCM96, ChaCha20Poly1305, HMAC, Ed25519, ECDSAP256, RSA2048} {
		createKey(t, e, string(typ), CreateOptions{Type: typ})
	}
	msg := []byte("msg")
	edSig, err := e.Sign(ctx, "ed25519", msg, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(name string, o SignOptions) func() error {
		return func() error { _, err := e.Sign(ctx, name, msg, o); return err }
	}
	verify := func(name, sig string, o SignOptions) func() error {
		return func() error { _, err := e.Verify(ctx, name, msg, sig, o); return err }
	}
	tests := []struct {
		name string
		want error
		fn   func() error
	}{
		{"sign aes", ErrUnsupported, sign("aes256-gcm96", SignOptions{})},
		{"sign chacha", ErrUnsupported, sign("chacha20-poly1305", SignOptions{})},
		{"sign hmac", ErrUnsupported, sign("hmac", SignOptions{})},
		{"verify aes", ErrUnsupported, verify("aes256-gcm96", edSig, SignOptions{})},
		{"ed25519 with a hash", ErrInvalid, sign("ed25519", SignOptions{Hash: SHA2_256})},
		{"ed25519 with an algorithm", ErrInvalid, sign("ed25519", SignOptions{Algorithm: PSS})},
		{"ecdsa with pss", ErrInvalid, sign("ecdsa-p256", SignOptions{Algorithm: PSS})},
		{"ecdsa with sha1", ErrInvalid, sign("ecdsa-p256", SignOptions{Hash: "sha1"})},
		{"rsa with pkcs1", ErrInvalid, sign("rsa-2048", SignOptions{Algorithm: "pkcs1"})},
		{"context without derivation", ErrInvalid, sign("ed25519", SignOptions{Context: []byte("c")})},
		{"version 2 of 1", ErrVersion, sign("ed25519", SignOptions{Version: 2})},
		{"negative version", ErrVersion, sign("ed25519", SignOptions{Version: -1})},
		{"verify with bad options", ErrInvalid, verify("ed25519", edSig, SignOptions{Hash: SHA2_512})},
		{"malformed signature", ErrMalformed, verify("ed25519", "vault:v1:###", SignOptions{})},
		{"not a signature", ErrMalformed, verify("ed25519", "hello", SignOptions{})},
		{"huge signature", ErrMalformed, verify("ed25519", "vault:v1:"+strings.Repeat("A", 8192), SignOptions{})},
		{"signature of version 9", ErrVersion, verify("ed25519", strings.Replace(edSig, "v1", "v9", 1), SignOptions{})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { refused(t, st, tc.want, tc.fn) })
	}
	// A damaged signature is a mismatch, not an error.
	p := payload(t, edSig)
	p[0] ^= 1
	if ok, err := e.Verify(ctx, "ed25519", msg, Ciphertext{Version: 1, Data: p}.String(), SignOptions{}); ok || err != nil {
		t.Errorf("damaged signature: %v, %v", ok, err)
	}
}

func TestHMAC(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	input := []byte("authenticate me")
	for _, typ := range KeyTypes {
		t.Run(string(typ), func(t *testing.T) {
			name := "mac-" + string(typ)
			createKey(t, e, name, CreateOptions{Type: typ, Exportable: true})
			// hmac keys MAC with the key itself, the others with their version's HMAC key.
			macKey := exportRaw(t, e, name, 0, typ != HMAC)
			for h, ch := range hashes {
				o := HMACOptions{Hash: h}
				mac, err := e.HMAC(ctx, name, input, o)
				if err != nil || !strings.HasPrefix(mac, "vault:v1:") {
					t.Fatalf("%s: %q, %v", h, mac, err)
				}
				want := hmac.New(ch.New, macKey)
				want.Write(input)
				if !bytes.Equal(payload(t, mac), want.Sum(nil)) {
					t.Errorf("%s: not the HMAC of the exported key", h)
				}
				if ok, err := e.VerifyHMAC(ctx, name, input, mac, o); !ok || err != nil {
					t.Errorf("%s: VerifyHMAC %v, %v", h, ok, err)
				}
				if ok, err := e.VerifyHMAC(ctx, name, []byte("authenticate mE"), mac, o); ok || err != nil {
					t.Errorf("%s: VerifyHMAC of other input: %v, %v", h, ok, err)
				}
				other := HMACOptions{Hash: SHA2_384}
				if ch == crypto.SHA384 {
					other.Hash = SHA2_512
				}
				if ok, err := e.VerifyHMAC(ctx, name, input, mac, other); ok || err != nil {
					t.Errorf("%s: VerifyHMAC as %s: %v, %v", h, other.Hash, ok, err)
				}
			}
		})
	}
	refused(t, st, ErrInvalid, func() error { _, err := e.HMAC(ctx, "mac-hmac", input, HMACOptions{Hash: "md5"}); return err })
	refused(t, st, ErrVersion, func() error { _, err := e.HMAC(ctx, "mac-hmac", input, HMACOptions{Version: 2}); return err })
	refused(t, st, ErrMalformed, func() error {
		_, err := e.VerifyHMAC(ctx, "mac-hmac", input, "vault:v1:zz", HMACOptions{})
		return err
	})
	refused(t, st, ErrVersion, func() error {
		_, err := e.VerifyHMAC(ctx, "mac-hmac", input, "vault:v9:AAAA", HMACOptions{})
		return err
	})
}

// TestExportedHMACKeyReproducesHMACs: Export(hmacKey=true) is the key the
// engine MACs with, so that HMACs can be checked elsewhere. Vault exports
// the key itself for hmac keys (their HMAC key is the key).
func TestExportedHMACKeyReproducesHMACs(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	input := []byte("checked elsewhere")
	for _, typ := range []KeyType{AES256GCM96, Ed25519, HMAC} {
		t.Run(string(typ), func(t *testing.T) {
			name := "x-" + string(typ)
			createKey(t, e, name, CreateOptions{Type: typ, Exportable: true})
			mac, err := e.HMAC(t.Context(), name, input, HMACOptions{})
			if err != nil {
				t.Fatal(err)
			}
			m := hmac.New(sha256.New, exportRaw(t, e, name, 0, true))
			m.Write(input)
			if !bytes.Equal(m.Sum(nil), payload(t, mac)) {
				t.Errorf("the exported HMAC key of a %s key does not reproduce its HMACs", typ)
			}
		})
	}
}

// ---- derived keys ----

func TestDerivedEncryption(t *testing.T) {
	for _, typ := range []KeyType{AES256GCM96, ChaCha20Poly1305} {
		t.Run(string(typ), func(t *testing.T) {
			e, st := newTestEngine(t, Options{})
			ctx := t.Context()
			info := createKey(t, e, "d", CreateOptions{Type: typ, Derived: true, Exportable: true})
			if !info.Derived {
				t.Fatal("not derived")
			}
			ctxA, ctxB := []byte("customer-a"), []byte("customer-b")
			ct := mustEncrypt(t, e, "d", Item{Plaintext: []byte("per context"), Context: ctxA}).Ciphertext
			if r := mustDecrypt(t, e, "d", Item{Ciphertext: ct, Context: ctxA}); string(r.Plaintext) != "per context" {
				t.Fatalf("decrypts to %q", r.Plaintext)
			}

			// The key is HKDF-SHA256(version key, salt nil, info context).
			raw := exportRaw(t, e, "d", 1, false)
			dk, err := hkdf.Key(sha256.New, raw, nil, string(ctxA), 32)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(derive(raw, ctxA), dk) {
				t.Error("derive is not HKDF-SHA256 with the context as info")
			}
			data := payload(t, ct)
			if pt, err := ownAEAD(t, typ, dk).Open(nil, data[:12], data[12:], nil); err != nil || string(pt) != "per context" {
				t.Errorf("the HKDF key does not open the ciphertext: %q, %v", pt, err)
			}

			err = refused(t, st, ErrDecrypt, func() error {
				_, err := first(e.Decrypt(ctx, "d", []Item{{Ciphertext: ct, Context: ctxB}}))
				return err
			})
			noLeak(t, err, ct, "customer-b", "per context")
			refused(t, st, ErrInvalid, func() error { _, err := first(e.Decrypt(ctx, "d", []Item{{Ciphertext: ct}})); return err })
			refused(t, st, ErrInvalid, func() error { _, err := first(e.Encrypt(ctx, "d", []Item{{Plaintext: []byte("x")}})); return err })
		})
	}
	t.Run("context on a key that is not derived", func(t *testing.T) {
		e, st := newTestEngine(t, Options{})
		ctx := t.Context()
		createKey(t, e, "k", CreateOptions{})
		ct := mustEncrypt(t, e, "k", Item{Plaintext: []byte("x")}).Ciphertext
		refused(t, st, ErrInvalid, func() error {
			_, err := first(e.Encrypt(ctx, "k", []Item{{Plaintext: []byte("x"), Context: []byte("c")}}))
			return err
		})
		refused(t, st, ErrInvalid, func() error {
			_, err := first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct, Context: []byte("c")}}))
			return err
		})
	})
	t.Run("types that cannot derive", func(t *testing.T) {
		e, st := newTestEngine(t, Options{})
		for _, typ := range []KeyType{ECDSAP256, ECDSAP384, RSA2048, RSA4096, HMAC} {
			refused(t, st, ErrInvalid, func() error {
				_, err := e.CreateKey(t.Context(), "k", CreateOptions{Type: typ, Derived: true})
				return err
			})
		}
	})
}

func TestDerivedEd25519(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	info := createKey(t, e, "s", CreateOptions{Type: Ed25519, Derived: true, Exportable: true})
	if info.Versions[0].PublicKey != "" {
		t.Error("a derived key shows one public key (there is one per context)")
	}
	msg := []byte("signed per context")
	ctxA := SignOptions{Context: []byte("device-1")}
	ctxB := SignOptions{Context: []byte("device-2")}
	sigA, err := e.Sign(ctx, "s", msg, ctxA)
	if err != nil {
		t.Fatal(err)
	}
	if sigB, _ := e.Sign(ctx, "s", msg, ctxB); sigB == sigA {
		t.Error("two contexts sign alike")
	}
	if ok, err := e.Verify(ctx, "s", msg, sigA, ctxA); !ok || err != nil {
		t.Errorf("Verify: %v, %v", ok, err)
	}
	if ok, err := e.Verify(ctx, "s", msg, sigA, ctxB); ok || err != nil {
		t.Errorf("Verify with another context: %v, %v", ok, err)
	}
	refused(t, st, ErrInvalid, func() error { _, err := e.Sign(ctx, "s", msg, SignOptions{}); return err })
	refused(t, st, ErrInvalid, func() error { _, err := e.Verify(ctx, "s", msg, sigA, SignOptions{}); return err })

	// The context's key is Ed25519 from the seed HKDF-SHA256(seed, context).
	seed := privateKey(t, mustExport(t, e, "s", 1)).(ed25519.PrivateKey).Seed()
	dseed, err := hkdf.Key(sha256.New, seed, nil, "device-1", 32)
	if err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(dseed).Public().(ed25519.PublicKey)
	if !ed25519.Verify(pub, msg, payload(t, sigA)) {
		t.Error("the signature is not by the HKDF-derived key")
	}
}

func mustExport(t testing.TB, e *Engine, name string, version int) string {
	t.Helper()
	s, err := e.Export(t.Context(), name, version, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ---- versions ----

func TestRotateAndMinVersions(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	createKey(t, e, "s", CreateOptions{Type: Ed25519})
	msg := []byte("versioned")
	ct1 := mustEncrypt(t, e, "k", Item{Plaintext: msg}).Ciphertext
	sig1, _ := e.Sign(ctx, "s", msg, SignOptions{})
	mac1, _ := e.HMAC(ctx, "k", msg, HMACOptions{})

	for _, name := range []string{"k", "s"} {
		info, err := e.RotateKey(ctx, name)
		if err != nil || info.LatestVersion != 2 || len(info.Versions) != 2 || info.Versions[1].Version != 2 {
			t.Fatalf("rotate %s: %+v, %v", name, info, err)
		}
	}
	if pubs := keyInfo(t, e, "s").Versions; pubs[0].PublicKey == pubs[1].PublicKey {
		t.Error("rotation kept the same Ed25519 key")
	}
	r := mustEncrypt(t, e, "k", Item{Plaintext: msg})
	ct2 := r.Ciphertext
	if r.Version != 2 || !strings.HasPrefix(ct2, "vault:v2:") {
		t.Fatalf("after rotate, encrypt gives %q (v%d)", ct2, r.Version)
	}
	if sig2, _ := e.Sign(ctx, "s", msg, SignOptions{}); !strings.HasPrefix(sig2, "vault:v2:") {
		t.Errorf("after rotate, sign gives %q", sig2)
	}
	if mac2, _ := e.HMAC(ctx, "k", msg, HMACOptions{}); !strings.HasPrefix(mac2, "vault:v2:") {
		t.Errorf("after rotate, HMAC gives %q", mac2)
	}
	if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct1}); !bytes.Equal(r.Plaintext, msg) || r.Version != 1 {
		t.Errorf("v1 ciphertext after rotate: %+v", r)
	}
	if ok, err := e.Verify(ctx, "s", msg, sig1, SignOptions{}); !ok || err != nil {
		t.Errorf("v1 signature after rotate: %v, %v", ok, err)
	}
	if r := mustEncrypt(t, e, "k", Item{Plaintext: msg, Version: 1}); !strings.HasPrefix(r.Ciphertext, "vault:v1:") {
		t.Errorf("encrypt with version 1: %q", r.Ciphertext)
	}

	for _, name := range []string{"k", "s"} {
		if info, err := e.ConfigureKey(ctx, name, Config{MinDecryptionVersion: intp(2)}); err != nil || info.MinDecryptionVersion != 2 {
			t.Fatalf("configure %s: %+v, %v", name, info, err)
		}
	}
	below := []struct {
		name string
		fn   func() error
	}{
		{"decrypt v1", func() error { _, err := first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct1}})); return err }},
		{"rewrap v1", func() error { _, err := first(e.Rewrap(ctx, "k", []Item{{Ciphertext: ct1}})); return err }},
		{"verify v1", func() error { _, err := e.Verify(ctx, "s", msg, sig1, SignOptions{}); return err }},
		{"verify hmac v1", func() error { _, err := e.VerifyHMAC(ctx, "k", msg, mac1, HMACOptions{}); return err }},
	}
	for _, b := range below {
		err := refused(t, st, ErrVersion, b.fn)
		if err != nil && !strings.Contains(err.Error(), "minimum decryption version, 2") {
			t.Errorf("%s: %q does not name the minimum", b.name, err)
		}
		noLeak(t, err, ct1, sig1, mac1)
	}
	floor := []func() error{
		func() error { _, err := first(e.Encrypt(ctx, "k", []Item{{Plaintext: msg, Version: 1}})); return err },
		func() error { _, err := e.Sign(ctx, "s", msg, SignOptions{Version: 1}); return err },
		func() error { _, err := e.HMAC(ctx, "k", msg, HMACOptions{Version: 1}); return err },
	}
	for _, fn := range floor {
		// Only the minimum decryption version is set: the refusal names it.
		if err := refused(t, st, ErrVersion, fn); err != nil && !strings.Contains(err.Error(), "minimum decryption version, 2") {
			t.Errorf("%q does not name the minimum that applies", err)
		}
	}
	if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct2}); !bytes.Equal(r.Plaintext, msg) {
		t.Error("v2 ciphertext no longer decrypts")
	}
	// The setting is stored: another engine over the storage applies it.
	if _, err := first(New(st, Options{}).Decrypt(ctx, "k", []Item{{Ciphertext: ct1}})); !errors.Is(err, ErrVersion) {
		t.Errorf("a fresh engine decrypts below the minimum: %v", err)
	}
	// Versions are kept: lowering the minimum brings them back.
	if _, err := e.ConfigureKey(ctx, "k", Config{MinDecryptionVersion: intp(1)}); err != nil {
		t.Fatal(err)
	}
	if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct1}); !bytes.Equal(r.Plaintext, msg) {
		t.Error("v1 ciphertext does not decrypt after lowering the minimum")
	}

	// A minimum encryption version is a floor for asked versions only.
	if _, err := e.RotateKey(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ConfigureKey(ctx, "k", Config{MinEncryptionVersion: intp(2)}); err != nil {
		t.Fatal(err)
	}
	err := refused(t, st, ErrVersion, floor[0])
	if err != nil && !strings.Contains(err.Error(), "minimum encryption version, 2") {
		t.Errorf("%q does not name the minimum", err)
	}
	if r := mustEncrypt(t, e, "k", Item{Plaintext: msg, Version: 2}); r.Version != 2 {
		t.Errorf("version 2: %+v", r)
	}
	if r := mustEncrypt(t, e, "k", Item{Plaintext: msg}); r.Version != 3 {
		t.Errorf("latest: %+v", r)
	}
	if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct1}); !bytes.Equal(r.Plaintext, msg) {
		t.Error("the minimum encryption version stops decryption")
	}
}

func TestConfigureKeyValidation(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	if _, err := e.RotateKey(ctx, "k"); err != nil { // versions 1 and 2
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    Config
	}{
		{"min decryption 0", Config{MinDecryptionVersion: intp(0)}},
		{"min decryption -1", Config{MinDecryptionVersion: intp(-1)}},
		{"min decryption above latest", Config{MinDecryptionVersion: intp(3)}},
		{"min encryption above latest", Config{MinEncryptionVersion: intp(3)}},
		{"min encryption -1", Config{MinEncryptionVersion: intp(-1)}},
		{"min encryption below min decryption", Config{MinDecryptionVersion: intp(2), MinEncryptionVersion: intp(1)}},
		{"valid deletion with an invalid version", Config{DeletionAllowed: boolp(true), MinDecryptionVersion: intp(0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := keyInfo(t, e, "k")
			refused(t, st, ErrInvalid, func() error { _, err := e.ConfigureKey(ctx, "k", tc.c); return err })
			if after := keyInfo(t, e, "k"); !reflect.DeepEqual(before, after) {
				t.Errorf("key changed: %+v -> %+v", before, after)
			}
		})
	}
	// Checked as a whole: raising the decryption minimum above an existing
	// encryption minimum is refused too.
	if _, err := e.ConfigureKey(ctx, "k", Config{MinEncryptionVersion: intp(1)}); err != nil {
		t.Fatal(err)
	}
	refused(t, st, ErrInvalid, func() error { _, err := e.ConfigureKey(ctx, "k", Config{MinDecryptionVersion: intp(2)}); return err })
	info, err := e.ConfigureKey(ctx, "k", Config{MinDecryptionVersion: intp(2), MinEncryptionVersion: intp(0), DeletionAllowed: boolp(true)})
	if err != nil || info.MinDecryptionVersion != 2 || info.MinEncryptionVersion != 0 || !info.DeletionAllowed {
		t.Errorf("valid config: %+v, %v", info, err)
	}
	if got := keyInfo(t, e, "k"); !reflect.DeepEqual(got, info) {
		t.Errorf("Key() = %+v after ConfigureKey returned %+v", got, info)
	}
}

func TestCiphertextErrors(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	for _, typ := range []KeyType{AES256GCM96, ChaCha20Poly1305, RSA2048} {
		createKey(t, e, string(typ), CreateOptions{Type: typ})
	}
	createKey(t, e, "other", CreateOptions{})
	if _, err := e.RotateKey(ctx, "aes256-gcm96"); err != nil {
		t.Fatal(err)
	}
	pt := "the secret plaintext"
	cts := map[string]string{}
	for _, name := range []string{"aes256-gcm96", "chacha20-poly1305", "rsa-2048"} {
		cts[name] = mustEncrypt(t, e, name, Item{Plaintext: []byte(pt), Version: 1}).Ciphertext
	}
	mod := func(name string, f func(data []byte) []byte) string {
		return Ciphertext{Version: 1, Data: f(payload(t, cts[name]))}.String()
	}
	flip := func(i int) func([]byte) []byte {
		return func(d []byte) []byte {
			if i < 0 {
				i += len(d)
			}
			d[i] ^= 0x80
			return d
		}
	}
	cut := func(n int) func([]byte) []byte { return func(d []byte) []byte { return d[:n] } }
	aesCT := cts["aes256-gcm96"]
	tests := []struct {
		name, key, ct string
		want          error
	}{
		{"version 9 of 2", "aes256-gcm96", strings.Replace(aesCT, "vault:v1:", "vault:v9:", 1), ErrVersion},
		{"relabeled as version 2", "aes256-gcm96", strings.Replace(aesCT, "vault:v1:", "vault:v2:", 1), ErrDecrypt},
		{"flipped nonce", "aes256-gcm96", mod("aes256-gcm96", flip(0)), ErrDecrypt},
		{"flipped ciphertext", "aes256-gcm96", mod("aes256-gcm96", flip(12)), ErrDecrypt},
		{"flipped tag", "aes256-gcm96", mod("aes256-gcm96", flip(-1)), ErrDecrypt},
		{"chacha flipped", "chacha20-poly1305", mod("chacha20-poly1305", flip(20)), ErrDecrypt},
		{"rsa flipped", "rsa-2048", mod("rsa-2048", flip(100)), ErrDecrypt},
		{"rsa truncated", "rsa-2048", mod("rsa-2048", cut(255)), ErrDecrypt},
		{"nonce and tag, nothing sealed", "aes256-gcm96", mod("aes256-gcm96", cut(28)), ErrDecrypt},
		{"shorter than nonce and tag", "aes256-gcm96", mod("aes256-gcm96", cut(27)), ErrMalformed},
		{"only a nonce", "aes256-gcm96", mod("aes256-gcm96", cut(12)), ErrMalformed},
		{"one byte", "chacha20-poly1305", mod("chacha20-poly1305", cut(1)), ErrMalformed},
		{"another key's", "other", aesCT, ErrDecrypt},
		{"no payload", "aes256-gcm96", "vault:v1:", ErrMalformed},
		{"not base64", "aes256-gcm96", "vault:v1:" + pt, ErrMalformed},
		{"no prefix", "aes256-gcm96", strings.TrimPrefix(aesCT, "vault:"), ErrMalformed},
		{"empty", "aes256-gcm96", "", ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := refused(t, st, tc.want, func() error {
				_, err := first(e.Decrypt(ctx, tc.key, []Item{{Ciphertext: tc.ct}}))
				return err
			})
			noLeak(t, err, pt, tc.ct, strings.TrimPrefix(tc.ct, "vault:v1:"))
		})
	}
}

// TestRefusals: unknown keys, bad names and key types that cannot do an
// operation are refused with the right error, and nothing changes.
func TestRefusals(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	for _, typ := range []KeyType{AES256GCM96, Ed25519, ECDSAP256, RSA2048, HMAC} {
		createKey(t, e, string(typ), CreateOptions{Type: typ})
	}
	sig, _ := e.Sign(ctx, "ed25519", []byte("m"), SignOptions{})
	ct := mustEncrypt(t, e, "aes256-gcm96", Item{Plaintext: []byte("m")}).Ciphertext
	ops := []struct {
		op string
		fn func(name string) error
	}{
		{"Key", func(n string) error { _, err := e.Key(ctx, n); return err }},
		{"Encrypt", func(n string) error { _, err := first(e.Encrypt(ctx, n, []Item{{Plaintext: []byte("m")}})); return err }},
		{"Decrypt", func(n string) error { _, err := first(e.Decrypt(ctx, n, []Item{{Ciphertext: ct}})); return err }},
		{"Rewrap", func(n string) error { _, err := first(e.Rewrap(ctx, n, []Item{{Ciphertext: ct}})); return err }},
		{"DataKey", func(n string) error { _, _, _, err := e.DataKey(ctx, n, 256, nil); return err }},
		{"Sign", func(n string) error { _, err := e.Sign(ctx, n, []byte("m"), SignOptions{}); return err }},
		{"Verify", func(n string) error { _, err := e.Verify(ctx, n, []byte("m"), sig, SignOptions{}); return err }},
		{"HMAC", func(n string) error { _, err := e.HMAC(ctx, n, []byte("m"), HMACOptions{}); return err }},
		{"VerifyHMAC", func(n string) error { _, err := e.VerifyHMAC(ctx, n, []byte("m"), sig, HMACOptions{}); return err }},
		{"RotateKey", func(n string) error { _, err := e.RotateKey(ctx, n); return err }},
		{"ConfigureKey", func(n string) error {
			_, err := e.ConfigureKey(ctx, n, Config{DeletionAllowed: boolp(true)})
			return err
		}},
		{"DeleteKey", func(n string) error { return e.DeleteKey(ctx, n) }},
		{"Export", func(n string) error { _, err := e.Export(ctx, n, 0, false); return err }},
		{"Backup", func(n string) error { _, err := e.Backup(ctx, n, cloneBytes); return err }},
	}
	for _, op := range ops {
		t.Run(op.op+" unknown", func(t *testing.T) { refused(t, st, ErrNotFound, func() error { return op.fn("missing") }) })
		t.Run(op.op+" bad name", func(t *testing.T) { refused(t, st, ErrInvalid, func() error { return op.fn("../etc") }) })
	}
	unsupported := map[string][]KeyType{
		"Encrypt": {Ed25519, ECDSAP256, HMAC},
		"Decrypt": {Ed25519, ECDSAP256, HMAC},
		"Rewrap":  {Ed25519, HMAC},
		"DataKey": {Ed25519, ECDSAP256, RSA2048, HMAC},
		"Sign":    {AES256GCM96, HMAC},
		"Verify":  {AES256GCM96, HMAC},
	}
	for _, op := range ops {
		for _, typ := range unsupported[op.op] {
			t.Run(op.op+" "+string(typ), func(t *testing.T) {
				before := keyInfo(t, e, string(typ))
				refused(t, st, ErrUnsupported, func() error { return op.fn(string(typ)) })
				if after := keyInfo(t, e, string(typ)); !reflect.DeepEqual(before, after) {
					t.Errorf("key changed: %+v -> %+v", before, after)
				}
			})
		}
	}
}

// TestTooLarge: inputs over MaxPlaintext are refused by every operation,
// and a plaintext of exactly MaxPlaintext makes a ciphertext that decrypts.
func TestTooLarge(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	createKey(t, e, "s", CreateOptions{Type: Ed25519})
	big := make([]byte, MaxPlaintext+1)
	sig, _ := e.Sign(ctx, "s", []byte("m"), SignOptions{})
	for _, fn := range []func() error{
		func() error { _, err := first(e.Encrypt(ctx, "k", []Item{{Plaintext: big}})); return err },
		func() error { _, err := e.Sign(ctx, "s", big, SignOptions{}); return err },
		func() error { _, err := e.Verify(ctx, "s", big, sig, SignOptions{}); return err },
		func() error { _, err := e.HMAC(ctx, "k", big, HMACOptions{}); return err },
		func() error { _, err := e.VerifyHMAC(ctx, "k", big, sig, HMACOptions{}); return err },
	} {
		refused(t, st, ErrTooLarge, fn)
	}
	ct := mustEncrypt(t, e, "k", Item{Plaintext: big[:MaxPlaintext]}).Ciphertext
	if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct}); len(r.Plaintext) != MaxPlaintext {
		t.Errorf("the largest plaintext comes back with %d bytes", len(r.Plaintext))
	}
}

// ---- delete, export, backup ----

func TestDeleteKey(t *testing.T) {
	for _, cache := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache=%v", cache), func(t *testing.T) {
			e, st := newTestEngine(t, Options{Cache: cache})
			ctx := t.Context()
			createKey(t, e, "k", CreateOptions{})
			createKey(t, e, "keep", CreateOptions{})
			ct := mustEncrypt(t, e, "k", Item{Plaintext: []byte("still here")}).Ciphertext
			before := keyInfo(t, e, "k")
			refused(t, st, ErrDeletionNotAllowed, func() error { return e.DeleteKey(ctx, "k") })
			if after := keyInfo(t, e, "k"); !reflect.DeepEqual(before, after) {
				t.Errorf("key changed: %+v -> %+v", before, after)
			}
			if r := mustDecrypt(t, e, "k", Item{Ciphertext: ct}); string(r.Plaintext) != "still here" {
				t.Error("the key no longer decrypts after a refused delete")
			}
			if _, err := e.ConfigureKey(ctx, "k", Config{DeletionAllowed: boolp(true)}); err != nil {
				t.Fatal(err)
			}
			if err := e.DeleteKey(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Key(ctx, "k"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Key after delete: %v", err)
			}
			if _, err := first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct}})); !errors.Is(err, ErrNotFound) {
				t.Errorf("Decrypt after delete: %v", err)
			}
			if names, _ := e.Keys(ctx); !slices.Equal(names, []string{"keep"}) {
				t.Errorf("Keys after delete: %q", names)
			}
			refused(t, st, ErrNotFound, func() error { return e.DeleteKey(ctx, "k") })
		})
	}
}

func TestExport(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "secret", CreateOptions{})
	for _, hk := range []bool{false, true} {
		refused(t, st, ErrNotExportable, func() error { _, err := e.Export(ctx, "secret", 0, hk); return err })
	}

	createKey(t, e, "k", CreateOptions{Exportable: true})
	if _, err := e.RotateKey(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	v1, v2, latest := exportRaw(t, e, "k", 1, false), exportRaw(t, e, "k", 2, false), exportRaw(t, e, "k", 0, false)
	if bytes.Equal(v1, v2) || !bytes.Equal(v2, latest) {
		t.Error("version 0 is not the latest, or rotation kept the key")
	}
	if bytes.Equal(exportRaw(t, e, "k", 2, true), v2) {
		t.Error("the HMAC key is the encryption key")
	}
	for _, v := range []int{3, -1} {
		refused(t, st, ErrVersion, func() error { _, err := e.Export(ctx, "k", v, false); return err })
	}

	// Asymmetric keys export a PKCS#8 private key matching the public key shown.
	for _, typ := range []KeyType{Ed25519, ECDSAP256, ECDSAP384, RSA2048} {
		t.Run(string(typ), func(t *testing.T) {
			name := "x-" + string(typ)
			info := createKey(t, e, name, CreateOptions{Type: typ, Exportable: true})
			priv := privateKey(t, mustExport(t, e, name, 0))
			pub := publicKey(t, info.Versions[0].PublicKey)
			if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Error("the exported private key does not match the public key")
			}
		})
	}
}

// testSeal and testOpen stand for Backup's and Restore's sealing: a header,
// then a copy.
var sealHeader = []byte("sealed-for-test\n")

func testSeal(plain []byte) ([]byte, error) { return append(bytes.Clone(sealHeader), plain...), nil }

func testOpen(sealed []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(sealed, sealHeader)
	if !ok {
		return nil, errors.New("not sealed by testSeal")
	}
	return bytes.Clone(rest), nil
}

func TestBackupRestore(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{Derived: true})
	ct := mustEncrypt(t, e, "k", Item{Plaintext: []byte("backed up"), Context: []byte("c")}).Ciphertext
	if _, err := e.ConfigureKey(ctx, "k", Config{DeletionAllowed: boolp(true)}); err != nil {
		t.Fatal(err)
	}
	orig := keyInfo(t, e, "k")
	backup, err := e.Backup(ctx, "k", testSeal)
	if err != nil || !bytes.HasPrefix(backup, sealHeader) {
		t.Fatalf("Backup: %v", err)
	}

	decrypts := func(e *Engine, name string) {
		t.Helper()
		if r := mustDecrypt(t, e, name, Item{Ciphertext: ct, Context: []byte("c")}); string(r.Plaintext) != "backed up" {
			t.Errorf("%s decrypts to %q", name, r.Plaintext)
		}
	}
	t.Run("into an empty storage", func(t *testing.T) {
		e2, _ := newTestEngine(t, Options{})
		info, err := e2.Restore(ctx, backup, testOpen, RestoreOptions{})
		if err != nil || !reflect.DeepEqual(info, orig) {
			t.Fatalf("Restore: %+v, %v; want %+v", info, err, orig)
		}
		decrypts(e2, "k")
	})
	t.Run("over the key", func(t *testing.T) {
		refused(t, st, ErrExists, func() error { _, err := e.Restore(ctx, backup, testOpen, RestoreOptions{}); return err })
		if _, err := e.RotateKey(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		ct2 := mustEncrypt(t, e, "k", Item{Plaintext: []byte("v2"), Context: []byte("c")}).Ciphertext
		info, err := e.Restore(ctx, backup, testOpen, RestoreOptions{Force: true})
		if err != nil || info.LatestVersion != 1 {
			t.Fatalf("forced Restore: %+v, %v", info, err)
		}
		decrypts(e, "k")
		if _, err := first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct2, Context: []byte("c")}})); !errors.Is(err, ErrVersion) {
			t.Errorf("a version newer than the backup: %v", err)
		}
	})
	t.Run("under another name", func(t *testing.T) {
		info, err := e.Restore(ctx, backup, testOpen, RestoreOptions{Name: "k-copy"})
		if err != nil || info.Name != "k-copy" {
			t.Fatalf("Restore: %+v, %v", info, err)
		}
		decrypts(e, "k-copy")
		if got := keyInfo(t, e, "k-copy"); got.Name != "k-copy" {
			t.Errorf("stored under the name %q", got.Name)
		}
		refused(t, st, ErrInvalid, func() error {
			_, err := e.Restore(ctx, backup, testOpen, RestoreOptions{Name: "bad name"})
			return err
		})
	})
	t.Run("open fails", func(t *testing.T) {
		boom := errors.New("cannot open")
		refused(t, st, boom, func() error {
			_, err := e.Restore(ctx, backup, func([]byte) ([]byte, error) { return nil, boom }, RestoreOptions{Force: true})
			return err
		})
	})
	t.Run("backup of a missing key", func(t *testing.T) {
		refused(t, st, ErrNotFound, func() error { _, err := e.Backup(ctx, "nope", testSeal); return err })
	})
}

// TestRestoreCorrupt: whatever does not decode as a sound stored key is
// ErrCorrupt, and nothing is stored.
func TestRestoreCorrupt(t *testing.T) {
	e, st := newTestEngine(t, Options{})
	ctx := t.Context()
	good := func() stored {
		return stored{Format: storeFormat, Name: "k", Type: AES256GCM96, MinDecryptionVersion: 1,
			Versions: []storedVersion{{Created: 1, Key: make([]byte, 32), HMACKey: make([]byte, 32)}}}
	}
	restoreStored(t, New(newMemStorage(), Options{}), good(), RestoreOptions{}) // the baseline restores
	tests := []struct {
		name string
		edit func(s *stored)
	}{
		{"format 2", func(s *stored) { s.Format = 2 }},
		{"bad name", func(s *stored) { s.Name = "a/b" }},
		{"unknown type", func(s *stored) { s.Type = "aes128-gcm96" }},
		{"no versions", func(s *stored) { s.Versions = nil }},
		{"derived hmac", func(s *stored) { s.Type, s.Derived = HMAC, true }},
		{"min decryption 0", func(s *stored) { s.MinDecryptionVersion = 0 }},
		{"min decryption 2 of 1", func(s *stored) { s.MinDecryptionVersion = 2 }},
		{"min encryption 2 of 1", func(s *stored) { s.MinEncryptionVersion = 2 }},
		{"short key", func(s *stored) { s.Versions[0].Key = make([]byte, 31) }},
		{"short HMAC key", func(s *stored) { s.Versions[0].HMACKey = make([]byte, 16) }},
		{"empty rsa key", func(s *stored) { s.Type, s.Versions[0].Key = RSA2048, nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.edit(&s)
			b, _ := json.Marshal(s)
			refused(t, st, ErrCorrupt, func() error { _, err := e.Restore(ctx, b, cloneBytes, RestoreOptions{}); return err })
		})
	}
	for _, junk := range []string{"", "null", "[]", "{", `{"format":"1"}`} {
		refused(t, st, ErrCorrupt, func() error { _, err := e.Restore(ctx, []byte(junk), cloneBytes, RestoreOptions{}); return err })
	}
	// Asymmetric material that does not parse, or is of the wrong kind, is
	// refused at restore, not on first use.
	wrongKind, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	for name, material := range map[string][]byte{"garbage": bytes.Repeat([]byte{1}, 100), "an ed25519 key": wrongKind} {
		s := good()
		s.Type = ECDSAP256
		s.Versions[0].Key = material
		b, _ := json.Marshal(s)
		refused(t, st, ErrCorrupt, func() error { _, err := e.Restore(ctx, b, cloneBytes, RestoreOptions{}); return err })
		if _, err := e.Key(ctx, "k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: restored anyway: %v", name, err)
		}
	}
}

// TestErrorsDoNotLeak: errors describe what failed without quoting
// plaintexts, ciphertexts, signatures or contexts.
func TestErrorsDoNotLeak(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	createKey(t, e, "d", CreateOptions{Derived: true})
	createKey(t, e, "r", CreateOptions{Type: RSA2048})
	const secret = "correct-horse-battery-staple"
	sb64 := base64.StdEncoding.EncodeToString([]byte(secret))
	ct := mustEncrypt(t, e, "k", Item{Plaintext: []byte(secret)}).Ciphertext
	dct := mustEncrypt(t, e, "d", Item{Plaintext: []byte(secret), Context: []byte(secret + "-ctx")}).Ciphertext
	damaged := payload(t, ct)
	damaged[20] ^= 1
	bad := Ciphertext{Version: 1, Data: damaged}.String()
	pasted := "vault:v1:" + secret // a secret pasted as a ciphertext

	var errs []error
	add := func(_ any, err error) { errs = append(errs, err) }
	add(first(e.Decrypt(ctx, "k", []Item{{Ciphertext: bad}})))
	add(first(e.Decrypt(ctx, "k", []Item{{Ciphertext: pasted}})))
	add(first(e.Decrypt(ctx, "k", []Item{{Ciphertext: secret}})))
	add(first(e.Decrypt(ctx, "k", []Item{{Ciphertext: strings.Replace(ct, "v1", "v7", 1)}})))
	add(first(e.Decrypt(ctx, "d", []Item{{Ciphertext: dct, Context: []byte(secret)}})))
	add(first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct, Context: []byte(secret)}})))
	add(first(e.Encrypt(ctx, "k", []Item{{Plaintext: []byte(secret), Context: []byte(secret)}})))
	add(first(e.Encrypt(ctx, "r", []Item{{Plaintext: []byte(strings.Repeat(secret, 10))}})))
	add(first(e.Decrypt(ctx, "r", []Item{{Ciphertext: bad}})))
	add(e.Verify(ctx, "r", []byte(secret), pasted, SignOptions{}))
	add(e.Verify(ctx, "r", []byte(secret), ct, SignOptions{Hash: secret}))
	add(e.VerifyHMAC(ctx, "k", []byte(secret), pasted, HMACOptions{}))
	add(e.Sign(ctx, "k", []byte(secret), SignOptions{}))
	items, err := ParseBatch([]byte(`[{"plaintext":"`+secret+`"},{"ciphertext":"`+secret+`","key_version":2},{"plaintext":"`+sb64+`","context":"`+secret+`"}]`), OpEncrypt)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		add(nil, it.Err)
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		noLeak(t, err, secret, sb64, ct, dct, bad, strings.TrimPrefix(bad, "vault:v1:"), "horse")
	}
}

// ---- the cache ----

func TestCachedEngineConcurrent(t *testing.T) {
	e, st := newTestEngine(t, Options{Cache: true})
	ctx := t.Context()
	createKey(t, e, "k", CreateOptions{})
	createKey(t, e, "c", CreateOptions{Type: ChaCha20Poly1305})
	createKey(t, e, "s", CreateOptions{Type: Ed25519})
	var wg sync.WaitGroup
	var done atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				name := []string{"k", "c"}[(g+i)%2]
				pt := fmt.Appendf(nil, "goroutine %d message %d", g, i)
				r, err := first(e.Encrypt(ctx, name, []Item{{Plaintext: pt}}))
				if err != nil {
					t.Errorf("encrypt: %v", err)
					return
				}
				d, err := first(e.Decrypt(ctx, name, []Item{{Ciphertext: r.Ciphertext}}))
				if err != nil || !bytes.Equal(d.Plaintext, pt) {
					t.Errorf("decrypt: %q, %v", d.Plaintext, err)
					return
				}
				sig, err := e.Sign(ctx, "s", pt, SignOptions{})
				if ok, verr := e.Verify(ctx, "s", pt, sig, SignOptions{}); err != nil || !ok || verr != nil {
					t.Errorf("sign/verify: %v, %v, %v", err, ok, verr)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if n := done.Load(); n != 8*40 {
		t.Fatalf("%d of %d rounds done", n, 8*40)
	}

	ct1 := mustEncrypt(t, e, "k", Item{Plaintext: []byte("v1")}).Ciphertext
	if _, err := e.RotateKey(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if r := mustEncrypt(t, e, "k", Item{Plaintext: []byte("v2")}); r.Version != 2 || !strings.HasPrefix(r.Ciphertext, "vault:v2:") {
		t.Errorf("after RotateKey the cached engine encrypts with v%d", r.Version)
	}
	refused(t, st, ErrInvalid, func() error { _, err := e.ConfigureKey(ctx, "k", Config{MinDecryptionVersion: intp(5)}); return err })
	if _, err := e.ConfigureKey(ctx, "k", Config{MinDecryptionVersion: intp(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct1}})); !errors.Is(err, ErrVersion) {
		t.Errorf("the cached engine ignores a new minimum decryption version: %v", err)
	}
	if _, err := e.ConfigureKey(ctx, "k", Config{DeletionAllowed: boolp(true)}); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteKey(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := first(e.Encrypt(ctx, "k", []Item{{Plaintext: []byte("x")}})); !errors.Is(err, ErrNotFound) {
		t.Errorf("the cached engine encrypts with a deleted key: %v", err)
	}
}

// cacheRaceSetup stores key k with that many versions through an engine
// without a cache, and returns a v1 ciphertext.
func cacheRaceSetup(t *testing.T, st *memStorage, versions int) string {
	t.Helper()
	setup := New(st, Options{})
	createKey(t, setup, "k", CreateOptions{})
	ct1 := mustEncrypt(t, setup, "k", Item{Plaintext: []byte("old")}).Ciphertext
	for range versions - 1 {
		if _, err := setup.RotateKey(t.Context(), "k"); err != nil {
			t.Fatal(err)
		}
	}
	return ct1
}

// pauseFirst returns a hook that blocks its first call until release is
// closed, after closing reached.
func pauseFirst() (hook func(string), reached, release chan struct{}) {
	reached, release = make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	return func(string) {
		if once.CompareAndSwap(false, true) {
			close(reached)
			<-release
		}
	}, reached, release
}

// writeWhileHeld runs write while an earlier call is held in a storage
// hook, then lets the held call go: as soon as write is done, or after a
// while if the engine makes write wait for the held call (serializing them
// is a correct way to keep the cache right).
func writeWhileHeld(t *testing.T, release chan struct{}, write func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- write() }()
	select {
	case err := <-done:
		close(release)
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(200 * time.Millisecond):
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestCacheNotStaleAfterConcurrentLoad: a call that loaded the key before
// a ConfigureKey must not put its older copy in the cache after it. Here a
// Decrypt reads the key, ConfigureKey raises the minimum decryption version,
// then the Decrypt caches what it read: the engine must still apply the
// new minimum.
func TestCacheNotStaleAfterConcurrentLoad(t *testing.T) {
	ctx := t.Context()
	st := newMemStorage()
	ct1 := cacheRaceSetup(t, st, 2)
	e := New(st, Options{Cache: true})
	var reached, release chan struct{}
	st.AfterGet, reached, release = pauseFirst()

	done := make(chan error)
	go func() { _, err := e.Decrypt(ctx, "k", []Item{{Ciphertext: ct1}}); done <- err }()
	<-reached // the Decrypt has read the key (minimum 1), not yet cached it
	writeWhileHeld(t, release, func() error {
		_, err := e.ConfigureKey(ctx, "k", Config{MinDecryptionVersion: intp(2)})
		return err
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := keyInfo(t, e, "k").MinDecryptionVersion; got != 2 {
		t.Errorf("the cached engine reports minimum decryption version %d after setting 2", got)
	}
	if _, err := first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct1}})); !errors.Is(err, ErrVersion) {
		t.Errorf("the cached engine decrypts a v1 ciphertext below the minimum, 2: %v", err)
	}
}

// TestCacheNotStaleAfterConcurrentWrites: two writes through one cached
// engine, the first (RotateKey) committed before the second (ConfigureKey)
// but caching its result after it: the cache must hold the second.
func TestCacheNotStaleAfterConcurrentWrites(t *testing.T) {
	ctx := t.Context()
	st := newMemStorage()
	ct1 := cacheRaceSetup(t, st, 1)
	e := New(st, Options{Cache: true})
	keyInfo(t, e, "k") // cached
	var reached, release chan struct{}
	st.AfterUpdate, reached, release = pauseFirst()

	done := make(chan error)
	go func() { _, err := e.RotateKey(ctx, "k"); done <- err }()
	<-reached // version 2 is stored, not yet cached
	writeWhileHeld(t, release, func() error {
		_, err := e.ConfigureKey(ctx, "k", Config{MinDecryptionVersion: intp(2)})
		return err
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if info := keyInfo(t, e, "k"); info.LatestVersion != 2 || info.MinDecryptionVersion != 2 {
		t.Errorf("the cached engine reports latest %d, minimum decryption %d; stored: 2 and 2", info.LatestVersion, info.MinDecryptionVersion)
	}
	if _, err := first(e.Decrypt(ctx, "k", []Item{{Ciphertext: ct1}})); !errors.Is(err, ErrVersion) {
		t.Errorf("the cached engine decrypts a v1 ciphertext below the minimum, 2: %v", err)
	}
}
