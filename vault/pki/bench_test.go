package pki

import (
	"context"
	"fmt"
	"sync"
	"testing"
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
		if _, err := e.Revoke(ctx, serials[:n], ReasonSuperseded); err != nil {
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
		if _, err := e.Revoke(ctx, []string{s}, ReasonKeyCompromise); err != nil {
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
