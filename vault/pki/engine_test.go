package pki

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---- helpers ----

// testClock is a settable clock for Options.Now. It starts at the real
// time (to the second), so that what a test engine issues also verifies
// with the real clock (crypto/tls, openssl) until a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newTestEngine returns an engine over a new memory storage, with a test
// clock.
func newTestEngine(t testing.TB) (*Engine, *memStorage, *testClock) {
	t.Helper()
	st, clock := newMemStorage(), newClock()
	return New(st, Options{Now: clock.Now}), st, clock
}

// hierarchy is a test engine holding a root CA "root" (no path length)
// and an intermediate "int" below it (path length 0), both of one key
// type, and these roles:
//
//	web      int,  server, example.com and subdomains, localhost, IP SANs
//	client   int,  client, clients.example.com and subdomains
//	root-web root, server, example.com and subdomains
type hierarchy struct {
	e           *Engine
	st          *memStorage
	clock       *testClock
	root, inter *CA
}

// The CAs of each key type are made once per test process (RSA keys take
// a while, rsa-4096 most of all) and copied into each test's storage.
var caPool struct {
	sync.Mutex
	m map[KeyType]pooledCAs
}

type pooledCAs struct {
	st          *memStorage
	root, inter *CA
}

// newHierarchy returns a hierarchy of key type kt in a storage of its own.
// rsa-4096 is skipped with -short.
func newHierarchy(t testing.TB, kt KeyType) *hierarchy {
	t.Helper()
	if kt == RSA4096 && testing.Short() {
		t.Skip("rsa-4096 key generation is slow; skipped with -short")
	}
	caPool.Lock()
	p, ok := caPool.m[kt]
	if !ok {
		e, st, _ := newTestEngine(t)
		root, err := e.CreateRoot(t.Context(), CARequest{Name: "root", CommonName: "Test Root " + string(kt), KeyType: kt, MaxPathLen: -1})
		if err != nil {
			caPool.Unlock()
			t.Fatalf("create a %s root: %v", kt, err)
		}
		in, err := e.CreateIntermediate(t.Context(), CARequest{Name: "int", CommonName: "Test Intermediate " + string(kt), KeyType: kt, Parent: "root"})
		if err != nil {
			caPool.Unlock()
			t.Fatalf("create a %s intermediate: %v", kt, err)
		}
		p = pooledCAs{st: st, root: root, inter: in}
		if caPool.m == nil {
			caPool.m = map[KeyType]pooledCAs{}
		}
		caPool.m[kt] = p
	}
	caPool.Unlock()
	st, clock := p.st.Clone(), newClock()
	h := &hierarchy{e: New(st, Options{Now: clock.Now}), st: st, clock: clock, root: p.root, inter: p.inter}
	for _, r := range []Role{
		{Name: "web", Issuer: "int", AllowedDomains: []string{"example.com"}, AllowSubdomains: true, AllowLocalhost: true, AllowIPSANs: true},
		{Name: "client", Issuer: "int", AllowedDomains: []string{"clients.example.com"}, AllowSubdomains: true, Client: true},
		{Name: "root-web", Issuer: "root", AllowedDomains: []string{"example.com"}, AllowSubdomains: true},
	} {
		createRole(t, h.e, r)
	}
	return h
}

func createRole(t testing.TB, e *Engine, r Role) *Role {
	t.Helper()
	out, err := e.CreateRole(t.Context(), r)
	if err != nil {
		t.Fatalf("create role %s: %v", r.Name, err)
	}
	return out
}

func createRoot(t testing.TB, e *Engine, req CARequest) *CA {
	t.Helper()
	ca, err := e.CreateRoot(t.Context(), req)
	if err != nil {
		t.Fatalf("create root %s: %v", req.Name, err)
	}
	return ca
}

func createIntermediate(t testing.TB, e *Engine, req CARequest) *CA {
	t.Helper()
	ca, err := e.CreateIntermediate(t.Context(), req)
	if err != nil {
		t.Fatalf("create intermediate %s: %v", req.Name, err)
	}
	return ca
}

func issue(t testing.TB, e *Engine, req Request) *Issued {
	t.Helper()
	iss, err := e.Issue(t.Context(), req)
	if err != nil {
		t.Fatalf("issue %s from %s: %v", req.CommonName, req.Role, err)
	}
	return iss
}

// refused runs fn, which must fail with target and leave the storage as it
// was; it returns fn's error for further checks.
func refused(t *testing.T, st *memStorage, target error, fn func() error) error {
	t.Helper()
	return st.Refused(t, target, fn)
}

