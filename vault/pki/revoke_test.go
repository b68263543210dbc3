package pki

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// checkCRL parses a CRL with Go's x509 and checks it against its issuer:
// signature, issuer name, authority key id, number, dates, and entries
// equal to want (serial as FormatSerial prints it → reason code). The
// engine's own reading (splitCRL, eachEntry) must agree.
func checkCRL(t *testing.T, der []byte, issuer *x509.Certificate, number int64, want map[string]int) *x509.RevocationList {
	t.Helper()
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("ParseRevocationList: %v", err)
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		t.Errorf("CRL signature from %s: %v", issuer.Subject.CommonName, err)
	}
	if !bytes.Equal(rl.RawIssuer, issuer.RawSubject) || !bytes.Equal(rl.AuthorityKeyId, issuer.SubjectKeyId) {
		t.Errorf("CRL issuer %s, authority key id %x; want %s, %x", rl.Issuer, rl.AuthorityKeyId, issuer.Subject, issuer.SubjectKeyId)
	}
	if rl.Number == nil || rl.Number.Cmp(big.NewInt(number)) != 0 {
		t.Errorf("CRL number %v, want %d", rl.Number, number)
	}
	if !rl.NextUpdate.After(rl.ThisUpdate) || rl.NextUpdate.After(issuer.NotAfter) {
		t.Errorf("CRL thisUpdate %s, nextUpdate %s, issuer notAfter %s", rl.ThisUpdate, rl.NextUpdate, issuer.NotAfter)
	}
	got := map[string]int{}
	for _, e := range rl.RevokedCertificateEntries {
		s := FormatSerial(e.SerialNumber)
		if _, dup := got[s]; dup {
			t.Errorf("serial %s listed twice", s)
		}
		got[s] = e.ReasonCode
		if !e.RevocationTime.Equal(e.RevocationTime.Truncate(time.Second)) || e.RevocationTime.After(rl.ThisUpdate) {
			t.Errorf("serial %s revoked at %s, CRL of %s", s, e.RevocationTime, rl.ThisUpdate)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("CRL of %s lists %d serials, want %d:\n got %v\nwant %v", issuer.Subject.CommonName, len(got), len(want), got, want)
	}
	p, err := splitCRL(der)
	if err != nil {
		t.Fatalf("splitCRL: %v", err)
	}
	n := 0
	if err := eachEntry(p.entries, func(_, _ []byte) bool { n++; return true }); err != nil || n != len(rl.RevokedCertificateEntries) ||
		p.number.Cmp(rl.Number) != 0 || !p.thisUpdate.Equal(rl.ThisUpdate) || !p.nextUpdate.Equal(rl.NextUpdate) {
		t.Errorf("splitCRL reads number %v, %d entries (%v); x509 %v, %d", p.number, n, err, rl.Number, len(rl.RevokedCertificateEntries))
	}
	return rl
}

func storedCRL(st *memStorage, ca string) []byte { return st.Snapshot()[crlPrefix+ca] }

