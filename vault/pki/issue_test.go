package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// newKey makes a key as a requester would, outside the engine.
func newKey(t testing.TB, kt KeyType) crypto.Signer {
	t.Helper()
	k, err := kt.generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func csrDER(t testing.TB, key crypto.Signer, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// newCSR returns a DER CSR for a new key of type kt.
func newCSR(t testing.TB, kt KeyType, cn string, dnsNames []string) []byte {
	t.Helper()
	return csrDER(t, newKey(t, kt), &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}, DNSNames: dnsNames})
}

// keyMaterial returns forms in which a private key could sit in storage:
// its PKCS#8 DER, raw and base64 (as encoding/json writes []byte), and
// for ECDSA its scalar.
func keyMaterial(t testing.TB, k crypto.Signer) [][]byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	out := [][]byte{der, []byte(base64.StdEncoding.EncodeToString(der))}
	if ec, ok := k.(*ecdsa.PrivateKey); ok {
		d, err := ec.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d, []byte(base64.StdEncoding.EncodeToString(d)))
	}
	return out
}

// storedKeyOf reports the storage key under which any form of k is
// stored, or "".
func storedKeyOf(t testing.TB, st *memStorage, k crypto.Signer) string {
	t.Helper()
	forms := keyMaterial(t, k)
	for key, v := range st.Snapshot() {
		for _, f := range forms {
			if bytes.Contains(v, f) {
				return key
			}
		}
	}
	return ""
}

// checkOnlyCAKeys: the only stored records with a private key are CA
// records, each holding the key of its own certificate.
func checkOnlyCAKeys(t *testing.T, st *memStorage) {
	t.Helper()
	for key, v := range st.Snapshot() {
		var rec struct {
			Key  []byte `json:"key"`
			Cert []byte `json:"cert"`
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			continue // CRLs are DER
		}
		if !strings.HasPrefix(key, caPrefix) {
			if rec.Key != nil {
				t.Errorf("%s holds a key", key)
			}
			continue
		}
		k, err := parseKey(rec.Key)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		c, err := x509.ParseCertificate(rec.Cert)
		if err != nil || !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey) {
			t.Errorf("%s: the key is not the certificate's (%v)", key, err)
		}
	}
}