// verifyFor verifies leaf with Go's x509 for one use at a time, trusting
// only the last certificate of chain and taking the others as
// intermediates.
func verifyFor(leaf *x509.Certificate, chain []*x509.Certificate, at time.Time, dnsName string, usage x509.ExtKeyUsage) error {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[len(chain)-1])
	for _, c := range chain[:len(chain)-1] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: dnsName, Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{usage}})
	return err
}

// wrongUsage reports whether err is Go's refusal of a certificate for an
// extended key usage it lacks.
func wrongUsage(err error) bool {
	var ie x509.CertificateInvalidError
	return errors.As(err, &ie) && ie.Reason == x509.IncompatibleUsage
}

var (
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
)

func extension(c *x509.Certificate, oid asn1.ObjectIdentifier) *pkix.Extension {
	for i, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return &c.Extensions[i]
		}
	}
	return nil
}

// wantSKID computes RFC 7093 §2 method 1 on its own: the leftmost 160
// bits of the SHA-256 of the subjectPublicKey BIT STRING's bits.
func wantSKID(t testing.TB, c *x509.Certificate) []byte {
	t.Helper()
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil || len(rest) > 0 {
		t.Fatalf("subjectPublicKeyInfo: %v", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20]
}

// checkCA checks RFC 5280's CA profile: basicConstraints critical with
// cA and the path length (-1: none), keyUsage critical with exactly
// keyCertSign and cRLSign, no extended key usage, key identifiers.
func checkCA(t *testing.T, c *x509.Certificate, pathLen int) {
	t.Helper()
	bc := extension(c, oidBasicConstraints)
	switch {
	case bc == nil:
		t.Errorf("%s: no basicConstraints", c.Subject.CommonName)
	case !bc.Critical:
		t.Errorf("%s: basicConstraints is not critical", c.Subject.CommonName)
	}
	if !c.BasicConstraintsValid || !c.IsCA {
		t.Errorf("%s: not a CA (basicConstraints valid %v, cA %v)", c.Subject.CommonName, c.BasicConstraintsValid, c.IsCA)
	}
	if ku := extension(c, oidKeyUsage); ku == nil || !ku.Critical {
		t.Errorf("%s: keyUsage missing or not critical", c.Subject.CommonName)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("%s: key usage %#x, want certSign|cRLSign", c.Subject.CommonName, c.KeyUsage)
	}
	if len(c.ExtKeyUsage) > 0 || len(c.UnknownExtKeyUsage) > 0 {
		t.Errorf("%s: a CA with extended key usages %v", c.Subject.CommonName, c.ExtKeyUsage)
	}
	switch {
	case pathLen < 0 && c.MaxPathLen != -1:
		t.Errorf("%s: path length %d, want none", c.Subject.CommonName, c.MaxPathLen)
	case pathLen >= 0 && (c.MaxPathLen != pathLen || pathLen == 0 && !c.MaxPathLenZero):
		t.Errorf("%s: path length %d (zero %v), want %d", c.Subject.CommonName, c.MaxPathLen, c.MaxPathLenZero, pathLen)
	}
	if !bytes.Equal(c.SubjectKeyId, wantSKID(t, c)) {
		t.Errorf("%s: subject key id %x, want RFC 7093 method 1's %x", c.Subject.CommonName, c.SubjectKeyId, wantSKID(t, c))
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("%s: serial %x", c.Subject.CommonName, c.SerialNumber)
	}
}

// checkChild checks what ties c to issuer: its issuer name, signature,
// authority key id and a notAfter no later than the issuer's.
func checkChild(t *testing.T, c, issuer *x509.Certificate) {
	t.Helper()
	if err := c.CheckSignatureFrom(issuer); err != nil {
		t.Errorf("%s: signature from %s: %v", c.Subject.CommonName, issuer.Subject.CommonName, err)
	}
	if !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
		t.Errorf("%s: issuer %s, want %s", c.Subject.CommonName, c.Issuer, issuer.Subject)
	}
	if aki := extension(c, oidAuthorityKeyID); aki == nil || !bytes.Equal(c.AuthorityKeyId, issuer.SubjectKeyId) {
		t.Errorf("%s: authority key id %x, want the issuer's subject key id %x", c.Subject.CommonName, c.AuthorityKeyId, issuer.SubjectKeyId)
	}
	if c.NotAfter.After(issuer.NotAfter) {
		t.Errorf("%s: notAfter %s is after the issuer's %s", c.Subject.CommonName, c.NotAfter, issuer.NotAfter)
	}
}