// TestRevoke: revocation lists the serial in its issuer's CRL at once;
// bad, duplicate and root revocations change nothing.
func TestRevoke(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, st := h.e, h.st
	ctx := t.Context()
	now := h.clock.Now()
	a := issue(t, e, Request{Role: "web", CommonName: "a.example.com"})
	b := issue(t, e, Request{Role: "web", CommonName: "b.example.com"})
	c := issue(t, e, Request{Role: "root-web", CommonName: "c.example.com"})
	intSerial := FormatSerial(h.inter.Cert.SerialNumber)
	rootSerial := FormatSerial(h.root.Cert.SerialNumber)

	for _, tc := range []struct {
		what    string
		serials []string
		reason  int
		target  error
	}{
		{"unknown serial", []string{"01:02:03"}, ReasonUnspecified, ErrNotFound},
		{"one unknown among known", []string{a.Serial(), "01:02:03"}, ReasonUnspecified, ErrNotFound},
		{"bad serial", []string{"zz"}, ReasonUnspecified, ErrInvalid},
		{"no serial", nil, ReasonUnspecified, ErrInvalid},
		{"certificateHold", []string{a.Serial()}, ReasonCertificateHold, ErrInvalid},
		{"reason 7", []string{a.Serial()}, 7, ErrInvalid},
		{"reason -1", []string{a.Serial()}, -1, ErrInvalid},
		{"the root's own", []string{rootSerial}, ReasonCACompromise, ErrNotAllowed},
		{"the root's own among others", []string{a.Serial(), rootSerial}, ReasonCACompromise, ErrNotAllowed},
	} {
		t.Run(tc.what, func(t *testing.T) {
			refused(t, st, tc.target, func() error { _, _, err := e.Revoke(ctx, tc.serials, tc.reason); return err })
		})
	}

	out, _, err := e.Revoke(ctx, []string{a.Serial()}, ReasonKeyCompromise)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Serial != a.Serial() || out[0].RevokedAt == nil || !out[0].RevokedAt.Equal(now) || out[0].Reason != "keyCompromise" {
		t.Errorf("Revoke returned %+v", out)
	}
	crl1 := storedCRL(st, "int")
	checkCRL(t, crl1, h.inter.Cert, 1, map[string]int{a.Serial(): ReasonKeyCompromise})
	if got, _ := e.Cert(ctx, a.Serial()); got.RevokedAt == nil || got.Reason != "keyCompromise" {
		t.Errorf("Cert after revoke: %+v", got)
	}
	if list, _ := e.List(ctx, Filter{Revoked: true}); len(list) != 1 || list[0].Serial != a.Serial() {
		t.Errorf("List of revoked: %d", len(list))
	}
	if der, info, err := e.CRL(ctx, "int"); err != nil || !bytes.Equal(der, crl1) || info.Number != "1" || info.Entries != 1 || info.Size != len(der) || info.Issuer != "int" {
		t.Errorf("CRL right after the revoke: %+v, %v; not the stored one", info, err)
	}

	// Again: refused, the CRL untouched (same bytes), the other serial of
	// the call not revoked.
	for _, serials := range [][]string{{a.Serial()}, {b.Serial(), a.Serial()}, {strings.ToUpper(strings.ReplaceAll(a.Serial(), ":", ""))}} {
		err := refused(t, st, ErrRevoked, func() error { _, _, err := e.Revoke(ctx, serials, ReasonSuperseded); return err })
		if err == nil || !strings.Contains(err.Error(), a.Serial()) {
			t.Errorf("message %q does not name the serial", err)
		}
	}
	if !bytes.Equal(storedCRL(st, "int"), crl1) {
		t.Error("a duplicate revoke changed the CRL")
	}

	d := issue(t, e, Request{Role: "web", CommonName: "d.example.com"})
	// One call over two issuers: each CRL re-signed once, with its own
	// serials. The intermediate's certificate goes to the root's CRL; the
	// same serial twice in a call counts once.
	h.clock.Advance(time.Minute)
	out, crls, err := e.Revoke(ctx, []string{b.Serial(), c.Serial(), intSerial, strings.ToUpper(b.Serial())}, ReasonSuperseded)
	if err != nil {
		t.Fatal(err)
	}
	// The CRLs it returns are the ones now stored, by issuer.
	if len(crls) != 2 || crls[0].Issuer != "int" || crls[1].Issuer != "root" ||
		crls[0].Entries != 2 || crls[1].Entries != 2 || crls[0].Size != len(storedCRL(st, "int")) || crls[1].Number != "1" {
		t.Errorf("returned CRLs: %+v %+v", crls[0], crls[1])
	}
	if len(out) != 3 {
		t.Errorf("Revoke returned %d certificates, want 3", len(out))
	}
	checkCRL(t, storedCRL(st, "int"), h.inter.Cert, 2, map[string]int{a.Serial(): ReasonKeyCompromise, b.Serial(): ReasonSuperseded})
	rootCRL := checkCRL(t, storedCRL(st, "root"), h.root.Cert, 1, map[string]int{c.Serial(): ReasonSuperseded, intSerial: ReasonSuperseded})
	if !rootCRL.ThisUpdate.Equal(h.clock.Now()) || !rootCRL.NextUpdate.Equal(h.clock.Now().Add(CRLLifetime)) {
		t.Errorf("root CRL %s – %s, want now – now+%s", rootCRL.ThisUpdate, rootCRL.NextUpdate, CRLLifetime)
	}
	if got, _ := e.Cert(ctx, intSerial); got.RevokedAt == nil || !got.IsCA {
		t.Errorf("the intermediate's record: %+v", got)
	}
	// A revoked intermediate signs nothing more, and is no longer the
	// default issuer; its certificates can still be revoked.
	if _, err := e.Issue(ctx, Request{Role: "web", CommonName: "late.example.com"}); !errors.Is(err, ErrIssuerRevoked) || !strings.Contains(err.Error(), `"int"`) {
		t.Errorf("issue from a revoked intermediate: %v, want ErrIssuerRevoked naming it", err)
	}
	if _, err := e.CreateRole(ctx, Role{Name: "late", Issuer: "int", AllowAnyName: true}); !errors.Is(err, ErrIssuerRevoked) {
		t.Errorf("role on a revoked intermediate: %v, want ErrIssuerRevoked", err)
	}
	if def, err := e.defaultIssuer(ctx); err != nil || def == "int" {
		t.Errorf("the revoked intermediate is still the default issuer (%v)", err)
	}
	// An unspecified reason is listed without a reason code.
	if _, _, err := e.Revoke(ctx, []string{d.Serial()}, ReasonUnspecified); err != nil {
		t.Fatal(err)
	}
	rl := checkCRL(t, storedCRL(st, "int"), h.inter.Cert, 3, map[string]int{a.Serial(): 1, b.Serial(): 4, d.Serial(): 0})
	for _, entry := range rl.RevokedCertificateEntries {
		if entry.SerialNumber.Cmp(d.Cert.SerialNumber) == 0 && len(entry.Extensions) != 0 {
			t.Errorf("unspecified reason encoded as extensions %v", entry.Extensions)
		}
	}
}