// TestIssue: what Issue returns, in every form, and what the engine
// records of it.
func TestIssue(t *testing.T) {
	h := newHierarchy(t, ECP256)
	ctx := t.Context()
	now := h.clock.Now()
	iss := issue(t, h.e, Request{Role: "web", CommonName: "www.example.com", SANs: []string{"api.example.com", "DNS:WWW.example.com.", "IP:10.0.0.1"}})
	checkLeaf(t, iss, true, false)
	if got := certSANs(iss); !slices.Equal(got, []string{"DNS:www.example.com", "DNS:api.example.com", "IP:10.0.0.1"}) {
		t.Errorf("SANs %q (the CN first, duplicates dropped)", got)
	}
	if !iss.Cert.NotBefore.Equal(now.Add(-clockSkew)) || !iss.Cert.NotAfter.Equal(now.Add(DefaultRoleTTL)) || iss.Truncated {
		t.Errorf("validity %s – %s (truncated %v), want %s – %s", iss.Cert.NotBefore, iss.Cert.NotAfter, iss.Truncated, now.Add(-clockSkew), now.Add(DefaultRoleTTL))
	}
	if iss.Issuer != "int" || len(iss.Chain) != 2 || !iss.Chain[0].Equal(h.inter.Cert) || !iss.Chain[1].Equal(h.root.Cert) {
		t.Errorf("issuer %q, chain of %d", iss.Issuer, len(iss.Chain))
	}
	if iss.Serial() != FormatSerial(iss.Cert.SerialNumber) {
		t.Errorf("Serial() = %s", iss.Serial())
	}

	// PEM forms: the leaf; the leaf and the intermediate; the root; the key.
	pemCerts := func(b []byte) []*x509.Certificate {
		var out []*x509.Certificate
		for {
			var blk *pem.Block
			if blk, b = pem.Decode(b); blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if blk.Type != "CERTIFICATE" || err != nil {
				t.Fatalf("PEM block %q: %v", blk.Type, err)
			}
			out = append(out, c)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			t.Fatalf("trailing PEM data %q", b)
		}
		return out
	}
	if cs := pemCerts(iss.CertPEM()); len(cs) != 1 || !cs[0].Equal(iss.Cert) {
		t.Errorf("CertPEM holds %d certificates", len(cs))
	}
	if cs := pemCerts(iss.ChainPEM()); len(cs) != 2 || !cs[0].Equal(iss.Cert) || !cs[1].Equal(h.inter.Cert) {
		t.Errorf("ChainPEM holds %d certificates, want the leaf and the intermediate", len(cs))
	}
	if cs := pemCerts(iss.RootPEM()); len(cs) != 1 || !cs[0].Equal(h.root.Cert) {
		t.Errorf("RootPEM is not the root")
	}
	keyPEM, err := iss.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(keyPEM)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		t.Fatalf("KeyPEM: %q", keyPEM)
	}
	if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil || !k.(crypto.Signer).Public().(*ecdsa.PublicKey).Equal(iss.Cert.PublicKey) {
		t.Errorf("KeyPEM does not hold the certificate's key: %v", err)
	}

	// The engine records the certificate, never the leaf's key.
	if k := storedKeyOf(t, h.st, iss.Key); k != "" {
		t.Errorf("the leaf's private key is stored at %s", k)
	}
	checkOnlyCAKeys(t, h.st)
	c, err := h.e.Cert(ctx, strings.ToUpper(strings.ReplaceAll(iss.Serial(), ":", "")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Serial != iss.Serial() || c.CommonName != "www.example.com" || c.Issuer != "int" || c.Role != "web" || c.IsCA ||
		!slices.Equal(c.SANs, []string{"DNS:www.example.com", "DNS:api.example.com", "IP:10.0.0.1"}) || !slices.Equal(c.Usage, []string{"server"}) ||
		!c.NotAfter.Equal(iss.Cert.NotAfter) || c.RevokedAt != nil || c.PEM != string(iss.CertPEM()) {
		t.Errorf("Cert: %+v", c)
	}
	list, err := h.e.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// The two CA certificates and the leaf, by notAfter.
	if len(list) != 3 || list[0].Serial != iss.Serial() || !list[1].IsCA || !list[2].IsCA {
		t.Errorf("List: %d certificates", len(list))
	}
	if soon, _ := h.e.List(ctx, Filter{ExpiringWithin: DefaultRoleTTL + time.Hour}); len(soon) != 1 || soon[0].Serial != iss.Serial() {
		t.Errorf("List expiring within the role's TTL: %d", len(soon))
	}
	if soon, _ := h.e.List(ctx, Filter{ExpiringWithin: DefaultRoleTTL - time.Hour}); len(soon) != 0 {
		t.Errorf("List expiring before the leaf: %d", len(soon))
	}
}

// TestSerials: serials are random, positive, at most 128 bits, distinct,
// and each is a certificate's storage key.
func TestSerials(t *testing.T) {
	h := newHierarchy(t, ECP256)
	const n = 200
	seen := map[string]bool{}
	maxBits := 0
	for range n {
		iss := issue(t, h.e, Request{Role: "web", CommonName: "s.example.com"})
		s := iss.Cert.SerialNumber
		if s.Sign() <= 0 || s.BitLen() > 128 {
			t.Fatalf("serial %x", s)
		}
		if seen[s.String()] {
			t.Fatalf("serial %x issued twice", s)
		}
		seen[s.String()] = true
		maxBits = max(maxBits, s.BitLen())
	}
	// 200 random 128-bit serials all below 2^120: probability 2^-1600.
	if maxBits < 120 {
		t.Errorf("the longest of %d serials has %d bits: not 128-bit random", n, maxBits)
	}
	keys, _ := h.st.List(t.Context(), certPrefix)
	if len(keys) != n+2 {
		t.Errorf("%d certificate records, want %d", len(keys), n+2)
	}
}

// TestTTLRules: a role's default and max TTL, the issuer's notAfter, an
// expired issuer.
func TestTTLRules(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, st, clock := h.e, h.st, h.clock
	ctx := t.Context()
	now := clock.Now()
	day := 24 * time.Hour

	// The role's max TTL.
	err := refused(t, st, ErrNotAllowed, func() error {
		_, err := e.Issue(ctx, Request{Role: "web", CommonName: "example.com", TTL: DefaultRoleMaxTTL + time.Second})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "max TTL 90d") || !strings.Contains(err.Error(), `role "web"`) {
		t.Errorf("message %q does not name the role's max TTL", err)
	}
	refused(t, st, ErrInvalid, func() error {
		_, err := e.Issue(ctx, Request{Role: "web", CommonName: "example.com", TTL: -time.Hour})
		return err
	})
	if iss := issue(t, h.e, Request{Role: "web", CommonName: "example.com", TTL: DefaultRoleMaxTTL}); !iss.Cert.NotAfter.Equal(now.Add(DefaultRoleMaxTTL)) {
		t.Errorf("TTL = max TTL: notAfter %s", iss.Cert.NotAfter)
	}
	if iss := issue(t, h.e, Request{Role: "web", CommonName: "example.com", TTL: 36 * time.Hour}); !iss.Cert.NotAfter.Equal(now.Add(36*time.Hour)) || iss.Truncated {
		t.Errorf("TTL 36h: notAfter %s, truncated %v", iss.Cert.NotAfter, iss.Truncated)
	}

	// The issuer's notAfter.
	short := createIntermediate(t, e, CARequest{Name: "short", CommonName: "Short", Parent: "root", TTL: 30 * day})
	createRole(t, e, Role{Name: "long", Issuer: "short", AllowedDomains: []string{"example.com"}, TTL: 45 * day, MaxTTL: 365 * day})
	err = refused(t, st, ErrNotAllowed, func() error {
		_, err := e.Issue(ctx, Request{Role: "long", CommonName: "example.com", TTL: 31 * day})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `issuer "short"'s notAfter`) {
		t.Errorf("message %q does not name the issuer's notAfter", err)
	}
	refused(t, st, ErrNotAllowed, func() error {
		_, err := e.Sign(ctx, Request{Role: "long", TTL: 31 * day}, newCSR(t, ECP256, "example.com", nil))
		return err
	})
	cut := issue(t, h.e, Request{Role: "long", CommonName: "example.com"})
	if !cut.Truncated || !cut.Cert.NotAfter.Equal(short.Cert.NotAfter) {
		t.Errorf("default TTL beyond the issuer: notAfter %s (issuer %s), truncated %v", cut.Cert.NotAfter, short.Cert.NotAfter, cut.Truncated)
	}
	checkLeaf(t, cut, true, false)
	if ok := issue(t, h.e, Request{Role: "long", CommonName: "example.com", TTL: 30 * day}); ok.Truncated || !ok.Cert.NotAfter.Equal(short.Cert.NotAfter) {
		t.Errorf("TTL ending at the issuer's notAfter: %s, truncated %v", ok.Cert.NotAfter, ok.Truncated)
	}

	// notBefore is never before the issuer's.
	clock.Set(short.Cert.NotBefore)
	early := issue(t, h.e, Request{Role: "long", CommonName: "example.com", TTL: day})
	if early.Cert.NotBefore.Before(short.Cert.NotBefore) {
		t.Errorf("leaf notBefore %s is before the issuer's %s", early.Cert.NotBefore, short.Cert.NotBefore)
	}

	// An expired issuer issues, signs and revokes nothing.
	clock.Set(short.Cert.NotAfter.Add(time.Second))
	before, _ := e.List(ctx, Filter{})
	for what, fn := range map[string]func() error{
		"issue": func() error { _, err := e.Issue(ctx, Request{Role: "long", CommonName: "example.com"}); return err },
		"sign": func() error {
			_, err := e.Sign(ctx, Request{Role: "long"}, newCSR(t, ECP256, "example.com", nil))
			return err
		},
		"role": func() error {
			_, err := e.CreateRole(ctx, Role{Name: "late", Issuer: "short", AllowAnyName: true})
			return err
		},
		"revoke": func() error { _, _, err := e.Revoke(ctx, []string{cut.Serial()}, ReasonSuperseded); return err },
		"crl":    func() error { _, _, err := e.CRL(ctx, "short"); return err },
	} {
		err := refused(t, st, ErrIssuerExpired, fn)
		if err == nil || !strings.Contains(err.Error(), `"short"`) || !strings.Contains(err.Error(), "expired") {
			t.Errorf("%s: message %q does not say which CA expired", what, err)
		}
	}
	if after, _ := e.List(ctx, Filter{}); len(after) != len(before) {
		t.Errorf("an expired issuer issued: %d certificates, %d before", len(after), len(before))
	}
	// … and one not yet valid neither.
	clock.Set(short.Cert.NotBefore.Add(-time.Second))
	refused(t, st, ErrIssuerExpired, func() error {
		_, err := e.Issue(ctx, Request{Role: "long", CommonName: "example.com"})
		return err
	})
}

// TestSign: a CSR's key is certified for the CSR's names as the role
// allows; the engine never holds its private key.
func TestSign(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, st := h.e, h.st
	ctx := t.Context()
	now := h.clock.Now()
	for _, kt := range []KeyType{ECP256, ECP384, Ed25519, RSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			key := newKey(t, kt)
			der := csrDER(t, key, &x509.CertificateRequest{
				Subject:        pkix.Name{CommonName: "csr.example.com", Organization: []string{"Ignored Org"}},
				DNSNames:       []string{"alt.example.com"},
				IPAddresses:    []net.IP{net.ParseIP("10.0.0.5")},
				EmailAddresses: []string{"ops@example.com"},
			})
			for i, data := range [][]byte{der, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})} {
				iss, err := e.Sign(ctx, Request{Role: "web"}, data)
				if err != nil {
					t.Fatalf("form %d: %v", i, err)
				}
				if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(iss.Cert.PublicKey) {
					t.Error("the certificate does not carry the CSR's key")
				}
				if got := certSANs(iss); !slices.Equal(got, []string{"DNS:csr.example.com", "DNS:alt.example.com", "IP:10.0.0.5", "email:ops@example.com"}) {
					t.Errorf("SANs %q", got)
				}
				if iss.Cert.Subject.CommonName != "csr.example.com" || len(iss.Cert.Subject.Organization) > 0 {
					t.Errorf("subject %s: only the CN is taken", iss.Cert.Subject)
				}
				if iss.Key != nil {
					t.Error("a signed CSR came back with a key")
				}
				if _, err := iss.KeyPEM(); !errors.Is(err, ErrInvalid) {
					t.Errorf("KeyPEM of a signed CSR: %v", err)
				}
				checkLeaf(t, iss, true, false)
				if err := verifyFor(iss.Cert, iss.Chain, now, "alt.example.com", x509.ExtKeyUsageServerAuth); err != nil {
					t.Error(err)
				}
			}
			if k := storedKeyOf(t, st, key); k != "" {
				t.Errorf("the CSR's private key is stored at %s", k)
			}
		})
	}
	checkOnlyCAKeys(t, st)

	// The request's names replace the CSR's.
	der := newCSR(t, ECP256, "csr.example.com", []string{"alt.example.com"})
	iss, err := e.Sign(ctx, Request{Role: "web", CommonName: "override.example.com", SANs: []string{}}, der)
	if err != nil {
		t.Fatal(err)
	}
	if got := certSANs(iss); iss.Cert.Subject.CommonName != "override.example.com" || !slices.Equal(got, []string{"DNS:override.example.com"}) {
		t.Errorf("override: CN %q, SANs %q", iss.Cert.Subject.CommonName, got)
	}

	// A CSR asking for more than the role gives gets a plain leaf.
	bc, err := asn1.Marshal(struct {
		IsCA bool `asn1:"optional"`
	}{true})
	if err != nil {
		t.Fatal(err)
	}
	greedy := csrDER(t, newKey(t, ECP256), &x509.CertificateRequest{
		Subject:         pkix.Name{CommonName: "greedy.example.com"},
		ExtraExtensions: []pkix.Extension{{Id: oidBasicConstraints, Critical: true, Value: bc}},
	})
	if iss, err := e.Sign(ctx, Request{Role: "web"}, greedy); err != nil {
		t.Fatal(err)
	} else if iss.Cert.IsCA || iss.Cert.KeyUsage&x509.KeyUsageCertSign != 0 {
		t.Errorf("a CSR asking for cA got IsCA %v, key usage %#x", iss.Cert.IsCA, iss.Cert.KeyUsage)
	}
}