// checkLeaf checks RFC 5280's end-entity profile for a leaf of the given
// uses, and that it belongs to its chain.
func checkLeaf(t *testing.T, iss *Issued, server, client bool) {
	t.Helper()
	c := iss.Cert
	if c.IsCA {
		t.Errorf("%s: a leaf with cA set", c.Subject.CommonName)
	}
	if bc := extension(c, oidBasicConstraints); bc != nil && !bc.Critical {
		t.Errorf("%s: basicConstraints not critical", c.Subject.CommonName)
	}
	wantKU := x509.KeyUsageDigitalSignature
	if _, ok := c.PublicKey.(*rsa.PublicKey); ok {
		wantKU |= x509.KeyUsageKeyEncipherment
	}
	if c.KeyUsage != wantKU {
		t.Errorf("%s: key usage %#x, want %#x", c.Subject.CommonName, c.KeyUsage, wantKU)
	}
	var wantEKU []x509.ExtKeyUsage
	if server {
		wantEKU = append(wantEKU, x509.ExtKeyUsageServerAuth)
	}
	if client {
		wantEKU = append(wantEKU, x509.ExtKeyUsageClientAuth)
	}
	if !slices.Equal(c.ExtKeyUsage, wantEKU) || len(c.UnknownExtKeyUsage) > 0 {
		t.Errorf("%s: extended key usage %v, want %v", c.Subject.CommonName, c.ExtKeyUsage, wantEKU)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("%s: serial %x is not positive with at most 128 bits", c.Subject.CommonName, c.SerialNumber)
	}
	if !bytes.Equal(c.SubjectKeyId, wantSKID(t, c)) {
		t.Errorf("%s: subject key id %x, want %x", c.Subject.CommonName, c.SubjectKeyId, wantSKID(t, c))
	}
	checkChild(t, c, iss.Chain[0])
	for i := 1; i < len(iss.Chain); i++ {
		checkChild(t, iss.Chain[i-1], iss.Chain[i])
	}
	if iss.Key != nil {
		if pub, ok := iss.Key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(c.PublicKey) {
			t.Errorf("%s: the issued key is not the certificate's", c.Subject.CommonName)
		}
	}
}

// ---- CAs and key types ----

func TestParseKeyType(t *testing.T) {
	for in, want := range map[string]KeyType{"": ECP256, "ec-p256": ECP256, "EC-P384": ECP384, "ed25519": Ed25519, "rsa-2048": RSA2048, "RSA-4096": RSA4096} {
		if got, err := ParseKeyType(in); err != nil || got != want {
			t.Errorf("ParseKeyType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ec", "rsa", "rsa-1024", "ec-p521", "dsa", " ec-p256"} {
		if _, err := ParseKeyType(in); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "ec-p256, ec-p384") {
			t.Errorf("ParseKeyType(%q): %v, want ErrInvalid listing the types", in, err)
		}
	}
}

// TestKeyTypes: with every key type, a root and an intermediate follow
// the CA profile, and the leaves they issue verify with crypto/x509 for
// their use and only for it; their CRLs verify too.
func TestKeyTypes(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			h := newHierarchy(t, kt)
			ctx := t.Context()
			root, in := h.root, h.inter
			checkCA(t, root.Cert, -1)
			checkCA(t, in.Cert, 0)
			if err := root.Cert.CheckSignatureFrom(root.Cert); err != nil || !bytes.Equal(root.Cert.RawIssuer, root.Cert.RawSubject) {
				t.Errorf("root is not self-signed: %v", err)
			}
			checkChild(t, in.Cert, root.Cert)
			for _, c := range []*CA{root, in} {
				if got, err := keyTypeOf(c.Cert.PublicKey); err != nil || got != kt || c.KeyType != kt {
					t.Errorf("%s: key type %s (%v), CA says %s; want %s", c.Name, got, err, c.KeyType, kt)
				}
			}
			if !root.Root() || in.Root() || in.Parent != "root" || len(root.Chain) != 1 || len(in.Chain) != 2 || !in.Chain[1].Equal(root.Cert) {
				t.Errorf("chains: root %v/%d, int %q/%d", root.Root(), len(root.Chain), in.Parent, len(in.Chain))
			}

			// rsa-4096 CAs sign rsa-2048 leaves: one slow key less.
			leafKT := kt
			if kt == RSA4096 {
				leafKT = RSA2048
			}
			createRole(t, h.e, Role{Name: "srv", Issuer: "int", AllowedDomains: []string{"example.com"}, AllowSubdomains: true, Server: true, KeyType: leafKT})
			createRole(t, h.e, Role{Name: "cli", Issuer: "int", AllowedDomains: []string{"example.com"}, AllowSubdomains: true, Client: true, KeyType: leafKT})
			now := h.clock.Now()

			srv := issue(t, h.e, Request{Role: "srv", CommonName: "svc.example.com"})
			checkLeaf(t, srv, true, false)
			if got, _ := keyTypeOf(srv.Cert.PublicKey); got != leafKT {
				t.Errorf("server leaf key type %s, want %s", got, leafKT)
			}
			if err := verifyFor(srv.Cert, srv.Chain, now, "svc.example.com", x509.ExtKeyUsageServerAuth); err != nil {
				t.Errorf("server leaf does not verify for serverAuth: %v", err)
			}
			if err := verifyFor(srv.Cert, srv.Chain, now, "", x509.ExtKeyUsageClientAuth); !wrongUsage(err) {
				t.Errorf("server-only leaf verifying for clientAuth: %v, want an incompatible usage", err)
			}

			cli := issue(t, h.e, Request{Role: "cli", CommonName: "agent.example.com"})
			checkLeaf(t, cli, false, true)
			if err := verifyFor(cli.Cert, cli.Chain, now, "", x509.ExtKeyUsageClientAuth); err != nil {
				t.Errorf("client leaf does not verify for clientAuth: %v", err)
			}
			if err := verifyFor(cli.Cert, cli.Chain, now, "agent.example.com", x509.ExtKeyUsageServerAuth); !wrongUsage(err) {
				t.Errorf("client-only leaf verifying for serverAuth: %v, want an incompatible usage", err)
			}

			// Straight from the root.
			direct := issue(t, h.e, Request{Role: "root-web", CommonName: "direct.example.com"})
			if len(direct.Chain) != 1 || direct.Issuer != "root" {
				t.Errorf("a root's leaf has a chain of %d, issuer %q", len(direct.Chain), direct.Issuer)
			}
			checkLeaf(t, direct, true, false)
			if err := verifyFor(direct.Cert, direct.Chain, now, "direct.example.com", x509.ExtKeyUsageServerAuth); err != nil {
				t.Errorf("root's leaf: %v", err)
			}

			// The CRL, which the engine signs by itself, verifies for
			// this key type.
			if _, _, err := h.e.Revoke(ctx, []string{srv.Serial()}, ReasonKeyCompromise); err != nil {
				t.Fatal(err)
			}
			der, _, err := h.e.CRL(ctx, "int")
			if err != nil {
				t.Fatal(err)
			}
			checkCRL(t, der, in.Cert, 1, map[string]int{srv.Serial(): ReasonKeyCompromise})
			der, _, err = h.e.CRL(ctx, "root")
			if err != nil {
				t.Fatal(err)
			}
			checkCRL(t, der, root.Cert, 1, map[string]int{})
		})
	}
}