// TestRevokeMany: a few hundred revocations over several calls; after
// each the CRL lists exactly what was revoked, with the next number.
func TestRevokeMany(t *testing.T) {
	h := newHierarchy(t, ECP256)
	ctx := t.Context()
	const n = 300
	serials := make([]string, n)
	for i := range serials {
		serials[i] = issue(t, h.e, Request{Role: "web", CommonName: fmt.Sprintf("h%d.example.com", i)}).Serial()
	}
	want := map[string]int{}
	reasons := []int{ReasonKeyCompromise, ReasonSuperseded, ReasonUnspecified, ReasonCessationOfOperation, ReasonAffiliationChanged, ReasonPrivilegeWithdrawn, ReasonAACompromise}
	next := 0
	for call, size := range []int{1, 2, 4, 5, 13, 75, 200} {
		batch := serials[next : next+size]
		next += size
		reason := reasons[call%len(reasons)]
		if _, _, err := h.e.Revoke(ctx, batch, reason); err != nil {
			t.Fatalf("call %d: %v", call, err)
		}
		for _, s := range batch {
			want[s] = reason
		}
		der, info, err := h.e.CRL(ctx, "int")
		if err != nil {
			t.Fatal(err)
		}
		checkCRL(t, der, h.inter.Cert, int64(call+1), want)
		if info.Entries != len(want) || info.Number != fmt.Sprint(call+1) {
			t.Errorf("call %d: CRLInfo %+v", call, info)
		}
	}
	if next != n {
		t.Fatalf("revoked %d of %d", next, n)
	}
	if list, _ := h.e.List(ctx, Filter{Revoked: true}); len(list) != n {
		t.Errorf("%d listed as revoked, want %d", len(list), n)
	}
}

// TestRevokeCompletesAfterCrash: a revoke that signed the CRL but did not
// mark the record (a crash between the two) is completed by a second
// revoke, which lists the serial once.
func TestRevokeCompletesAfterCrash(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, st := h.e, h.st
	ctx := t.Context()
	var serials []string
	for i := range 8 {
		serials = append(serials, issue(t, e, Request{Role: "web", CommonName: fmt.Sprintf("c%d.example.com", i)}).Serial())
	}
	record := func(s string) []byte {
		n, _ := ParseSerial(s)
		return st.Snapshot()[certKey(n)]
	}
	want := map[string]int{}

	// One serial (few lookups: scanned), then six (many: a set).
	for _, batch := range [][]string{serials[:1], serials[1:7]} {
		before := map[string][]byte{}
		for _, s := range batch {
			before[s] = record(s)
		}
		if _, _, err := e.Revoke(ctx, batch, ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		for _, s := range batch {
			want[s] = ReasonKeyCompromise
		}
		crl := storedCRL(st, "int")
		// The crash: the records as they were before the revoke.
		for s, rec := range before {
			n, _ := ParseSerial(s)
			st.Put(certKey(n), rec)
		}
		if got, _ := e.Cert(ctx, batch[0]); got.RevokedAt != nil {
			t.Fatal("the record still says revoked")
		}
		if _, _, err := e.Revoke(ctx, batch, ReasonKeyCompromise); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		if !bytes.Equal(storedCRL(st, "int"), crl) {
			t.Error("the second revoke re-signed a CRL that already listed its serials")
		}
		for _, s := range batch {
			if got, _ := e.Cert(ctx, s); got.RevokedAt == nil {
				t.Errorf("%s is not marked revoked after the second revoke", s)
			}
		}
	}
	// Crashed serials mixed with a new one: only the new one is added.
	n0, _ := ParseSerial(serials[0])
	rec0 := record(serials[0])
	st.Put(certKey(n0), bytes.Replace(rec0, []byte(`,"revoked_at"`), []byte(`,"x_revoked_at"`), 1))
	if _, _, err := e.Revoke(ctx, []string{serials[0], serials[7]}, ReasonSuperseded); err != nil {
		t.Fatal(err)
	}
	want[serials[7]] = ReasonSuperseded
	checkCRL(t, storedCRL(st, "int"), h.inter.Cert, 3, want)
}

// TestRevokeCorruptCRL: when the stored CRL's entries do not decode, a
// revoke fails with ErrCorrupt rather than marking a certificate revoked
// that no CRL lists.
func TestRevokeCorruptCRL(t *testing.T) {
	for _, n := range []int{1, 6} { // a scan per lookup, then a set
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h := newHierarchy(t, ECP256)
			var serials []string
			for range n {
				serials = append(serials, issue(t, h.e, Request{Role: "web", CommonName: "example.com"}).Serial())
			}
			ca, err := h.e.loadCA(t.Context(), "int")
			if err != nil {
				t.Fatal(err)
			}
			bad, err := buildCRL(ca, big.NewInt(5), []byte{0x30, 0x05, 0x02, 0x01}, h.clock.Now()) // an entry cut short
			if err != nil {
				t.Fatal(err)
			}
			h.st.Put(crlPrefix+"int", bad)
			refused(t, h.st, ErrCorrupt, func() error { _, _, err := h.e.Revoke(t.Context(), serials, ReasonKeyCompromise); return err })
			if _, _, err := h.e.CRL(t.Context(), "int"); !errors.Is(err, ErrCorrupt) {
				t.Errorf("CRL over corrupt entries: %v", err)
			}
		})
	}
}