// TestSignRefusals: bad CSRs, weak keys and names outside the role are
// refused and nothing is issued.
func TestSignRefusals(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, st := h.e, h.st
	ctx := t.Context()
	good := newCSR(t, ECP256, "csr.example.com", nil)

	flipLast := bytes.Clone(good)
	flipLast[len(flipLast)-1] ^= 0x01
	renamed := bytes.Clone(good)
	i := bytes.Index(renamed, []byte("csr.example.com"))
	renamed[i] = 'x' // "xsr.example.com": the signature covers the subject
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.root.Cert.Raw})

	for _, tc := range []struct {
		what   string
		data   []byte
		target error
		want   string
	}{
		{"tampered signature", flipLast, ErrBadCSR, "signature"},
		{"tampered subject", renamed, ErrBadCSR, "signature"},
		{"tampered PEM", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: flipLast}), ErrBadCSR, "signature"},
		{"garbage", []byte("not a CSR"), ErrBadCSR, ""},
		{"empty", nil, ErrBadCSR, ""},
		{"truncated", good[:len(good)/2], ErrBadCSR, ""},
		{"trailing data", append(bytes.Clone(good), 0), ErrBadCSR, ""},
		{"a certificate", certPEM, ErrBadCSR, "CERTIFICATE REQUEST"},
		{"broken PEM", []byte("-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n"), ErrBadCSR, "PEM"},
		{"too large", append(bytes.Clone(good), make([]byte, MaxCSRSize)...), ErrBadCSR, "KiB"},
		{"RSA-1024", csrDER(t, rsa1024, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "csr.example.com"}}), ErrBadCSR, "at least 2048"},
		{"P-224", csrDER(t, p224, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "csr.example.com"}}), ErrBadCSR, "P-224"},
		{"CN outside the role", newCSR(t, ECP256, "evil.org", nil), ErrNotAllowed, "allowed_domains"},
		{"SAN outside the role", newCSR(t, ECP256, "csr.example.com", []string{"evil.org"}), ErrNotAllowed, "allowed_domains"},
		{"no name", newCSR(t, ECP256, "", nil), ErrInvalid, "common name"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			before, _ := e.List(ctx, Filter{})
			err := refused(t, st, tc.target, func() error { _, err := e.Sign(ctx, Request{Role: "web"}, tc.data); return err })
			if err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message %q does not say %q", err, tc.want)
			}
			if after, _ := e.List(ctx, Filter{}); len(after) != len(before) {
				t.Errorf("refused, yet %d certificates listed, %d before", len(after), len(before))
			}
		})
	}
	if _, err := ParseCSR(good); err != nil {
		t.Errorf("ParseCSR of the untouched CSR: %v", err)
	}
}