// TestPathLength: path lengths as requested, inherited from the parent
// when not given, and refused beyond the parent's.
func TestPathLength(t *testing.T) {
	e, st, clock := newTestEngine(t)
	ctx := t.Context()
	create := func(req CARequest) (*CA, error) { return e.CreateIntermediate(ctx, req) }

	r0 := createRoot(t, e, CARequest{Name: "r0", CommonName: "Root pathlen 0"}) // the zero value: 0
	checkCA(t, r0.Cert, 0)
	err := refused(t, st, ErrNotAllowed, func() error { _, err := create(CARequest{Name: "x", CommonName: "X", Parent: "r0"}); return err })
	if err == nil || !strings.Contains(err.Error(), "path length 0") {
		t.Errorf("message %q does not name the path length", err)
	}

	r2 := createRoot(t, e, CARequest{Name: "r2", CommonName: "Root pathlen 2", MaxPathLen: 2})
	checkCA(t, r2.Cert, 2)
	refused(t, st, ErrNotAllowed, func() error {
		_, err := create(CARequest{Name: "x", CommonName: "X", Parent: "r2", MaxPathLen: 2})
		return err
	})
	refused(t, st, ErrNotAllowed, func() error {
		_, err := create(CARequest{Name: "x", CommonName: "X", Parent: "r2", MaxPathLen: 7})
		return err
	})
	i1 := createIntermediate(t, e, CARequest{Name: "i1", CommonName: "Inherits 1", Parent: "r2", MaxPathLen: -1})
	checkCA(t, i1.Cert, 1)
	refused(t, st, ErrNotAllowed, func() error {
		_, err := create(CARequest{Name: "x", CommonName: "X", Parent: "i1", MaxPathLen: 1})
		return err
	})
	i2 := createIntermediate(t, e, CARequest{Name: "i2", CommonName: "Inherits 0", Parent: "i1", MaxPathLen: -1})
	checkCA(t, i2.Cert, 0)
	refused(t, st, ErrNotAllowed, func() error { _, err := create(CARequest{Name: "x", CommonName: "X", Parent: "i2"}); return err })
	checkCA(t, createIntermediate(t, e, CARequest{Name: "i1b", CommonName: "Explicit 1", Parent: "r2", MaxPathLen: 1}).Cert, 1)
	checkCA(t, createIntermediate(t, e, CARequest{Name: "i1c", CommonName: "Explicit 0", Parent: "r2"}).Cert, 0)

	// A leaf at the bottom of root(2) → i1(1) → i2(0) verifies.
	createRole(t, e, Role{Name: "deep", Issuer: "i2", AllowedDomains: []string{"example.com"}})
	leaf := issue(t, e, Request{Role: "deep", CommonName: "example.com"})
	if len(leaf.Chain) != 3 {
		t.Fatalf("chain of %d", len(leaf.Chain))
	}
	checkLeaf(t, leaf, true, false)
	if err := verifyFor(leaf.Cert, leaf.Chain, clock.Now(), "example.com", x509.ExtKeyUsageServerAuth); err != nil {
		t.Errorf("three-level chain: %v", err)
	}

	// Unlimited root: the intermediate's default (0 from the CLI) holds.
	createRoot(t, e, CARequest{Name: "rn", CommonName: "Root no pathlen", MaxPathLen: -1})
	checkCA(t, createIntermediate(t, e, CARequest{Name: "in0", CommonName: "Default", Parent: "rn"}).Cert, 0)
	checkCA(t, createIntermediate(t, e, CARequest{Name: "in5", CommonName: "Five", Parent: "rn", MaxPathLen: 5}).Cert, 5)
	checkCA(t, createIntermediate(t, e, CARequest{Name: "inn", CommonName: "None", Parent: "rn", MaxPathLen: -1}).Cert, -1)

	refused(t, st, ErrInvalid, func() error {
		_, err := e.CreateRoot(ctx, CARequest{Name: "x", CommonName: "X", MaxPathLen: -2})
		return err
	})
}