// TestCRLRefresh: CRL returns the stored CRL until half its lifetime has
// passed, then signs the next one over the same entries.
func TestCRLRefresh(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, clock := h.e, h.clock
	ctx := t.Context()
	start := clock.Now()

	first, info, err := e.CRL(ctx, "") // the default issuer: the intermediate
	if err != nil {
		t.Fatal(err)
	}
	rl := checkCRL(t, first, h.inter.Cert, 1, map[string]int{})
	if info.Issuer != "int" || info.Number != "1" || info.Entries != 0 || !info.ThisUpdate.Equal(start) || !info.NextUpdate.Equal(start.Add(CRLLifetime)) ||
		!rl.ThisUpdate.Equal(start) {
		t.Errorf("first CRL: %+v", info)
	}
	a := issue(t, e, Request{Role: "web", CommonName: "a.example.com"})
	clock.Advance(time.Hour)
	if _, _, err := e.Revoke(ctx, []string{a.Serial()}, ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	revoked := clock.Now()
	second, _, _ := e.CRL(ctx, "int")
	checkCRL(t, second, h.inter.Cert, 2, map[string]int{a.Serial(): 1})

	clock.Set(revoked.Add(CRLLifetime/2 - time.Second))
	if der, _, err := e.CRL(ctx, "int"); err != nil || !bytes.Equal(der, second) {
		t.Errorf("CRL before half its lifetime was re-signed (%v)", err)
	}
	clock.Set(revoked.Add(CRLLifetime / 2))
	third, info, err := e.CRL(ctx, "int")
	if err != nil {
		t.Fatal(err)
	}
	rl = checkCRL(t, third, h.inter.Cert, 3, map[string]int{a.Serial(): 1})
	if !rl.ThisUpdate.Equal(clock.Now()) || info.Number != "3" {
		t.Errorf("refreshed CRL of %s (number %s), want %s", rl.ThisUpdate, info.Number, clock.Now())
	}
	if again, _, _ := e.CRL(ctx, "int"); !bytes.Equal(again, third) {
		t.Error("a fresh CRL was re-signed")
	}

	// Near its issuer's end, nextUpdate is the issuer's notAfter.
	short := createIntermediate(t, e, CARequest{Name: "short", CommonName: "Short", Parent: "root", TTL: 48 * time.Hour})
	der, info, err := e.CRL(ctx, "short")
	if err != nil {
		t.Fatal(err)
	}
	rl = checkCRL(t, der, short.Cert, 1, map[string]int{})
	if !rl.NextUpdate.Equal(short.Cert.NotAfter) || !info.NextUpdate.Equal(short.Cert.NotAfter) {
		t.Errorf("nextUpdate %s, issuer notAfter %s", rl.NextUpdate, short.Cert.NotAfter)
	}
}

// TestTidy: expired certificates leave the index and their serials the
// CRL; unexpired revoked ones stay.
func TestTidy(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, st, clock := h.e, h.st, h.clock
	ctx := t.Context()
	brief := func(cn string) *Issued { return issue(t, e, Request{Role: "web", CommonName: cn, TTL: time.Hour}) }
	gone, goneRevoked := brief("gone.example.com"), brief("gone-revoked.example.com")
	stays := issue(t, e, Request{Role: "web", CommonName: "stays.example.com"})
	staysRevoked := issue(t, e, Request{Role: "web", CommonName: "stays-revoked.example.com"})
	if _, _, err := e.Revoke(ctx, []string{goneRevoked.Serial(), staysRevoked.Serial()}, ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}

	if res, err := e.Tidy(ctx, 0); err != nil || *res != (TidyResult{}) {
		t.Errorf("Tidy before anything expired: %+v, %v", res, err)
	}
	clock.Advance(2 * time.Hour)
	before := st.Snapshot()
	if res, err := e.Tidy(ctx, 3*time.Hour); err != nil || *res != (TidyResult{}) {
		t.Errorf("Tidy with a margin past the expiry: %+v, %v", res, err)
	}
	if !maps.EqualFunc(before, st.Snapshot(), bytes.Equal) {
		t.Error("a Tidy that removed nothing changed the storage")
	}
	// The revoked one stays until a CRL signed after it expired has
	// listed it (RFC 5280 §3.3): the stored CRL predates its expiry.
	res, err := e.Tidy(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if *res != (TidyResult{Removed: 1}) {
		t.Errorf("Tidy before a CRL listed the expired revoked one: %+v, want 1 removed", res)
	}
	if _, err := e.Cert(ctx, goneRevoked.Serial()); err != nil {
		t.Errorf("the revoked certificate was dropped before a CRL listed it expired: %v", err)
	}
	clock.Advance(CRLLifetime) // past half its lifetime: the next CRL call re-signs
	if _, _, err := e.CRL(ctx, "int"); err != nil {
		t.Fatal(err)
	}
	res, err = e.Tidy(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if *res != (TidyResult{Removed: 1, CRLEntries: 1}) {
		t.Errorf("Tidy: %+v, want 1 removed, 1 CRL entry", res)
	}
	list, _ := e.List(ctx, Filter{})
	var listed []string
	for _, c := range list {
		listed = append(listed, c.Serial)
	}
	for _, iss := range []*Issued{gone, goneRevoked} {
		if slices.Contains(listed, iss.Serial()) {
			t.Errorf("%s still listed", iss.Cert.Subject.CommonName)
		}
		if _, err := e.Cert(ctx, iss.Serial()); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v", iss.Cert.Subject.CommonName, err)
		}
	}
	for _, iss := range []*Issued{stays, staysRevoked} {
		if !slices.Contains(listed, iss.Serial()) {
			t.Errorf("%s was removed", iss.Cert.Subject.CommonName)
		}
	}
	crl := storedCRL(st, "int")
	checkCRL(t, crl, h.inter.Cert, 3, map[string]int{staysRevoked.Serial(): ReasonKeyCompromise})
	if res, err := e.Tidy(ctx, 0); err != nil || *res != (TidyResult{}) || !bytes.Equal(storedCRL(st, "int"), crl) {
		t.Errorf("second Tidy: %+v, %v", res, err)
	}
}

// TestConcurrentIssueRevoke: goroutines issuing and revoking at once over
// two issuers lose no revocation.
func TestConcurrentIssueRevoke(t *testing.T) {
	h := newHierarchy(t, ECP256)
	ctx := t.Context()
	const workers, rounds = 4, 12
	var (
		mu      sync.Mutex
		want    = map[string]map[string]int{"int": {}, "root": {}}
		revokes = map[string]int{}
	)
	done := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, ca := range []string{"int", "root"} {
				if _, _, err := h.e.CRL(ctx, ca); err != nil {
					t.Errorf("CRL(%s): %v", ca, err)
					return
				}
			}
		}
	})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				role, issuer := "web", "int"
				if i%3 == 0 {
					role, issuer = "root-web", "root"
				}
				iss, err := h.e.Issue(ctx, Request{Role: role, CommonName: fmt.Sprintf("w%d-%d.example.com", w, i)})
				if err != nil {
					t.Error(err)
					return
				}
				if i%2 == 1 {
					continue
				}
				reason := []int{ReasonKeyCompromise, ReasonSuperseded}[w%2]
				if _, _, err := h.e.Revoke(ctx, []string{iss.Serial()}, reason); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want[issuer][iss.Serial()] = reason
				revokes[issuer]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	for issuer, ca := range map[string]*CA{"int": h.inter, "root": h.root} {
		der := storedCRL(h.st, issuer)
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		// One number per revoke, plus one when the reader made the
		// first CRL before any revoke.
		n := rl.Number.Int64()
		if n != int64(revokes[issuer]) && n != int64(revokes[issuer]+1) {
			t.Errorf("%s: CRL number %d after %d revokes", issuer, n, revokes[issuer])
		}
		checkCRL(t, der, ca.Cert, n, want[issuer])
	}
	if list, _ := h.e.List(ctx, Filter{Revoked: true}); len(list) != len(want["int"])+len(want["root"]) {
		t.Errorf("%d listed revoked, want %d", len(list), len(want["int"])+len(want["root"]))
	}

	// The same serials revoked by two callers at once: each listed once.
	var serials []string
	for i := range 6 {
		serials = append(serials, issue(t, h.e, Request{Role: "web", CommonName: fmt.Sprintf("same%d.example.com", i)}).Serial())
	}
	var racers sync.WaitGroup
	for range 2 {
		racers.Go(func() {
			if _, _, err := h.e.Revoke(ctx, serials, ReasonSuperseded); err != nil && !errors.Is(err, ErrRevoked) {
				t.Error(err)
			}
		})
	}
	racers.Wait()
	for _, s := range serials {
		want["int"][s] = ReasonSuperseded
	}
	rl, err := x509.ParseRevocationList(storedCRL(h.st, "int"))
	if err != nil {
		t.Fatal(err)
	}
	checkCRL(t, storedCRL(h.st, "int"), h.inter.Cert, rl.Number.Int64(), want["int"])
}

