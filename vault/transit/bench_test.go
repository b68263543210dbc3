package transit

import (
	"bytes"
	"testing"
)

// benchEngine returns a cached engine (as a server would run it) with a key
// "k" of type typ.
func benchEngine(b *testing.B, typ KeyType) *Engine {
	b.Helper()
	e, _ := newTestEngine(b, Options{Cache: true})
	createKey(b, e, "k", CreateOptions{Type: typ})
	return e
}

func benchEncrypt(b *testing.B, size int) {
	e := benchEngine(b, AES256GCM96)
	ctx := b.Context()
	p := bytes.Repeat([]byte{'p'}, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		rs, err := e.Encrypt(ctx, "k", []Item{{Plaintext: p}})
		if err != nil || rs[0].Err != nil {
			b.Fatal(err, rs[0].Err)
		}
	}
}

func BenchmarkEncrypt32(b *testing.B) { benchEncrypt(b, 32) }
func BenchmarkEncrypt4K(b *testing.B) { benchEncrypt(b, 4096) }

func BenchmarkDecrypt32(b *testing.B) {
	e := benchEngine(b, AES256GCM96)
	ctx := b.Context()
	ct := mustEncrypt(b, e, "k", Item{Plaintext: bytes.Repeat([]byte{'p'}, 32)}).Ciphertext
	items := []Item{{Ciphertext: ct}}
	b.SetBytes(32)
	b.ReportAllocs()
	for b.Loop() {
		rs, err := e.Decrypt(ctx, "k", items)
		if err != nil || rs[0].Err != nil {
			b.Fatal(err, rs[0].Err)
		}
	}
}

// BenchmarkBatch1000: one Encrypt call of 1000 items of 32 bytes.
func BenchmarkBatch1000(b *testing.B) {
	const n = 1000
	e := benchEngine(b, AES256GCM96)
	ctx := b.Context()
	items := make([]Item, n)
	for i := range items {
		items[i].Plaintext = bytes.Repeat([]byte{byte(i)}, 32)
	}
	b.SetBytes(n * 32)
	b.ReportAllocs()
	for b.Loop() {
		rs, err := e.Encrypt(ctx, "k", items)
		if err != nil || rs[n-1].Err != nil {
			b.Fatal(err, rs[n-1].Err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
}

func benchSign(b *testing.B, typ KeyType) {
	e := benchEngine(b, typ)
	ctx := b.Context()
	msg := bytes.Repeat([]byte{'m'}, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Sign(ctx, "k", msg, SignOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignEd25519(b *testing.B)   { benchSign(b, Ed25519) }
func BenchmarkSignECDSAP256(b *testing.B) { benchSign(b, ECDSAP256) }