// TestCATTL: a root lasts its TTL; an intermediate's default TTL is cut
// to its parent's notAfter, an explicit one beyond it is refused.
func TestCATTL(t *testing.T) {
	e, st, clock := newTestEngine(t)
	ctx := t.Context()
	now := clock.Now()
	root := createRoot(t, e, CARequest{Name: "root", CommonName: "Root", TTL: 365 * 24 * time.Hour, MaxPathLen: -1})
	if !root.Cert.NotAfter.Equal(now.Add(365*24*time.Hour)) || !root.Cert.NotBefore.Equal(now.Add(-clockSkew)) {
		t.Errorf("root validity %s – %s, want %s – %s", root.Cert.NotBefore, root.Cert.NotAfter, now.Add(-clockSkew), now.Add(365*24*time.Hour))
	}
	d := createRoot(t, e, CARequest{Name: "default", CommonName: "Default TTL", MaxPathLen: -1})
	if !d.Cert.NotAfter.Equal(now.Add(DefaultRootTTL)) {
		t.Errorf("root default TTL: notAfter %s", d.Cert.NotAfter)
	}

	in := createIntermediate(t, e, CARequest{Name: "int", CommonName: "Int", Parent: "root"}) // 5y asked by default
	if !in.Cert.NotAfter.Equal(root.Cert.NotAfter) {
		t.Errorf("default intermediate TTL not cut to the parent: %s, parent %s", in.Cert.NotAfter, root.Cert.NotAfter)
	}
	err := refused(t, st, ErrNotAllowed, func() error {
		_, err := e.CreateIntermediate(ctx, CARequest{Name: "long", CommonName: "Long", Parent: "root", TTL: 2 * 365 * 24 * time.Hour})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "notAfter") || !strings.Contains(err.Error(), `"root"`) {
		t.Errorf("message %q does not say which notAfter", err)
	}
	short := createIntermediate(t, e, CARequest{Name: "short", CommonName: "Short", Parent: "root", TTL: 30 * 24 * time.Hour})
	if !short.Cert.NotAfter.Equal(now.Add(30 * 24 * time.Hour)) {
		t.Errorf("explicit TTL: notAfter %s", short.Cert.NotAfter)
	}
	refused(t, st, ErrInvalid, func() error {
		_, err := e.CreateRoot(ctx, CARequest{Name: "neg", CommonName: "Neg", TTL: -time.Hour})
		return err
	})

	// An expired or not yet valid parent signs nothing.
	clock.Set(root.Cert.NotAfter.Add(time.Second))
	refused(t, st, ErrIssuerExpired, func() error {
		_, err := e.CreateIntermediate(ctx, CARequest{Name: "late", CommonName: "Late", Parent: "root"})
		return err
	})
	clock.Set(root.Cert.NotBefore.Add(-time.Second))
	refused(t, st, ErrIssuerExpired, func() error {
		_, err := e.CreateIntermediate(ctx, CARequest{Name: "early", CommonName: "Early", Parent: "root"})
		return err
	})
}

// TestSameNameAsIssuer: a certificate whose subject is its issuer's (an
// intermediate named like its root, a leaf named like its CA) still has
// an authority key id, and such an intermediate can be revoked: only a
// self-signed root cannot.
func TestSameNameAsIssuer(t *testing.T) {
	e, _, clock := newTestEngine(t)
	ctx := t.Context()
	root := createRoot(t, e, CARequest{Name: "root", CommonName: "Acme CA", MaxPathLen: -1})
	in := createIntermediate(t, e, CARequest{Name: "int", CommonName: "Acme CA", Parent: "root"})
	checkChild(t, in.Cert, root.Cert)
	createRole(t, e, Role{Name: "any", Issuer: "int", AllowAnyName: true})
	leaf := issue(t, e, Request{Role: "any", CommonName: "Acme CA", SANs: []string{"svc.example.com"}})
	checkLeaf(t, leaf, true, false)
	if err := verifyFor(leaf.Cert, leaf.Chain, clock.Now(), "svc.example.com", x509.ExtKeyUsageServerAuth); err != nil {
		t.Errorf("verify: %v", err)
	}
	if _, _, err := e.Revoke(ctx, []string{FormatSerial(in.Cert.SerialNumber)}, ReasonSuperseded); err != nil {
		t.Errorf("revoke an intermediate named like its root: %v", err)
	}
	if _, _, err := e.Revoke(ctx, []string{FormatSerial(root.Cert.SerialNumber)}, ReasonSuperseded); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("revoke the root: %v, want ErrNotAllowed", err)
	}
}

