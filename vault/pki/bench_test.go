package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"
)

// benchEngine is a memory-backed engine with a P-256 root and a role.
func benchEngine(b testing.TB) *Engine {
	b.Helper()
	ctx := context.Background()
	e := New(newMemStorage(), Options{})
	if _, err := e.CreateRoot(ctx, CARequest{Name: "root", CommonName: "Bench Root", MaxPathLen: -1}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.CreateRole(ctx, Role{Name: "web", AllowedDomains: []string{"example.com"}, AllowSubdomains: true, MaxTTL: DefaultRoleMaxTTL}); err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkIssueP256 issues an ECDSA P-256 leaf from a P-256 root: key
// generation, signing, the record written to storage (issue #7's target:
// ≤ 1 ms).
func BenchmarkIssueP256(b *testing.B) {
	e := benchEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Issue(ctx, Request{Role: "web", CommonName: "svc.example.com"}); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	revokedOnce sync.Once
	revokedEng  *Engine
	revokedLeft []string
)

// revoked100k is an engine whose root has 100,000 revoked serials in its
// CRL (issued, then revoked in one call) and spare unrevoked leaves.
func revoked100k(b *testing.B) (*Engine, *[]string) {
	revokedOnce.Do(func() {
		e := benchEngine(b)
		ctx := context.Background()
		const n, spare = 100_000, 2_000
		serials := make([]string, 0, n+spare)
		for i := range n + spare {
			iss, err := e.Issue(ctx, Request{Role: "web", CommonName: fmt.Sprintf("s%d.example.com", i)})
			if err != nil {
				b.Fatal(err)
			}
			serials = append(serials, iss.Serial())
		}
		if _, _, err := e.Revoke(ctx, serials[:n], ReasonSuperseded); err != nil {
			b.Fatal(err)
		}
		revokedEng, revokedLeft = e, serials[n:]
	})
	return revokedEng, &revokedLeft
}

// BenchmarkRevokeWith100k revokes one more serial on a CA with 100,000
// revoked: the duplicate check, the new entry, the whole CRL re-signed
// and stored before the call returns (issue #7's target: ≤ 250 ms).
func BenchmarkRevokeWith100k(b *testing.B) {
	e, left := revoked100k(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if len(*left) == 0 {
			b.Fatal("out of unrevoked serials: lower -benchtime")
		}
		s := (*left)[0]
		*left = (*left)[1:]
		if _, _, err := e.Revoke(ctx, []string{s}, ReasonKeyCompromise); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	der, info, err := e.CRL(ctx, "root")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(der)), "crl-bytes")
	b.ReportMetric(float64(info.Entries), "crl-entries")
}

// BenchmarkCRLRebuild100k signs the full CRL of 100,000 entries again (what
// `egide pki crl` does once the stored CRL is past half its lifetime).
func BenchmarkCRLRebuild100k(b *testing.B) {
	e, _ := revoked100k(b)
	ctx := context.Background()
	ca, err := e.loadCA(ctx, "root")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.updateCRL(ctx, ca, func(entries []byte) ([]byte, bool, error) { return entries, true, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCRLStdlib100k is the baseline: crypto/x509 encoding and signing
// the same 100,000 entries from scratch, as an engine that re-encodes the
// whole list on each revocation does.
func BenchmarkCRLStdlib100k(b *testing.B) {
	e, _ := revoked100k(b)
	ctx := context.Background()
	ca, err := e.loadCA(ctx, "root")
	if err != nil {
		b.Fatal(err)
	}
	der, _, err := e.CRL(ctx, "root")
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := x509.ParseRevocationList(der)
	if err != nil {
		b.Fatal(err)
	}
	key, err := ca.key()
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(CRLLifetime),
		RevokedCertificateEntries: parsed.RevokedCertificateEntries}
	b.ResetTimer()
	for b.Loop() {
		if _, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, key); err != nil {
			b.Fatal(err)
		}
	}
}
