package pki

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"slices"
	"time"
)

// Request asks a role for a leaf certificate.
type Request struct {
	Role string
	// CommonName is the subject CN; a DNS name, IP or email address is
	// checked against the role and added to the SANs. It may be empty when
	// SANs are given (the certificate then has an empty subject).
	CommonName string
	// SANs are further names in ParseSAN's forms.
	SANs []string
	// TTL is the lifetime: 0 means the role's default, cut to the
	// issuer's notAfter; an explicit TTL beyond the role's max TTL or the
	// issuer's notAfter is refused.
	TTL time.Duration
}

// Issued is a signed leaf with its issuing chain.
type Issued struct {
	Cert *x509.Certificate
	// Key is the leaf's private key (nil for a signed CSR). It is never
	// stored by the engine, nor encoded with the rest (json:"-").
	Key crypto.Signer `json:"-"`
	// Chain is the issuing CA's certificate, then the CAs above it, up
	// to and including the root.
	Chain []*x509.Certificate
	// Issuer names the CA that signed.
	Issuer string
	// Truncated is set when the default TTL was cut to the issuer's
	// notAfter.
	Truncated bool
}

// Serial returns the leaf's serial number as FormatSerial prints it.
func (i *Issued) Serial() string { return FormatSerial(i.Cert.SerialNumber) }

// PEMCert encodes one DER certificate as PEM.
func PEMCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// CertPEM is the leaf alone.
func (i *Issued) CertPEM() []byte { return PEMCert(i.Cert.Raw) }

// ChainPEM is what a TLS server presents: the leaf, then the
// intermediates (the root, which clients hold, left out).
func (i *Issued) ChainPEM() []byte {
	out := i.CertPEM()
	for _, c := range i.Chain[:len(i.Chain)-1] {
		out = append(out, PEMCert(c.Raw)...)
	}
	return out
}

// RootPEM is the root CA certificate clients trust.
func (i *Issued) RootPEM() []byte { return PEMCert(i.Chain[len(i.Chain)-1].Raw) }

// KeyPEM encodes the private key as PKCS#8 PEM; the caller writes it
// 0600 and clears the slice when done.
func (i *Issued) KeyPEM() ([]byte, error) {
	if i.Key == nil {
		return nil, fmt.Errorf("%w: a signed CSR has no private key here", ErrInvalid)
	}
	der, err := marshalKey(i.Key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	clear(der)
	return out, nil
}

// Issue generates a key of the role's type and a certificate for it.
func (e *Engine) Issue(ctx context.Context, req Request) (*Issued, error) {
	p, err := e.prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	key, err := p.role.KeyType.generate(randReader)
	if err != nil {
		return nil, err
	}
	out, err := e.sign(ctx, p, key.Public())
	if err != nil {
		return nil, err
	}
	out.Key = key
	return out, nil
}

// MaxCSRSize bounds a CSR, PEM or DER.
const MaxCSRSize = 64 << 10

// ParseCSR reads a PEM ("CERTIFICATE REQUEST") or DER CSR and verifies its
// signature.
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	if len(data) > MaxCSRSize {
		return nil, fmt.Errorf("%w: more than %d KiB", ErrBadCSR, MaxCSRSize>>10)
	}
	der := data
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "CERTIFICATE REQUEST" && b.Type != "NEW CERTIFICATE REQUEST" {
			return nil, fmt.Errorf("%w: PEM block is %q, not CERTIFICATE REQUEST", ErrBadCSR, printable(b.Type))
		}
		der = b.Bytes
	} else if bytes.Contains(data, []byte("-----BEGIN")) {
		return nil, fmt.Errorf("%w: PEM does not decode", ErrBadCSR)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCSR, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: signature does not verify: %v", ErrBadCSR, err)
	}
	return csr, nil
}

// Sign issues a certificate for a CSR's public key (ParseCSR's forms); the
// private key stays with the requester. The CSR's subject CN and SANs are
// requested, checked against the role like Issue's; req.CommonName and
// req.SANs, when set, replace them.
func (e *Engine) Sign(ctx context.Context, req Request, csrData []byte) (*Issued, error) {
	csr, err := ParseCSR(csrData)
	if err != nil {
		return nil, err
	}
	if _, err := keyTypeOf(csr.PublicKey); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCSR, err)
	}
	if req.CommonName == "" {
		req.CommonName = csr.Subject.CommonName
	}
	if req.SANs == nil {
		for _, n := range csr.DNSNames {
			req.SANs = append(req.SANs, "DNS:"+n)
		}
		for _, ip := range csr.IPAddresses {
			req.SANs = append(req.SANs, "IP:"+ip.String())
		}
		for _, u := range csr.URIs {
			req.SANs = append(req.SANs, "URI:"+u.String())
		}
		for _, m := range csr.EmailAddresses {
			req.SANs = append(req.SANs, "email:"+m)
		}
	}
	if req.CommonName == "" { // a CSR with SANs only: the first one names it
		for _, n := range req.SANs {
			if s, err := ParseSAN(n); err == nil && len(s.Value) <= MaxCommonNameLen && s.Kind != SANURI {
				req.CommonName = s.Value
				break
			}
		}
	}
	p, err := e.prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	return e.sign(ctx, p, csr.PublicKey)
}