// TestNames: CA and role names are checked everywhere they are taken.
func TestNames(t *testing.T) {
	good := []string{"a", "Z", "0", "root-2025", "a.b_c-d", strings.Repeat("n", MaxNameLen)}
	bad := []string{"", "-a", ".a", "_a", "a b", "a/b", "a:b", "é", "a\x00", strings.Repeat("n", MaxNameLen+1)}
	for _, n := range good {
		if err := ValidateName("CA", n); err != nil {
			t.Errorf("ValidateName(%q): %v", n, err)
		}
	}
	e, st, _ := newTestEngine(t)
	ctx := t.Context()
	createRoot(t, e, CARequest{Name: "root", CommonName: "Root", MaxPathLen: -1})
	for _, n := range bad {
		if err := ValidateName("role", n); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "role names") {
			t.Errorf("ValidateName(%q): %v", n, err)
		}
		refused(t, st, ErrInvalid, func() error { _, err := e.CreateRoot(ctx, CARequest{Name: n, CommonName: "X"}); return err })
		refused(t, st, ErrInvalid, func() error {
			_, err := e.CreateIntermediate(ctx, CARequest{Name: n, CommonName: "X", Parent: "root"})
			return err
		})
		refused(t, st, ErrInvalid, func() error {
			_, err := e.CreateRole(ctx, Role{Name: n, AllowAnyName: true})
			return err
		})
		refused(t, st, ErrInvalid, func() error { _, err := e.CA(ctx, n); return err })
		refused(t, st, ErrInvalid, func() error { _, err := e.Role(ctx, n); return err })
		refused(t, st, ErrInvalid, func() error { _, err := e.Issue(ctx, Request{Role: n, CommonName: "x.example.com"}); return err })
		refused(t, st, ErrInvalid, func() error { return e.DeleteRole(ctx, n) })
	}
	for _, cn := range []string{"", strings.Repeat("c", MaxCommonNameLen+1), "tab\there", "nul\x00"} {
		refused(t, st, ErrInvalid, func() error { _, err := e.CreateRoot(ctx, CARequest{Name: "x", CommonName: cn}); return err })
	}
	createRoot(t, e, CARequest{Name: "long-cn", CommonName: strings.Repeat("c", MaxCommonNameLen)})
	refused(t, st, ErrInvalid, func() error {
		_, err := e.CreateRoot(ctx, CARequest{Name: "x", CommonName: "X", KeyType: "dsa-1024"})
		return err
	})
}

