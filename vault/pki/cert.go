package pki

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Revocation reasons (RFC 5280 §5.3.1 CRLReason).
const (
	ReasonUnspecified          = 0
	ReasonKeyCompromise        = 1
	ReasonCACompromise         = 2
	ReasonAffiliationChanged   = 3
	ReasonSuperseded           = 4
	ReasonCessationOfOperation = 5
	ReasonCertificateHold      = 6
	ReasonPrivilegeWithdrawn   = 9
	ReasonAACompromise         = 10
)

// reasonNames are RFC 5280's names, indexed by code ("" where none).
var reasonNames = [...]string{
	ReasonUnspecified: "unspecified", ReasonKeyCompromise: "keyCompromise", ReasonCACompromise: "cACompromise",
	ReasonAffiliationChanged: "affiliationChanged", ReasonSuperseded: "superseded",
	ReasonCessationOfOperation: "cessationOfOperation", ReasonCertificateHold: "certificateHold",
	ReasonPrivilegeWithdrawn: "privilegeWithdrawn", ReasonAACompromise: "aACompromise",
}

// knownReason reports whether r is a CRLReason code.
func knownReason(r int) bool { return r >= 0 && r < len(reasonNames) && reasonNames[r] != "" }

// ReasonName returns RFC 5280's name of a revocation reason.
func ReasonName(r int) string {
	if knownReason(r) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", r)
}

// ParseReason reads a revocation reason by its RFC 5280 name, in any case
// ("keyCompromise", "superseded", …; "" is unspecified). certificateHold
// is refused: a revocation here is final.
func ParseReason(s string) (int, error) {
	if s == "" {
		return ReasonUnspecified, nil
	}
	for r, n := range reasonNames {
		if n != "" && strings.EqualFold(n, s) && r != ReasonCertificateHold {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w: revocation reason %q: use unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn or aACompromise", ErrInvalid, printable(s))
}

// FormatSerial prints a serial number as colon-separated hex octets
// ("3f:a0:…"), the form Vault prints.
func FormatSerial(s *big.Int) string {
	b := s.Bytes()
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = hex.AppendEncode(out, []byte{c})
	}
	return string(out)
}

// ParseSerial reads a serial number in hex, with or without colons or a
// "0x" prefix, in any case (Vault's "3f:a0:…", OpenSSL's "3FA0…").
func ParseSerial(s string) (*big.Int, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	t = strings.ReplaceAll(t, ":", "")
	if len(t)%2 == 1 {
		t = "0" + t
	}
	b, err := hex.DecodeString(t)
	if err != nil || len(b) == 0 || len(b) > 20 {
		return nil, fmt.Errorf("%w: serial %q: hex octets, e.g. 3f:a0:19:… as egide pki list prints them", ErrInvalid, printable(s))
	}
	n := new(big.Int).SetBytes(b)
	if n.Sign() == 0 {
		return nil, fmt.Errorf("%w: serial 0", ErrInvalid)
	}
	return n, nil
}

func certKey(s *big.Int) string { return certPrefix + hex.EncodeToString(s.Bytes()) }

// Cert describes a certificate the engine issued (CA certificates
// included).
type Cert struct {
	Serial     string    `json:"serial"`
	CommonName string    `json:"common_name"`
	SANs       []string  `json:"sans,omitempty"`
	Issuer     string    `json:"issuer"`
	Role       string    `json:"role,omitempty"`
	IsCA       bool      `json:"is_ca,omitempty"`
	Usage      []string  `json:"usage,omitempty"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	// RevokedAt is set once the certificate is revoked.
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    string     `json:"revocation_reason,omitempty"`
	// PEM is the certificate (only from Engine.Cert).
	PEM string `json:"pem,omitempty"`
}

// certRecord is a certificate as stored at "cert/<serial hex>".
type certRecord struct {
	Format    int        `json:"format"`
	Issuer    string     `json:"issuer"`
	Role      string     `json:"role,omitempty"`
	Cert      []byte     `json:"cert"`
	NotAfter  time.Time  `json:"not_after"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    int        `json:"reason,omitempty"`
}

// putCert records a newly signed certificate.
func (e *Engine) putCert(ctx context.Context, c *x509.Certificate, issuer, role string) error {
	b, err := json.Marshal(certRecord{Format: recordFormat, Issuer: issuer, Role: role, Cert: c.Raw, NotAfter: c.NotAfter.UTC()})
	if err != nil {
		return err
	}
	return e.st.Update(ctx, certKey(c.SerialNumber), func(_ []byte, ok bool) ([]byte, bool, error) {
		if ok { // 2^-128: a broken random source, not bad luck
			return nil, false, fmt.Errorf("serial %s: %w", FormatSerial(c.SerialNumber), ErrExists)
		}
		return b, true, nil
	})
}

func (e *Engine) loadCert(ctx context.Context, serial *big.Int) (*certRecord, *x509.Certificate, error) {
	var rec certRecord
	ok, err := e.getJSON(ctx, certKey(serial), &rec)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("certificate %s: %w", FormatSerial(serial), ErrNotFound)
	}
	c, err := parseRecordCert(&rec)
	if err != nil {
		return nil, nil, err
	}
	return &rec, c, nil
}