// ---- the CRL codec ----

// goCRL signs a CRL with Go's x509 alone.
func goCRL(t *testing.T, tmpl *x509.RevocationList) ([]byte, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Go CA"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.AddDate(40, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign,
		SubjectKeyId: []byte{1, 2, 3, 4}}
	der, err := x509.CreateCertificate(rand.Reader, ca, ca, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.CreateRevocationList(rand.Reader, tmpl, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return crl, cert
}

// TestSplitCRL: splitCRL and eachEntry read CRLs made by Go's x509 as x509
// reads them.
func TestSplitCRL(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	huge, _ := new(big.Int).SetString("123456789012345678901234567890123456789012", 10)
	highBit := new(big.Int).Lsh(big.NewInt(1), 127)                 // a leading zero octet in DER
	twenty := new(big.Int).SetBytes(bytes.Repeat([]byte{0x7f}, 20)) // the longest serial
	entry := func(s *big.Int, reason int) x509.RevocationListEntry {
		return x509.RevocationListEntry{SerialNumber: s, RevocationTime: at.Add(-time.Hour), ReasonCode: reason}
	}
	for _, tc := range []struct {
		what string
		tmpl *x509.RevocationList
	}{
		{"empty", &x509.RevocationList{Number: big.NewInt(7), ThisUpdate: at, NextUpdate: at.Add(time.Hour)}},
		{"entries", &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: at, NextUpdate: at.Add(CRLLifetime),
			RevokedCertificateEntries: []x509.RevocationListEntry{entry(big.NewInt(1), 0), entry(highBit, ReasonKeyCompromise), entry(twenty, ReasonSuperseded), entry(big.NewInt(0x80), 0)}}},
		{"huge number, far dates", &x509.RevocationList{Number: huge, ThisUpdate: at, NextUpdate: time.Date(2051, 1, 2, 3, 4, 5, 0, time.UTC),
			RevokedCertificateEntries: []x509.RevocationListEntry{entry(big.NewInt(42), ReasonAACompromise)}}},
		{"extra extension", &x509.RevocationList{Number: big.NewInt(3), ThisUpdate: at, NextUpdate: at.Add(time.Hour),
			ExtraExtensions:           []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: false, Value: []byte{5, 0}}},
			RevokedCertificateEntries: []x509.RevocationListEntry{entry(big.NewInt(9), 0)}}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			der, _ := goCRL(t, tc.tmpl)
			p, err := splitCRL(der)
			if err != nil {
				t.Fatal(err)
			}
			if p.number.Cmp(tc.tmpl.Number) != 0 || !p.thisUpdate.Equal(tc.tmpl.ThisUpdate) || !p.nextUpdate.Equal(tc.tmpl.NextUpdate) {
				t.Errorf("number %v, %s – %s; want %v, %s – %s", p.number, p.thisUpdate, p.nextUpdate, tc.tmpl.Number, tc.tmpl.ThisUpdate, tc.tmpl.NextUpdate)
			}
			var got [][]byte
			err = eachEntry(p.entries, func(serial, entry []byte) bool {
				var rc pkix.RevokedCertificate
				if rest, err := asn1.Unmarshal(entry, &rc); err != nil || len(rest) > 0 || !bytes.Equal(rc.SerialNumber.Bytes(), serial) {
					t.Errorf("entry %x does not hold serial %x: %v", entry, serial, err)
				}
				got = append(got, bytes.Clone(serial))
				return true
			})
			if err != nil || len(got) != len(tc.tmpl.RevokedCertificateEntries) {
				t.Fatalf("eachEntry: %d entries, %v; want %d", len(got), err, len(tc.tmpl.RevokedCertificateEntries))
			}
			for i, e := range tc.tmpl.RevokedCertificateEntries {
				if !bytes.Equal(got[i], e.SerialNumber.Bytes()) {
					t.Errorf("entry %d: serial %x, want %x", i, got[i], e.SerialNumber.Bytes())
				}
				if found, err := hasSerial(p.entries, e.SerialNumber); !found || err != nil {
					t.Errorf("hasSerial(%x): %v, %v", e.SerialNumber, found, err)
				}
			}
			if found, _ := hasSerial(p.entries, big.NewInt(0xdead)); found {
				t.Error("hasSerial finds a serial not listed")
			}
			if len(got) > 1 {
				n := 0
				if err := eachEntry(p.entries, func(_, _ []byte) bool { n++; return n < 2 }); err != nil || n != 2 {
					t.Errorf("eachEntry stopped after %d (%v), want 2", n, err)
				}
			}
		})
	}

	// The hand-made CRL splits when nothing is left out, so that each
	// case below fails for what it leaves out.
	if p, err := splitCRL(rawTBS(t, 1, big.NewInt(1), true)); err != nil || p.number.Int64() != 1 {
		t.Fatalf("the hand-made CRL does not split: %v", err)
	}
	good, _ := goCRL(t, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: at, NextUpdate: at.Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{entry(big.NewInt(5), 0)}})
	for what, der := range map[string][]byte{
		"empty":         nil,
		"garbage":       []byte("not a CRL"),
		"truncated":     good[:len(good)-10],
		"trailing data": append(bytes.Clone(good), 0),
		"no number":     rawTBS(t, 1, nil, true),
		"version 1":     rawTBS(t, 0, big.NewInt(1), true),
		"no thisUpdate": rawTBS(t, 1, big.NewInt(1), false),
		"negative":      rawTBS(t, 1, big.NewInt(-1), true),
		"a certificate": mustCert(t),
	} {
		if _, err := splitCRL(der); !errors.Is(err, ErrCorrupt) {
			t.Errorf("splitCRL(%s): %v, want ErrCorrupt", what, err)
		}
	}
	for what, entries := range map[string][]byte{
		"cut short":     {0x30, 0x05, 0x02, 0x01},
		"not SEQUENCE":  {0x31, 0x03, 0x02, 0x01, 0x01},
		"empty serial":  {0x30, 0x02, 0x02, 0x00},
		"no serial":     {0x30, 0x02, 0x05, 0x00},
		"trailing byte": {0x30, 0x03, 0x02, 0x01, 0x01, 0x30},
	} {
		if err := eachEntry(entries, func(_, _ []byte) bool { return true }); !errors.Is(err, ErrCorrupt) {
			t.Errorf("eachEntry(%s): %v, want ErrCorrupt", what, err)
		}
	}
}