// TestDev: the first Dev makes the development CA and role, and a leaf
// that works for localhost, 127.0.0.1 and ::1, for servers and clients;
// later calls reuse them.
func TestDev(t *testing.T) {
	e, st, clock := newTestEngine(t)
	ctx := t.Context()
	now := clock.Now()
	res, err := e.Dev(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.CreatedCA || !res.CreatedRole || res.Issuer != DevCA || len(res.Chain) != 1 {
		t.Fatalf("first Dev: created CA %v, role %v, issuer %q, chain of %d", res.CreatedCA, res.CreatedRole, res.Issuer, len(res.Chain))
	}
	root := res.Chain[0]
	checkCA(t, root, 0)
	if root.Subject.CommonName != DevCommonName {
		t.Errorf("dev root CN %q", root.Subject.CommonName)
	}
	checkLeaf(t, res.Issued, true, true)
	if got := certSANs(res.Issued); res.Cert.Subject.CommonName != "localhost" || !slices.Equal(got, []string{"DNS:localhost", "IP:127.0.0.1", "IP:::1"}) {
		t.Errorf("dev leaf CN %q, SANs %q", res.Cert.Subject.CommonName, got)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := verifyFor(res.Cert, res.Chain, now, host, x509.ExtKeyUsageServerAuth); err != nil {
			t.Errorf("server use for %s: %v", host, err)
		}
	}
	if err := verifyFor(res.Cert, res.Chain, now, "", x509.ExtKeyUsageClientAuth); err != nil {
		t.Errorf("client use: %v", err)
	}
	if !res.Cert.NotAfter.Equal(now.Add(DevTTL)) {
		t.Errorf("dev leaf notAfter %s, want %s", res.Cert.NotAfter, now.Add(DevTTL))
	}
	if res.Key == nil || storedKeyOf(t, st, res.Key) != "" {
		t.Error("the dev leaf's key is missing or stored")
	}

	again, err := e.Dev(ctx, []string{"myapp.test", "IP:10.1.2.3", "*.myapp.test"})
	if err != nil {
		t.Fatal(err)
	}
	if again.CreatedCA || again.CreatedRole || !again.Chain[0].Equal(root) {
		t.Errorf("second Dev: created CA %v, role %v, same root %v", again.CreatedCA, again.CreatedRole, again.Chain[0].Equal(root))
	}
	if got := certSANs(again.Issued); again.Cert.Subject.CommonName != "myapp.test" || !slices.Equal(got, []string{"DNS:myapp.test", "DNS:*.myapp.test", "IP:10.1.2.3"}) {
		t.Errorf("CN %q, SANs %q", again.Cert.Subject.CommonName, got)
	}
	if cas, _ := e.CAs(ctx); len(cas) != 1 {
		t.Errorf("%d CAs after two Dev calls", len(cas))
	}

	// A missing role alone is made again.
	if err := e.DeleteRole(ctx, DevRole); err != nil {
		t.Fatal(err)
	}
	if res, err := e.Dev(ctx, nil); err != nil || res.CreatedCA || !res.CreatedRole {
		t.Errorf("Dev without its role: %+v, %v", res, err)
	}

	// The first name's value is the CN, without its kind.
	if res, err := e.Dev(ctx, []string{"IP:10.1.2.3", "dev.test"}); err != nil || res.Cert.Subject.CommonName != "10.1.2.3" ||
		!slices.Equal(certSANs(res.Issued), []string{"DNS:dev.test", "IP:10.1.2.3"}) {
		t.Errorf("Dev(IP:10.1.2.3, dev.test): %v", err)
	}

	// Names Dev is given are still checked.
	refused(t, st, ErrInvalid, func() error { _, err := e.Dev(ctx, []string{"bad name!"}); return err })
	refused(t, st, ErrInvalid, func() error { _, err := e.Dev(ctx, []string{"localhost", "IP:300.1.1.1"}); return err })
}

// TestDevBesideOtherCAs: Dev makes its own root and leaves the default
// issuer alone.
func TestDevBesideOtherCAs(t *testing.T) {
	e, _, _ := newTestEngine(t)
	ctx := t.Context()
	corp := createRoot(t, e, CARequest{Name: "corp", CommonName: "Corp Root", MaxPathLen: -1})
	res, err := e.Dev(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.CreatedCA || res.Chain[0].Equal(corp.Cert) {
		t.Error("Dev used the existing root")
	}
	if ca, _ := e.CA(ctx, "corp"); !ca.Default {
		t.Error("Dev took over the default issuer")
	}
}

// TestDevConcurrent: Dev calls racing on an empty engine make one CA and
// one role between them, and every leaf chains to it.
func TestDevConcurrent(t *testing.T) {
	e, _, clock := newTestEngine(t)
	const n = 4
	results := make([]*DevResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := e.Dev(t.Context(), nil)
			if err != nil {
				t.Errorf("Dev %d: %v", i, err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	createdCA, createdRole := 0, 0
	for _, r := range results {
		if r.CreatedCA {
			createdCA++
		}
		if r.CreatedRole {
			createdRole++
		}
		if !r.Chain[0].Equal(results[0].Chain[0]) {
			t.Error("two development roots")
		}
		if err := verifyFor(r.Cert, r.Chain, clock.Now(), "localhost", x509.ExtKeyUsageServerAuth); err != nil {
			t.Error(err)
		}
	}
	if createdCA != 1 || createdRole != 1 {
		t.Errorf("%d calls say they made the CA, %d the role; want 1 each", createdCA, createdRole)
	}
}

// TestSignWithoutCN: a CSR that names itself only in its SANs (as many
// modern CSRs do) gets its first DNS name as the subject CN.
func TestSignWithoutCN(t *testing.T) {
	h := newHierarchy(t, ECP256)
	der := newCSR(t, ECP256, "", []string{"only-san.example.com"})
	iss, err := h.e.Sign(t.Context(), Request{Role: "web"}, der)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Cert.Subject.CommonName != "only-san.example.com" || len(iss.Cert.DNSNames) != 1 || iss.Cert.DNSNames[0] != "only-san.example.com" {
		t.Fatalf("CN %q, DNS names %q", iss.Cert.Subject.CommonName, iss.Cert.DNSNames)
	}
}

// TestDevLongName: a name longer than a CN may be still gets a dev
// certificate, carried by its SAN.
func TestDevLongName(t *testing.T) {
	e, _, _ := newTestEngine(t)
	long := strings.Repeat("a", 60) + ".example.localhost"
	res, err := e.Dev(t.Context(), []string{long})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cert.DNSNames) != 1 || res.Cert.DNSNames[0] != long || len(res.Cert.Subject.CommonName) > MaxCommonNameLen {
		t.Fatalf("CN %q, DNS names %q", res.Cert.Subject.CommonName, res.Cert.DNSNames)
	}
	if err := res.Cert.VerifyHostname(long); err != nil {
		t.Fatal(err)
	}
}

// TestRoleTTLFloor: TTLs under a second are refused, as documented.
func TestRoleTTLFloor(t *testing.T) {
	h := newHierarchy(t, ECP256)
	_, err := h.e.CreateRole(t.Context(), Role{Name: "tiny", AllowAnyName: true, TTL: time.Millisecond})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("CreateRole with a 1 ms TTL: %v, want ErrInvalid", err)
	}
}

// TestDevConstrained: the development root carries critical name
// constraints; Dev refuses public names and addresses, and a certificate
// for a public name signed by the dev CA anyway (through a role that allows
// any name) fails verification.
func TestDevConstrained(t *testing.T) {
	e, st, clock := newTestEngine(t)
	ctx := t.Context()
	res, err := e.Dev(ctx, []string{"app.test", "localhost", "192.168.1.20", "fd00::1"})
	if err != nil {
		t.Fatal(err)
	}
	root := res.Chain[0]
	if ext := extension(root, asn1.ObjectIdentifier{2, 5, 29, 30}); ext == nil || !ext.Critical {
		t.Fatalf("dev root: nameConstraints extension %v, want critical", ext)
	}
	for _, name := range []string{"app.test", "localhost"} {
		if err := verifyFor(res.Cert, res.Chain, clock.Now(), name, x509.ExtKeyUsageServerAuth); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"example.org", "app.dev", "8.8.8.8", "2001:db8::1", "URI:https://example.org/"} {
		err := refused(t, st, ErrNotAllowed, func() error { _, err := e.Dev(ctx, []string{name}); return err })
		if !strings.Contains(err.Error(), "development CA") {
			t.Errorf("%s: message %q does not name the development CA's limits", name, err)
		}
	}
	createRole(t, e, Role{Name: "anything", Issuer: DevCA, AllowAnyName: true})
	evil := issue(t, e, Request{Role: "anything", CommonName: "bank.example.org"})
	if err := verifyFor(evil.Cert, evil.Chain, clock.Now(), "bank.example.org", x509.ExtKeyUsageServerAuth); err == nil {
		t.Fatal("a dev-CA certificate for a public name verified")
	} else if !strings.Contains(err.Error(), "constraint") {
		t.Errorf("want a name constraint failure, got %v", err)
	}
}

// TestNoCommonName: with SANs, the CN may be left out (a URI-only role
// can issue at all); without either, nothing is issued.
func TestNoCommonName(t *testing.T) {
	e, st, _ := newTestEngine(t)
	ctx := t.Context()
	createRoot(t, e, CARequest{Name: "root", CommonName: "Root", MaxPathLen: -1})
	createRole(t, e, Role{Name: "spiffe", AllowedURISANs: []string{"spiffe://acme/*"}, Client: true})
	iss := issue(t, e, Request{Role: "spiffe", SANs: []string{"URI:spiffe://acme/billing"}})
	if iss.Cert.Subject.CommonName != "" || len(iss.Cert.URIs) != 1 || iss.Cert.URIs[0].String() != "spiffe://acme/billing" {
		t.Fatalf("CN %q, URIs %v", iss.Cert.Subject.CommonName, iss.Cert.URIs)
	}
	if ext := extension(iss.Cert, asn1.ObjectIdentifier{2, 5, 29, 17}); ext == nil || !ext.Critical {
		t.Errorf("SAN extension of a certificate with an empty subject: %v, want critical", ext)
	}
	refused(t, st, ErrInvalid, func() error { _, err := e.Issue(ctx, Request{Role: "spiffe"}); return err })
}

// TestIPAsDNSName: an address given as a DNS name is refused, so that a
// role without allow_ip_sans cannot be talked into one.
func TestIPAsDNSName(t *testing.T) {
	for _, s := range []string{"DNS:10.0.0.1", "DNS:1.2.3.4.", "DNS:a.123"} {
		if _, err := ParseSAN(s); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "IP address") {
			t.Errorf("ParseSAN(%q): %v, want ErrInvalid about IP addresses", s, err)
		}
	}
	if s, err := ParseSAN("DNS:123.example.com"); err != nil || s.Value != "123.example.com" {
		t.Errorf("a numeric first label: %v, %v", s, err)
	}
}

// TestIssuedJSONHoldsNoKey: encoding an Issued (or a DevResult, which
// embeds it) never carries the private key.
func TestIssuedJSONHoldsNoKey(t *testing.T) {
	h := newHierarchy(t, ECP256)
	iss := issue(t, h.e, Request{Role: "web", CommonName: "json.example.com"})
	b, err := json.Marshal(iss)
	if err != nil {
		t.Fatal(err)
	}
	d := iss.Key.(*ecdsa.PrivateKey).D.String()
	if bytes.Contains(b, []byte(d)) || bytes.Contains(b, []byte(`"Key"`)) {
		t.Fatalf("the JSON of an Issued holds its private key: %.200s…", b)
	}
}
