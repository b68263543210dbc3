package pki

import (
	"context"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/pki"
)

// repoEngine is the engine over a new project repository, with a P-256
// root "root" and a role "web" for *.example.com.
func repoEngine(b *testing.B) *pki.Engine {
	b.Helper()
	f := cmdutil.NewTestRepo(b)
	ctx := context.Background()
	e, err := engine(ctx, f.Factory, true)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.CreateRoot(ctx, pki.CARequest{Name: "root", CommonName: "Bench Root", MaxPathLen: -1}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.CreateRole(ctx, pki.Role{Name: "web", AllowedDomains: []string{"example.com"}, AllowSubdomains: true}); err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkIssueRepo issues an ECDSA P-256 leaf with the engine over the
// project repository (vault/pki's BenchmarkIssueP256 uses memory): the
// sealed reads of role and CA, the sealed write of the record in a SQLite
// transaction.
func BenchmarkIssueRepo(b *testing.B) {
	e := repoEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Issue(ctx, pki.Request{Role: "web", CommonName: "svc.example.com"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRevokeRepo100k revokes one more serial on a CA with 100,000
// revoked, over the project repository: the duplicate check, the entry
// appended, the CRL (~5 MB) signed, sealed and written, the record marked,
// before the call returns (issue #7's target: ≤ 250 ms). Setting up issues
// 102,000 leaves through the repository first (~30-60 s).
func BenchmarkRevokeRepo100k(b *testing.B) {
	e := repoEngine(b)
	ctx := context.Background()
	const n, spare = 100_000, 2_000
	serials := make([]string, 0, n+spare)
	for range n + spare {
		iss, err := e.Issue(ctx, pki.Request{Role: "web", CommonName: "svc.example.com"})
		if err != nil {
			b.Fatal(err)
		}
		serials = append(serials, iss.Serial())
	}
	if _, _, err := e.Revoke(ctx, serials[:n], pki.ReasonSuperseded); err != nil {
		b.Fatal(err)
	}
	left := serials[n:]
	b.ResetTimer()
	for b.Loop() {
		if len(left) == 0 {
			b.Fatal("out of unrevoked serials: lower -benchtime")
		}
		if _, _, err := e.Revoke(ctx, left[:1], pki.ReasonKeyCompromise); err != nil {
			b.Fatal(err)
		}
		left = left[1:]
	}
	b.StopTimer()
	der, info, err := e.CRL(ctx, "root")
	if err != nil {
		b.Fatal(err)
	}
	if info.Entries < n+1 {
		b.Fatalf("CRL lists %d entries, want at least %d", info.Entries, n+1)
	}
	b.ReportMetric(float64(len(der)), "crl-bytes")
}