// rawTBS builds an unsigned CertificateList by hand, for what Go's x509
// cannot make: a given version, no number, a negative number, no
// thisUpdate.
func rawTBS(t *testing.T, version int64, number *big.Int, withThisUpdate bool) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(version)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2})
			})
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {})
			if withThisUpdate {
				b.AddASN1UTCTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
			}
			if number != nil {
				b.AddASN1(tagExtensions, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidCRLNumber)
							b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1BigInt(number) })
						})
					})
				})
			}
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2})
		})
		b.AddASN1BitString([]byte{0})
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustCert(t *testing.T) []byte {
	t.Helper()
	_, c := goCRL(t, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)})
	return c.Raw
}

// TestRevokeWithLargeCRL: with 100,000 serials listed, one more revoke
// appends its entry to the list as it was and signs the whole; x509 reads
// every entry. (Its speed is BenchmarkRevokeWith100k's business.)
func TestRevokeWithLargeCRL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a CRL of 100,000 entries; skipped with -short")
	}
	h := newHierarchy(t, ECP256)
	ctx := t.Context()
	ca, err := h.e.loadCA(ctx, "int")
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	var b cryptobyte.Builder
	for i := range n {
		appendEntry(&b, new(big.Int).SetUint64(1<<40+uint64(i)), h.clock.Now(), ReasonSuperseded)
	}
	entries, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	large, err := buildCRL(ca, big.NewInt(41), entries, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.st.Put(crlPrefix+"int", large)
	leaf := issue(t, h.e, Request{Role: "web", CommonName: "one-more.example.com"})
	start := time.Now()
	if _, _, err := h.e.Revoke(ctx, []string{leaf.Serial()}, ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	t.Logf("revoke with %d listed: %s (under the race detector when -race)", n, time.Since(start))
	der := storedCRL(h.st, "int")
	p, err := splitCRL(der)
	if err != nil || !bytes.HasPrefix(p.entries, entries) || p.number.Int64() != 42 {
		t.Fatalf("the new CRL does not extend the old list: %v", err)
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := rl.CheckSignatureFrom(h.inter.Cert); err != nil {
		t.Error(err)
	}
	last := rl.RevokedCertificateEntries[len(rl.RevokedCertificateEntries)-1]
	if len(rl.RevokedCertificateEntries) != n+1 || last.SerialNumber.Cmp(leaf.Cert.SerialNumber) != 0 || last.ReasonCode != ReasonKeyCompromise {
		t.Errorf("%d entries, the last %x (reason %d)", len(rl.RevokedCertificateEntries), last.SerialNumber, last.ReasonCode)
	}
	if _, info, err := h.e.CRL(ctx, "int"); err != nil || info.Entries != n+1 {
		t.Errorf("CRLInfo: %+v, %v", info, err)
	}
}

// TestRevokeExpired: an expired certificate is not revoked (it fails
// validation by itself; tidy drops it), and nothing changes.
func TestRevokeExpired(t *testing.T) {
	h := newHierarchy(t, ECP256)
	leaf := issue(t, h.e, Request{Role: "web", CommonName: "old.example.com", TTL: time.Hour})
	h.clock.Advance(2 * time.Hour)
	err := refused(t, h.st, ErrNotAllowed, func() error {
		_, _, err := h.e.Revoke(t.Context(), []string{leaf.Serial()}, ReasonKeyCompromise)
		return err
	})
	if !strings.Contains(err.Error(), "expired on") {
		t.Errorf("message %q does not say it expired", err)
	}
}

// TestRevokeTwiceConcurrently: of two revocations of one serial racing,
// exactly one succeeds; the CRL lists the serial once.
func TestRevokeTwiceConcurrently(t *testing.T) {
	for range 20 {
		h := newHierarchy(t, ECP256)
		leaf := issue(t, h.e, Request{Role: "web", CommonName: "race.example.com"})
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, _, err := h.e.Revoke(t.Context(), []string{leaf.Serial()}, ReasonKeyCompromise)
				errs <- err
			}()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) || !errors.Is(cmp.Or(e1, e2), ErrRevoked) {
			t.Fatalf("two revocations: %v and %v; want one success and one ErrRevoked", e1, e2)
		}
		rl, err := x509.ParseRevocationList(storedCRL(h.st, "int"))
		if err != nil || len(rl.RevokedCertificateEntries) != 1 {
			t.Fatalf("CRL: %v, %d entries", err, len(rl.RevokedCertificateEntries))
		}
	}
}

