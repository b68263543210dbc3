package pki

import (
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/egide/egide/vault/internal/testtool"
)

func requireOpenSSL(t *testing.T) string { return testtool.Require(t, "openssl") }

// opensslDir holds the files of one OpenSSL test.
type opensslDir struct {
	t       *testing.T
	openssl string
	dir     string
}

func newOpenSSLDir(t *testing.T) *opensslDir {
	return &opensslDir{t: t, openssl: requireOpenSSL(t), dir: t.TempDir()}
}

// write stores data as file in the directory and returns its path.
func (d *opensslDir) write(file string, data []byte) string {
	d.t.Helper()
	p := filepath.Join(d.dir, file)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		d.t.Fatal(err)
	}
	return p
}

// run runs openssl in the directory and returns its combined output.
func (d *opensslDir) run(args ...string) (string, error) {
	cmd := exec.CommandContext(d.t.Context(), d.openssl, args...)
	cmd.Dir = d.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ok runs openssl, which must succeed with output matching every pattern;
// the output is shown only when it does not.
func (d *opensslDir) ok(args []string, patterns ...string) string {
	d.t.Helper()
	out, err := d.run(args...)
	if err != nil {
		d.t.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		return out
	}
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			d.t.Errorf("openssl %s: output does not match %q:\n%s", strings.Join(args, " "), p, out)
		}
	}
	return out
}

// fails runs openssl, which must fail with output matching pattern.
func (d *opensslDir) fails(args []string, pattern string) {
	d.t.Helper()
	out, err := d.run(args...)
	if err == nil || !regexp.MustCompile(pattern).MatchString(out) {
		d.t.Errorf("openssl %s: %v, want a failure matching %q:\n%s", strings.Join(args, " "), err, pattern, out)
	}
}

func pemCRL(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}) }

// opensslSerial is a serial as openssl prints it: uppercase hex octets.
func opensslSerial(iss *Issued) string {
	return strings.ToUpper(hex.EncodeToString(iss.Cert.SerialNumber.Bytes()))
}

// TestOpenSSLVerify: for every key type OpenSSL verifies the engine's
// chains for their purpose, and with the engine's CRLs finds the revoked
// leaf revoked and the other one good.
func TestOpenSSLVerify(t *testing.T) {
	requireOpenSSL(t)
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			d := newOpenSSLDir(t)
			h := newHierarchy(t, kt)
			leafKT := kt
			if kt == RSA4096 {
				leafKT = RSA2048
			}
			createRole(t, h.e, Role{Name: "srv", Issuer: "int", AllowedDomains: []string{"example.com"}, AllowSubdomains: true, KeyType: leafKT})
			good := issue(t, h.e, Request{Role: "srv", CommonName: "good.example.com"})
			revoked := issue(t, h.e, Request{Role: "srv", CommonName: "revoked.example.com"})
			client := issue(t, h.e, Request{Role: "client", CommonName: "agent.clients.example.com"})
			if _, _, err := h.e.Revoke(t.Context(), []string{revoked.Serial()}, ReasonKeyCompromise); err != nil {
				t.Fatal(err)
			}
			intCRL, _, err := h.e.CRL(t.Context(), "int")
			if err != nil {
				t.Fatal(err)
			}
			rootCRL, _, err := h.e.CRL(t.Context(), "root")
			if err != nil {
				t.Fatal(err)
			}
			d.write("root.pem", good.RootPEM())
			d.write("int.pem", PEMCert(h.inter.Cert.Raw))
			d.write("good.pem", good.CertPEM())
			d.write("revoked.pem", revoked.CertPEM())
			d.write("client.pem", client.CertPEM())
			d.write("crl.pem", pemCRL(intCRL))
			d.write("crls.pem", append(pemCRL(intCRL), pemCRL(rootCRL)...))
			d.write("bundle.pem", append(good.RootPEM(), PEMCert(h.inter.Cert.Raw)...))
			e, _, _ := newTestEngine(t)
			d.write("other.pem", PEMCert(createRoot(t, e, CARequest{Name: "other", CommonName: h.root.Cert.Subject.CommonName, MaxPathLen: -1}).Cert.Raw))

			chain := []string{"verify", "-CAfile", "root.pem", "-untrusted", "int.pem"}
			with := func(args ...string) []string { return append(append([]string{}, chain...), args...) }
			d.ok(with("good.pem"), `good\.pem: OK`)
			d.ok(with("revoked.pem"), `revoked\.pem: OK`) // no CRL check asked
			d.ok(with("-purpose", "sslserver", "good.pem"), `good\.pem: OK`)
			d.fails(with("-purpose", "sslclient", "good.pem"), `unsuitable certificate purpose|unsupported certificate purpose`)
			d.ok(with("-purpose", "sslclient", "client.pem"), `client\.pem: OK`)
			d.fails(with("-purpose", "sslserver", "client.pem"), `unsuitable certificate purpose|unsupported certificate purpose`)
			d.fails([]string{"verify", "-CAfile", "other.pem", "-untrusted", "int.pem", "good.pem"}, `error 20|unable to get local issuer|certificate signature failure|error 7`)

			// The CRLs: the leaf's issuer's alone, then every level's.
			d.fails(with("-crl_check", "-CRLfile", "crl.pem", "revoked.pem"), `certificate revoked`)
			d.ok(with("-crl_check", "-CRLfile", "crl.pem", "good.pem"), `good\.pem: OK`)
			d.ok(with("-crl_check_all", "-CRLfile", "crls.pem", "good.pem"), `good\.pem: OK`)
			d.fails(with("-crl_check_all", "-CRLfile", "crls.pem", "revoked.pem"), `certificate revoked`)
			d.fails(with("-crl_check_all", "-CRLfile", "crl.pem", "good.pem"), `unable to get certificate CRL`) // the root's is needed too
			d.ok([]string{"crl", "-in", "crl.pem", "-CAfile", "bundle.pem", "-noout"}, `verify OK`)
		})
	}
}