// TestExistsAndNotFound: duplicate names are refused, unknown names are
// not found, and nothing changes either way.
func TestExistsAndNotFound(t *testing.T) {
	e, st, _ := newTestEngine(t)
	ctx := t.Context()
	refused(t, st, ErrInvalid, func() error {
		_, err := e.CreateIntermediate(ctx, CARequest{Name: "int", CommonName: "Int"})
		return err
	})
	refused(t, st, ErrInvalid, func() error { _, err := e.CreateRole(ctx, Role{Name: "web", AllowAnyName: true}); return err })
	refused(t, st, ErrNotFound, func() error { _, _, err := e.CRL(ctx, ""); return err })

	createRoot(t, e, CARequest{Name: "root", CommonName: "Root", MaxPathLen: -1})
	createIntermediate(t, e, CARequest{Name: "int", CommonName: "Int"})
	createRole(t, e, Role{Name: "web", AllowedDomains: []string{"example.com"}})

	for _, tc := range []struct {
		what   string
		target error
		fn     func() error
	}{
		{"root twice", ErrExists, func() error { _, err := e.CreateRoot(ctx, CARequest{Name: "root", CommonName: "Again"}); return err }},
		{"root named like an intermediate", ErrExists, func() error {
			_, err := e.CreateRoot(ctx, CARequest{Name: "int", CommonName: "Again"})
			return err
		}},
		{"intermediate twice", ErrExists, func() error {
			_, err := e.CreateIntermediate(ctx, CARequest{Name: "int", CommonName: "Again", Parent: "root"})
			return err
		}},
		{"role twice", ErrExists, func() error { _, err := e.CreateRole(ctx, Role{Name: "web", AllowAnyName: true}); return err }},
		{"unknown role", ErrNotFound, func() error { _, err := e.Issue(ctx, Request{Role: "nope", CommonName: "example.com"}); return err }},
		{"unknown role for sign", ErrNotFound, func() error {
			_, err := e.Sign(ctx, Request{Role: "nope"}, newCSR(t, ECP256, "example.com", nil))
			return err
		}},
		{"unknown CA", ErrNotFound, func() error { _, err := e.CA(ctx, "nope"); return err }},
		{"unknown parent", ErrNotFound, func() error {
			_, err := e.CreateIntermediate(ctx, CARequest{Name: "x", CommonName: "X", Parent: "nope"})
			return err
		}},
		{"unknown issuer", ErrNotFound, func() error {
			_, err := e.CreateRole(ctx, Role{Name: "x", Issuer: "nope", AllowAnyName: true})
			return err
		}},
		{"unknown CRL issuer", ErrNotFound, func() error { _, _, err := e.CRL(ctx, "nope"); return err }},
		{"unknown default issuer", ErrNotFound, func() error { return e.SetDefaultIssuer(ctx, "nope") }},
		{"unknown role to delete", ErrNotFound, func() error { return e.DeleteRole(ctx, "nope") }},
		{"unknown certificate", ErrNotFound, func() error { _, err := e.Cert(ctx, "01:02"); return err }},
	} {
		t.Run(tc.what, func(t *testing.T) {
			err := refused(t, st, tc.target, tc.fn)
			if err != nil && errors.Is(tc.target, ErrNotFound) && !strings.Contains(err.Error(), "nope") && !strings.Contains(err.Error(), "01:02") {
				t.Errorf("message %q does not name what is missing", err)
			}
		})
	}
}

