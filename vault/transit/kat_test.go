package transit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// Known-answer tests: published vectors through the engine where it can
// take them (a stored key of the vector's key material, restored), through
// the engine's own primitives where the vector needs more (AAD).

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in a test vector: %v", err)
	}
	return b
}

// restoreVector stores version 1 of a key of type typ with the raw key
// material given, written as the stored JSON (the backup format) by hand.
func restoreVector(t *testing.T, e *Engine, name string, typ KeyType, raw []byte) *KeyInfo {
	t.Helper()
	doc := fmt.Sprintf(`{"format":1,"name":%q,"type":%q,"min_decryption_version":1,"min_encryption_version":0,`+
		`"versions":[{"created":1700000000,"key":%q,"hmac_key":%q}]}`,
		name, typ, base64.StdEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5c}, 32)))
	identity := func(b []byte) ([]byte, error) { return b, nil }
	info, err := e.Restore(t.Context(), []byte(doc), identity, RestoreOptions{})
	if err != nil {
		t.Fatalf("restore the vector's key: %v", err)
	}
	return info
}

// TestKATAES256GCM: McGrew & Viega, "The Galois/Counter Mode of Operation
// (GCM)", test case 15 (AES-256, 96-bit IV, no AAD, 128-bit tag), decrypted
// by the engine from "vault:v1:" + base64(IV ‖ C ‖ T).
func TestKATAES256GCM(t *testing.T) {
	var (
		key = unhex(t, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
		iv  = unhex(t, "cafebabefacedbaddecaf888")
		pt  = unhex(t, "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"+
			"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
		ct = unhex(t, "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"+
			"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad")
		tag = unhex(t, "b094dac5d93471bdec1a502270e3cc6c")
	)
	e, _ := newTestEngine(t, Options{})
	restoreVector(t, e, "gcm", AES256GCM96, key)
	data := append(append(append([]byte{}, iv...), ct...), tag...)
	r := mustDecrypt(t, e, "gcm", Item{Ciphertext: "vault:v1:" + base64.StdEncoding.EncodeToString(data)})
	if !bytes.Equal(r.Plaintext, pt) {
		t.Fatalf("plaintext %x\nwant      %x", r.Plaintext, pt)
	}
	data[len(data)-1] ^= 1
	if _, err := first(e.Decrypt(t.Context(), "gcm", []Item{{Ciphertext: "vault:v1:" + base64.StdEncoding.EncodeToString(data)}})); err == nil {
		t.Error("a damaged tag decrypts")
	}
}

// RFC 8439 §2.8.2.
var rfc8439 = struct{ key, nonce, aad, pt, ct, tag string }{
	key:   "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	nonce: "070000004041424344454647",
	aad:   "50515253c0c1c2c3c4c5c6c7",
	pt:    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
	ct: "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
		"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
		"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
		"3ff4def08e4b7a9de576d26586cec64b6116",
	tag: "1ae10b594f09e26a7e902ecbd0600691",
}

// TestKATChaCha20Poly1305: the RFC 8439 AEAD vector (it has AAD, which the
// engine never uses, so it goes through the engine's newAEAD: the IETF
// construction with a 96-bit nonce), then an engine round trip with the
// vector's key checked against the same construction without AAD.
func TestKATChaCha20Poly1305(t *testing.T) {
	v := rfc8439
	key, nonce, aad := unhex(t, v.key), unhex(t, v.nonce), unhex(t, v.aad)
	want := append(unhex(t, v.ct), unhex(t, v.tag)...)
	aead, err := newAEAD(ChaCha20Poly1305, key)
	if err != nil {
		t.Fatal(err)
	}
	if aead.NonceSize() != nonceSize {
		t.Fatalf("nonce size %d", aead.NonceSize())
	}
	if got := aead.Seal(nil, nonce, []byte(v.pt), aad); !bytes.Equal(got, want) {
		t.Fatalf("sealed %x\nwant   %x", got, want)
	}
	if got, err := aead.Open(nil, nonce, want, aad); err != nil || string(got) != v.pt {
		t.Fatalf("open: %q, %v", got, err)
	}

	e, _ := newTestEngine(t, Options{})
	restoreVector(t, e, "chacha", ChaCha20Poly1305, key)
	ct := mustEncrypt(t, e, "chacha", Item{Plaintext: []byte(v.pt)}).Ciphertext
	data := payload(t, ct)
	ref, _ := chacha20poly1305.New(key)
	if got, err := ref.Open(nil, data[:12], data[12:], nil); err != nil || string(got) != v.pt {
		t.Fatalf("the engine's ciphertext under the vector's key: %q, %v", got, err)
	}
	if r := mustDecrypt(t, e, "chacha", Item{Ciphertext: ct}); string(r.Plaintext) != v.pt {
		t.Fatalf("round trip: %q", r.Plaintext)
	}
}

// TestKATEd25519: RFC 8032 §7.1 TEST 1, 2 and 3, signed by the engine
// with a stored key whose seed is the vector's secret key.
func TestKATEd25519(t *testing.T) {
	vectors := []struct{ name, secret, public, msg, sig string }{
		{"TEST 1",
			"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
			"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
			"",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"TEST 2",
			"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
			"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
			"72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"TEST 3",
			"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
			"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
			"af82",
			"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			e, _ := newTestEngine(t, Options{})
			info := restoreVector(t, e, "ed", Ed25519, unhex(t, v.secret))
			pub, ok := publicKey(t, info.Versions[0].PublicKey).(ed25519.PublicKey)
			if !ok || !bytes.Equal(pub, unhex(t, v.public)) {
				t.Errorf("public key %x, want %s", pub, v.public)
			}
			msg := unhex(t, v.msg)
			sig, err := e.Sign(t.Context(), "ed", msg, SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := payload(t, sig); !bytes.Equal(got, unhex(t, v.sig)) {
				t.Errorf("signature %x\nwant      %s", got, v.sig)
			}
			if !strings.HasPrefix(sig, "vault:v1:") {
				t.Errorf("signature %q", sig)
			}
			if ok, err := e.Verify(t.Context(), "ed", msg, "vault:v1:"+base64.StdEncoding.EncodeToString(unhex(t, v.sig)), SignOptions{}); !ok || err != nil {
				t.Errorf("Verify of the vector's signature: %v, %v", ok, err)
			}
		})
	}
}

// TestKATHKDF: RFC 5869 test case 3 (SHA-256, no salt, no info): the
// derived key of an empty context is the first 32 bytes of its OKM.
func TestKATHKDF(t *testing.T) {
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	okm := unhex(t, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
	if got := derive(ikm, nil); !bytes.Equal(got, okm[:32]) {
		t.Errorf("derive = %x\nwant     %x", got, okm[:32])
	}
	if got := derive(ikm, []byte{}); !bytes.Equal(got, okm[:32]) {
		t.Errorf("derive with an empty context = %x", got)
	}
}

// TestKATXChaCha20Poly1305: draft-irtf-cfrg-xchacha-03 §A.3.1, against the
// x/crypto construction the repository seals objects with.
func TestKATXChaCha20Poly1305(t *testing.T) {
	key := unhex(t, rfc8439.key)
	nonce := unhex(t, "404142434445464748494a4b4c4d4e4f5051525354555657")
	aad := unhex(t, rfc8439.aad)
	want := unhex(t, "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"+
		"731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"+
		"2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"+
		"21f9664c97637da9768812f615c68b13b52e"+
		"c0875924c1c7987947deafd8780acf49") // tag
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		t.Fatal(err)
	}
	if got := aead.Seal(nil, nonce, []byte(rfc8439.pt), aad); !bytes.Equal(got, want) {
		t.Fatalf("sealed %x\nwant   %x", got, want)
	}
	if got, err := aead.Open(nil, nonce, want, aad); err != nil || string(got) != rfc8439.pt {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := aead.Open(nil, nonce, want, aad[1:]); err == nil {
		t.Error("opens with other AAD")
	}
}