// TestOpenSSLCRLText: `openssl crl -text` prints the revoked serials,
// their reasons, the CRL number and nextUpdate.
func TestOpenSSLCRLText(t *testing.T) {
	d := newOpenSSLDir(t)
	h := newHierarchy(t, ECP256)
	a := issue(t, h.e, Request{Role: "web", CommonName: "a.example.com"})
	b := issue(t, h.e, Request{Role: "web", CommonName: "b.example.com"})
	kept := issue(t, h.e, Request{Role: "web", CommonName: "kept.example.com"})
	if _, _, err := h.e.Revoke(t.Context(), []string{a.Serial()}, ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.e.Revoke(t.Context(), []string{b.Serial()}, ReasonSuperseded); err != nil {
		t.Fatal(err)
	}
	der, _, err := h.e.CRL(t.Context(), "int")
	if err != nil {
		t.Fatal(err)
	}
	d.write("crl.der", der)
	out := d.ok([]string{"crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text"},
		`Serial Number: `+opensslSerial(a)+`\s+Revocation Date: .*\n\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise`,
		`Serial Number: `+opensslSerial(b)+`\s+Revocation Date: .*\n\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Superseded`,
		`X509v3 CRL Number:\s+2\n`,
		`Next Update: \w+`,
		`Last Update: \w+`,
		`X509v3 Authority Key Identifier`,
		`Issuer: CN ?= ?Test Intermediate ec-p256`,
	)
	if strings.Contains(out, opensslSerial(kept)) {
		t.Errorf("openssl lists the unrevoked serial %s:\n%s", opensslSerial(kept), out)
	}
	if n := strings.Count(out, "Serial Number:"); n != 2 {
		t.Errorf("openssl lists %d serials, want 2:\n%s", n, out)
	}
}

// TestOpenSSLCertText: `openssl x509 -text` shows the CA and leaf
// profiles.
func TestOpenSSLCertText(t *testing.T) {
	d := newOpenSSLDir(t)
	h := newHierarchy(t, ECP256)
	createIntermediate(t, h.e, CARequest{Name: "int2", CommonName: "Two Below", Parent: "root", MaxPathLen: 2})
	two, err := h.e.CA(t.Context(), "int2")
	if err != nil {
		t.Fatal(err)
	}
	leaf := issue(t, h.e, Request{Role: "web", CommonName: "svc.example.com", SANs: []string{"IP:10.0.0.1"}})
	d.write("root.pem", PEMCert(h.root.Cert.Raw))
	d.write("int.pem", PEMCert(h.inter.Cert.Raw))
	d.write("int2.pem", PEMCert(two.Cert.Raw))
	d.write("leaf.pem", leaf.CertPEM())
	text := func(file string) []string { return []string{"x509", "-in", file, "-noout", "-text"} }
	const caKeyUsage = `X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n`
	out := d.ok(text("root.pem"), `X509v3 Basic Constraints: critical\s+CA:TRUE\n`, caKeyUsage, `X509v3 Subject Key Identifier`)
	if strings.Contains(out, "pathlen") {
		t.Errorf("the root has a path length:\n%s", out)
	}
	d.ok(text("int.pem"), `X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0\n`, caKeyUsage, `X509v3 Authority Key Identifier`)
	d.ok(text("int2.pem"), `X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:2\n`, caKeyUsage)
	d.ok(text("leaf.pem"),
		`X509v3 Basic Constraints: critical\s+CA:FALSE\n`,
		`X509v3 Key Usage: critical\s+Digital Signature\n`,
		`X509v3 Extended Key Usage:\s+TLS Web Server Authentication\n`,
		`X509v3 Subject Alternative Name:\s+DNS:svc\.example\.com, IP Address:10\.0\.0\.1\n`,
		`X509v3 Authority Key Identifier`,
		`Serial Number:\s+(`+regexp.QuoteMeta(leaf.Serial())+`|`+leaf.Cert.SerialNumber.String()+`)`,
	)
}