// TestDefaultIssuer: the first root is the default issuer, an
// intermediate under the default takes over, and roles without an issuer
// get the default.
func TestDefaultIssuer(t *testing.T) {
	e, _, _ := newTestEngine(t)
	ctx := t.Context()
	createRoot(t, e, CARequest{Name: "root", CommonName: "Root", MaxPathLen: -1})
	createRoot(t, e, CARequest{Name: "other", CommonName: "Other", MaxPathLen: -1})
	if r := createRole(t, e, Role{Name: "a", AllowAnyName: true}); r.Issuer != "root" {
		t.Errorf("role issuer %q, want the first root", r.Issuer)
	}
	in := createIntermediate(t, e, CARequest{Name: "int", CommonName: "Int"})
	if in.Parent != "root" || !in.Default {
		t.Errorf("intermediate parent %q, default %v", in.Parent, in.Default)
	}
	if r := createRole(t, e, Role{Name: "b", AllowAnyName: true}); r.Issuer != "int" {
		t.Errorf("role issuer %q, want the intermediate", r.Issuer)
	}
	if err := e.SetDefaultIssuer(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	cas, err := e.CAs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names, defaults []string
	for _, c := range cas {
		names = append(names, c.Name)
		if c.Default {
			defaults = append(defaults, c.Name)
		}
	}
	if !slices.Equal(names, []string{"int", "other", "root"}) || !slices.Equal(defaults, []string{"other"}) {
		t.Errorf("CAs %q, default %q", names, defaults)
	}
	if in2 := createIntermediate(t, e, CARequest{Name: "int2", CommonName: "Int2", MaxPathLen: 0}); in2.Parent != "other" {
		t.Errorf("intermediate without a parent went under %q, want the default", in2.Parent)
	}
	// The CA record is reachable through CA with its chain.
	got, err := e.CA(ctx, "int")
	if err != nil || !got.Cert.Equal(in.Cert) || len(got.Chain) != 2 || got.Default {
		t.Errorf("CA(int): %+v, %v", got, err)
	}
}

// TestRoles: defaults, validation, listing and deletion.
func TestRoles(t *testing.T) {
	e, st, _ := newTestEngine(t)
	ctx := t.Context()
	createRoot(t, e, CARequest{Name: "root", CommonName: "Root", MaxPathLen: -1})
	r := createRole(t, e, Role{Name: "web", AllowedDomains: []string{" Example.COM. ", "example.com", "b.org"}})
	if !r.Server || r.Client || r.KeyType != ECP256 || r.TTL != DefaultRoleTTL || r.MaxTTL != DefaultRoleMaxTTL ||
		!slices.Equal(r.AllowedDomains, []string{"example.com", "b.org"}) || r.Issuer != "root" {
		t.Errorf("normalized role %+v", r)
	}
	if r := createRole(t, e, Role{Name: "short", AllowAnyName: true, MaxTTL: 24 * time.Hour}); r.TTL != 24*time.Hour {
		t.Errorf("default TTL %s with max 24h", r.TTL)
	}
	got, err := e.Role(ctx, "web")
	if err != nil || got.Name != "web" || !slices.Equal(got.AllowedDomains, r.AllowedDomains) {
		t.Errorf("Role(web): %+v, %v", got, err)
	}
	for _, tc := range []struct {
		r    Role
		want string
	}{
		{Role{Name: "none"}, "would allow no name"},
		{Role{Name: "ttl", AllowAnyName: true, TTL: 48 * time.Hour, MaxTTL: 24 * time.Hour}, "beyond max TTL"},
		{Role{Name: "neg", AllowAnyName: true, TTL: -time.Hour}, "TTL"},
		{Role{Name: "huge", AllowAnyName: true, MaxTTL: MaxTTL + time.Hour}, "TTL"},
		{Role{Name: "dom", AllowedDomains: []string{"bad_domain.com"}}, "allowed domain"},
		{Role{Name: "wild", AllowedDomains: []string{"*.example.com"}}, "allowed domain"},
		{Role{Name: "uri", AllowedURISANs: []string{"spiffe://x/\n"}}, "allowed URI SAN pattern"},
		{Role{Name: "kt", AllowAnyName: true, KeyType: "rsa-1024"}, "key type"},
	} {
		err := refused(t, st, ErrInvalid, func() error { _, err := e.CreateRole(ctx, tc.r); return err })
		if err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("role %s: message %q does not say %q", tc.r.Name, err, tc.want)
		}
	}
	roles, err := e.Roles(ctx)
	if err != nil || len(roles) != 2 || roles[0].Name != "short" || roles[1].Name != "web" {
		t.Errorf("Roles: %v", err)
	}
	if err := e.DeleteRole(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Role(ctx, "web"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted role: %v", err)
	}
	refused(t, st, ErrNotFound, func() error { _, err := e.Issue(ctx, Request{Role: "web", CommonName: "example.com"}); return err })
}

// TestCorruptRecords: records that do not decode, or come from a newer
// format, fail with ErrCorrupt.
func TestCorruptRecords(t *testing.T) {
	h := newHierarchy(t, ECP256)
	ctx := t.Context()
	leaf := issue(t, h.e, Request{Role: "web", CommonName: "example.com"})
	h.st.Put(rolePrefix+"web", []byte(`{"format":2,"name":"web"}`))
	if _, err := h.e.Issue(ctx, Request{Role: "web", CommonName: "example.com"}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "upgrade egide") {
		t.Errorf("newer role record: %v", err)
	}
	h.st.Put(caPrefix+"int", []byte(`{"format":1,"name":"int","cert":"AAAA"}`))
	if _, err := h.e.CA(ctx, "int"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("CA record with a bad certificate: %v", err)
	}
	h.st.Put(certKey(leaf.Cert.SerialNumber), []byte(`not json`))
	if _, err := h.e.Cert(ctx, leaf.Serial()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("certificate record: %v", err)
	}
	if _, err := h.e.List(ctx, Filter{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("List over a bad record: %v", err)
	}
	h.st.Put(crlPrefix+"root", []byte("not a CRL"))
	if _, _, err := h.e.CRL(ctx, "root"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("stored CRL: %v", err)
	}
}