// prepared is a checked request: the role, the issuer and the template.
type prepared struct {
	role      *Role
	ca        *caState
	tmpl      *x509.Certificate
	truncated bool
}

// prepare loads the role and issuer and checks everything about the
// request before any key is made.
func (e *Engine) prepare(ctx context.Context, req Request) (*prepared, error) {
	role, err := e.Role(ctx, req.Role)
	if err != nil {
		return nil, err
	}
	ca, err := e.loadCA(ctx, role.Issuer)
	if err != nil {
		return nil, fmt.Errorf("role %q's issuer: %w", role.Name, err)
	}
	now := e.now()
	if err := e.usable(ctx, ca, now); err != nil {
		return nil, err
	}
	tmpl, err := role.template(req)
	if err != nil {
		return nil, err
	}
	p := &prepared{role: role, ca: ca, tmpl: tmpl}
	ttl := req.TTL
	switch {
	case ttl < 0:
		return nil, fmt.Errorf("%w: negative TTL", ErrInvalid)
	case ttl == 0:
		ttl = role.TTL
	case ttl > role.MaxTTL:
		return nil, refusal(fmt.Sprintf("TTL %s is beyond role %q's max TTL %s", FormatTTL(ttl), role.Name, FormatTTL(role.MaxTTL)))
	}
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-clockSkew), now.Add(ttl)
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		if req.TTL != 0 {
			return nil, refusal(fmt.Sprintf("TTL %s ends after issuer %q's notAfter (%s)", FormatTTL(ttl), ca.rec.Name, ca.cert.NotAfter.UTC().Format(time.RFC3339)))
		}
		tmpl.NotAfter, p.truncated = ca.cert.NotAfter, true
	}
	if tmpl.NotBefore.Before(ca.cert.NotBefore) {
		tmpl.NotBefore = ca.cert.NotBefore
	}
	return p, nil
}

// template checks the request's names against the role and returns the
// leaf's template: subject, SANs and usages (validity and keys left to the
// caller).
func (r *Role) template(req Request) (*x509.Certificate, error) {
	var names []SAN
	subject := req.CommonName
	switch {
	case req.CommonName == "":
		// No CN: the SANs name the certificate (RFC 5280 §4.2.1.6; Go
		// marks the extension critical then).
		if len(req.SANs) == 0 {
			return nil, fmt.Errorf("%w: give a common name or at least one SAN", ErrInvalid)
		}
	default:
		if err := checkCommonName(req.CommonName); err != nil {
			return nil, err
		}
		if cn, err := ParseSAN(req.CommonName); err == nil && cn.Kind != SANURI {
			names = append(names, cn)
			subject = cn.Value // normalized: "A.COM." is a.com, "DNS:a.com" is a.com
		} else if !r.AllowAnyName {
			return nil, fmt.Errorf("%w: common name %q is not a DNS name, IP or email address (a role with allow_any_name accepts any; or leave the CN out and give SANs)", ErrInvalid, printable(req.CommonName))
		}
	}
	for _, s := range req.SANs {
		san, err := ParseSAN(s)
		if err != nil {
			return nil, err
		}
		names = append(names, san)
	}
	if len(names) > 100 {
		return nil, fmt.Errorf("%w: more than 100 names", ErrInvalid)
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: subject},
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	seen := map[string]bool{}
	for _, n := range names {
		key := n.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		if err := r.checkName(n); err != nil {
			return nil, err
		}
		switch n.Kind {
		case SANDNS:
			tmpl.DNSNames = append(tmpl.DNSNames, n.Value)
		case SANIP:
			tmpl.IPAddresses = append(tmpl.IPAddresses, n.ip)
		case SANURI:
			tmpl.URIs = append(tmpl.URIs, n.uri)
		case SANEmail:
			tmpl.EmailAddresses = append(tmpl.EmailAddresses, n.Value)
		}
	}
	if r.Server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if r.Client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	return tmpl, nil
}

// sign completes the template for pub, signs it with the issuer and
// records it.
func (e *Engine) sign(ctx context.Context, p *prepared, pub crypto.PublicKey) (*Issued, error) {
	kt, err := keyTypeOf(pub)
	if err != nil {
		return nil, err
	}
	if kt == RSA2048 || kt == RSA4096 {
		p.tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment // RSA key exchange in TLS 1.2
	}
	if p.tmpl.SerialNumber, err = newSerial(); err != nil {
		return nil, err
	}
	if p.tmpl.SubjectKeyId, err = subjectKeyID(pub); err != nil {
		return nil, err
	}
	p.tmpl.AuthorityKeyId = p.ca.cert.SubjectKeyId // also when the CN is the CA's
	caKey, err := p.ca.key()
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(randReader, p.tmpl, p.ca.cert, pub, caKey)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := e.putCert(ctx, cert, p.ca.rec.Name, p.role.Name); err != nil {
		return nil, err
	}
	chain, err := e.chain(ctx, p.ca)
	if err != nil {
		return nil, err
	}
	return &Issued{Cert: cert, Chain: chain, Issuer: p.ca.rec.Name, Truncated: p.truncated}, nil
}

// sortCerts orders by notAfter, then serial.
func sortCerts(cs []*Cert) {
	slices.SortFunc(cs, func(a, b *Cert) int {
		if c := a.NotAfter.Compare(b.NotAfter); c != 0 {
			return c
		}
		return cmp.Compare(a.Serial, b.Serial)
	})
}