func parseRecordCert(rec *certRecord) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(rec.Cert)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate: %v", ErrCorrupt, err)
	}
	return c, nil
}

func describeCert(rec *certRecord, c *x509.Certificate) *Cert {
	out := &Cert{Serial: FormatSerial(c.SerialNumber), CommonName: c.Subject.CommonName, Issuer: rec.Issuer, Role: rec.Role,
		IsCA: c.IsCA, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), RevokedAt: rec.RevokedAt}
	for _, n := range c.DNSNames {
		out.SANs = append(out.SANs, "DNS:"+n)
	}
	for _, ip := range c.IPAddresses {
		out.SANs = append(out.SANs, "IP:"+ip.String())
	}
	for _, u := range c.URIs {
		out.SANs = append(out.SANs, "URI:"+u.String())
	}
	for _, m := range c.EmailAddresses {
		out.SANs = append(out.SANs, "email:"+m)
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageServerAuth:
			out.Usage = append(out.Usage, "server")
		case x509.ExtKeyUsageClientAuth:
			out.Usage = append(out.Usage, "client")
		}
	}
	if rec.RevokedAt != nil {
		out.Reason = ReasonName(rec.Reason)
	}
	return out
}

// Cert returns the certificate with the given serial (ParseSerial's
// forms), its PEM included.
func (e *Engine) Cert(ctx context.Context, serial string) (*Cert, error) {
	s, err := ParseSerial(serial)
	if err != nil {
		return nil, err
	}
	rec, c, err := e.loadCert(ctx, s)
	if err != nil {
		return nil, err
	}
	d := describeCert(rec, c)
	d.PEM = string(PEMCert(c.Raw))
	return d, nil
}

// Filter selects certificates for List.
type Filter struct {
	// Revoked keeps only revoked certificates.
	Revoked bool
	// ExpiringWithin, when positive, keeps only unrevoked certificates
	// whose notAfter is before now plus it (expired ones included).
	ExpiringWithin time.Duration
}

// List returns the certificates the filter selects, by notAfter, then
// serial.
func (e *Engine) List(ctx context.Context, f Filter) ([]*Cert, error) {
	keys, err := e.st.List(ctx, certPrefix)
	if err != nil {
		return nil, err
	}
	limit := e.now().Add(f.ExpiringWithin)
	out := []*Cert{}
	for _, k := range keys {
		var rec certRecord
		ok, err := e.getJSON(ctx, k, &rec)
		if err != nil {
			return nil, err
		}
		if !ok || f.Revoked && rec.RevokedAt == nil || f.ExpiringWithin > 0 && (rec.RevokedAt != nil || !rec.NotAfter.Before(limit)) {
			continue
		}
		c, err := parseRecordCert(&rec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out = append(out, describeCert(&rec, c))
	}
	sortCerts(out)
	return out, nil
}