// readOnly is a Storage whose writes fail, like a read-only repository.
type readOnly struct{ *memStorage }

func (readOnly) Update(context.Context, string, func([]byte, bool) ([]byte, bool, error)) error {
	return errors.New("read-only")
}

// TestCRLServedWhenNotResigned: past half its lifetime a CRL is re-signed;
// when that cannot be done, the stored one is served, with a warning, as
// long as it is current, and refused after its nextUpdate.
func TestCRLServedWhenNotResigned(t *testing.T) {
	h := newHierarchy(t, ECP256)
	ctx := t.Context()
	if _, _, err := h.e.CRL(ctx, "int"); err != nil {
		t.Fatal(err)
	}
	stored := storedCRL(h.st, "int")
	ro := New(readOnly{h.st}, Options{Now: h.clock.Now})
	h.clock.Advance(CRLLifetime * 3 / 4)
	der, info, err := ro.CRL(ctx, "int")
	if err != nil || !bytes.Equal(der, stored) || !strings.Contains(info.Warning, "read-only") {
		t.Fatalf("CRL at 3/4 of its life, store read-only: %v, warning %q, same bytes %v", err, info.Warning, bytes.Equal(der, stored))
	}
	h.clock.Advance(CRLLifetime / 2)
	if _, _, err := ro.CRL(ctx, "int"); err == nil {
		t.Fatal("a CRL past its nextUpdate was served")
	}
}

// TestTidyRefusesNegativeMargin: a negative margin would put the cutoff
// in the future and drop certificates that are still valid.
func TestTidyRefusesNegativeMargin(t *testing.T) {
	h := newHierarchy(t, ECP256)
	issue(t, h.e, Request{Role: "web", CommonName: "valid.example.com"})
	before := h.st.Snapshot()
	if _, err := h.e.Tidy(t.Context(), -time.Hour); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Tidy(-1h): %v, want ErrInvalid", err)
	}
	if !maps.EqualFunc(before, h.st.Snapshot(), bytes.Equal) {
		t.Error("a refused tidy changed the store")
	}
}

// TestDefaultIssuerErrorsSurface: an unreadable engine configuration is
// reported, not taken for "no default issuer" (which would tell the user
// to create a root, or leave a revoked CA the default).
func TestDefaultIssuerErrorsSurface(t *testing.T) {
	h := newHierarchy(t, ECP256)
	h.st.Put(configKey, []byte("{not json"))
	if _, _, err := h.e.CRL(t.Context(), ""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("CRL of the default issuer over a damaged config: %v", err)
	}
	if _, err := h.e.CA(t.Context(), "int"); err == nil {
		t.Error("CA over a damaged config: no error")
	}
}
