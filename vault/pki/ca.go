package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Default CA lifetimes when a request gives no TTL.
const (
	DefaultRootTTL         = 10 * 365 * 24 * time.Hour
	DefaultIntermediateTTL = 5 * 365 * 24 * time.Hour
)

// MaxCommonNameLen is RFC 5280's upper bound for a common name.
const MaxCommonNameLen = 64

// clockSkew back-dates notBefore so that machines a little behind accept a
// certificate at once.
const clockSkew = 30 * time.Second

// CA describes a certificate authority of the engine.
type CA struct {
	Name    string
	KeyType KeyType
	// Parent is the CA that signed this one; "" for a root.
	Parent string
	// Default is set on the CA that roles created without an issuer use.
	Default bool
	Created time.Time
	Cert    *x509.Certificate
	// Chain is Cert, then the CAs above it up to the root.
	Chain []*x509.Certificate
}

// Root reports whether the CA is self-signed.
func (c *CA) Root() bool { return c.Parent == "" }

// caRecord is a CA as stored at "ca/<name>": its certificate and its
// private key (PKCS#8), which never leave the engine.
type caRecord struct {
	Format  int       `json:"format"`
	Name    string    `json:"name"`
	KeyType KeyType   `json:"key_type"`
	Parent  string    `json:"parent,omitempty"`
	Created time.Time `json:"created"`
	Cert    []byte    `json:"cert"`
	Key     []byte    `json:"key"`
}

// caState is a loaded CA: its record, certificate and (once needed) key.
type caState struct {
	rec    caRecord
	cert   *x509.Certificate
	signer crypto.Signer
}

func (e *Engine) loadCA(ctx context.Context, name string) (*caState, error) {
	if err := ValidateName("CA", name); err != nil {
		return nil, err
	}
	var rec caRecord
	ok, err := e.getJSON(ctx, caPrefix+name, &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("CA %q: %w", name, ErrNotFound)
	}
	cert, err := x509.ParseCertificate(rec.Cert)
	if err != nil {
		return nil, fmt.Errorf("CA %q: %w: certificate: %v", name, ErrCorrupt, err)
	}
	return &caState{rec: rec, cert: cert}, nil
}

// key parses the CA's private key.
func (c *caState) key() (crypto.Signer, error) {
	if c.signer == nil {
		k, err := parseKey(c.rec.Key)
		if err != nil {
			return nil, fmt.Errorf("CA %q: %w", c.rec.Name, err)
		}
		c.signer = k
	}
	return c.signer, nil
}

// validAt fails with ErrIssuerExpired when t is outside the CA's validity.
func (c *caState) validAt(t time.Time) error {
	if t.Before(c.cert.NotBefore) {
		return fmt.Errorf("CA %q: %w: not valid before %s", c.rec.Name, ErrIssuerExpired, c.cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if t.After(c.cert.NotAfter) {
		return fmt.Errorf("CA %q: %w: expired %s", c.rec.Name, ErrIssuerExpired, c.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// usable fails unless the CA can sign at t: valid then, and neither it
// nor a CA above it revoked (ErrIssuerRevoked).
func (e *Engine) usable(ctx context.Context, c *caState, t time.Time) error {
	if err := c.validAt(t); err != nil {
		return err
	}
	for cur, depth := c, 0; ; depth++ {
		if depth > 16 {
			return fmt.Errorf("CA %q: %w: chain longer than 16", c.rec.Name, ErrCorrupt)
		}
		var rec certRecord
		ok, err := e.getJSON(ctx, certKey(cur.cert.SerialNumber), &rec)
		if err != nil {
			return err
		}
		if ok && rec.RevokedAt != nil {
			return fmt.Errorf("CA %q: %w: its certificate was revoked on %s (%s)", cur.rec.Name, ErrIssuerRevoked,
				rec.RevokedAt.UTC().Format(time.RFC3339), ReasonName(rec.Reason))
		}
		if cur.rec.Parent == "" {
			return nil
		}
		if cur, err = e.loadCA(ctx, cur.rec.Parent); err != nil {
			return fmt.Errorf("CA %q's parent: %w", c.rec.Name, err)
		}
	}
}

// chain returns the CA's certificate and those above it, up to the root.
func (e *Engine) chain(ctx context.Context, c *caState) ([]*x509.Certificate, error) {
	out := []*x509.Certificate{c.cert}
	for p := c.rec.Parent; p != ""; {
		if len(out) > 16 {
			return nil, fmt.Errorf("CA %q: %w: chain longer than 16", c.rec.Name, ErrCorrupt)
		}
		pc, err := e.loadCA(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("CA %q's parent: %w", c.rec.Name, err)
		}
		out = append(out, pc.cert)
		p = pc.rec.Parent
	}
	return out, nil
}

func (e *Engine) describe(ctx context.Context, c *caState, defaultIssuer string) (*CA, error) {
	chain, err := e.chain(ctx, c)
	if err != nil {
		return nil, err
	}
	return &CA{Name: c.rec.Name, KeyType: c.rec.KeyType, Parent: c.rec.Parent, Default: c.rec.Name == defaultIssuer,
		Created: c.rec.Created, Cert: c.cert, Chain: chain}, nil
}

// CARequest asks for a new CA.
type CARequest struct {
	// Name names the CA in the engine (ValidateName).
	Name string
	// CommonName is the CA certificate's subject CN.
	CommonName string
	// KeyType defaults to ec-p256.
	KeyType KeyType
	// TTL is the CA's lifetime: 0 means the default (DefaultRootTTL,
	// DefaultIntermediateTTL), cut to the parent's notAfter; an explicit
	// TTL that ends after the parent is refused.
	TTL time.Duration
	// MaxPathLen is the basicConstraints path length: -1 for none, 0 for
	// a CA that may issue only leaves.
	MaxPathLen int
	// Parent is the signing CA of an intermediate ("" for a root).
	Parent string
	// PermittedDomains and PermittedIPRanges, when set, become a critical
	// nameConstraints extension (RFC 5280 §4.2.1.10): certificates below
	// the CA are valid only for those DNS names (a domain and its
	// subdomains; also for email and URI hosts) and IP ranges.
	PermittedDomains  []string
	PermittedIPRanges []*net.IPNet
}

// CreateRoot makes a self-signed root CA. The first CA becomes the default
// issuer.
func (e *Engine) CreateRoot(ctx context.Context, req CARequest) (*CA, error) {
	req.Parent = ""
	return e.createCA(ctx, req, true)
}

// CreateIntermediate makes a CA signed by req.Parent (the default issuer
// when empty). It becomes the default issuer when there is none or when
// its parent was.
func (e *Engine) CreateIntermediate(ctx context.Context, req CARequest) (*CA, error) {
	if req.Parent == "" {
		cfg, err := e.config(ctx)
		if err != nil {
			return nil, err
		}
		if cfg.DefaultIssuer == "" {
			return nil, fmt.Errorf("%w: no parent given and no default CA: create a root first", ErrInvalid)
		}
		req.Parent = cfg.DefaultIssuer
	}
	return e.createCA(ctx, req, true)
}

// createCA makes a CA; with mayDefault it becomes the default issuer when
// there is none or its parent was.
func (e *Engine) createCA(ctx context.Context, req CARequest, mayDefault bool) (*CA, error) {
	if err := ValidateName("CA", req.Name); err != nil {
		return nil, err
	}
	if err := checkCommonName(req.CommonName); err != nil {
		return nil, err
	}
	kt, err := ParseKeyType(string(req.KeyType))
	if err != nil {
		return nil, err
	}
	if req.TTL < 0 || req.MaxPathLen < -1 {
		return nil, fmt.Errorf("%w: negative TTL or path length", ErrInvalid)
	}
	if _, ok, err := e.st.Get(ctx, caPrefix+req.Name); err != nil {
		return nil, err
	} else if ok {
		return nil, fmt.Errorf("CA %q: %w", req.Name, ErrExists)
	}
	now := e.now()
	ttl, explicit := req.TTL, req.TTL != 0
	if !explicit {
		ttl = DefaultRootTTL
		if req.Parent != "" {
			ttl = DefaultIntermediateTTL
		}
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: req.CommonName},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(ttl),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            req.MaxPathLen,
		MaxPathLenZero:        req.MaxPathLen == 0,
	}
	if len(req.PermittedDomains) > 0 || len(req.PermittedIPRanges) > 0 {
		for _, d := range req.PermittedDomains {
			if err := checkDNSName(d, false); err != nil {
				return nil, fmt.Errorf("%w: permitted domain %q: %v", ErrInvalid, printable(d), err)
			}
		}
		tmpl.PermittedDNSDomainsCritical = true
		tmpl.PermittedDNSDomains = req.PermittedDomains
		tmpl.PermittedEmailAddresses = req.PermittedDomains
		tmpl.PermittedURIDomains = req.PermittedDomains
		tmpl.PermittedIPRanges = req.PermittedIPRanges
	}
	key, err := kt.generate(randReader)
	if err != nil {
		return nil, err
	}
	parentCert, parentKey := tmpl, key
	var parent *caState
	if req.Parent != "" {
		if parent, err = e.loadCA(ctx, req.Parent); err != nil {
			return nil, fmt.Errorf("parent: %w", err)
		}
		if err := e.usable(ctx, parent, now); err != nil {
			return nil, err
		}
		if pl := parent.cert.MaxPathLen; pl == 0 && parent.cert.MaxPathLenZero {
			return nil, refusal(fmt.Sprintf("CA %q has path length 0: it may issue only leaf certificates (give --parent a CA that may issue CAs, e.g. a root)", req.Parent))
		} else if pl > 0 {
			switch {
			case req.MaxPathLen == -1:
				tmpl.MaxPathLen, tmpl.MaxPathLenZero = pl-1, pl-1 == 0
			case req.MaxPathLen >= pl:
				return nil, refusal(fmt.Sprintf("path length %d: CA %q allows at most %d below it", req.MaxPathLen, req.Parent, pl-1))
			}
		}
		if tmpl.NotAfter.After(parent.cert.NotAfter) {
			if explicit {
				return nil, refusal(fmt.Sprintf("TTL %s ends after CA %q's notAfter (%s)", FormatTTL(ttl), req.Parent, parent.cert.NotAfter.UTC().Format(time.RFC3339)))
			}
			tmpl.NotAfter = parent.cert.NotAfter
		}
		if tmpl.NotBefore.Before(parent.cert.NotBefore) {
			tmpl.NotBefore = parent.cert.NotBefore
		}
		if parentKey, err = parent.key(); err != nil {
			return nil, err
		}
		parentCert = parent.cert
		// crypto/x509 leaves the authority key id out when the subject
		// equals the issuer's name; set it always.
		tmpl.AuthorityKeyId = parent.cert.SubjectKeyId
	}
	if tmpl.SerialNumber, err = newSerial(); err != nil {
		return nil, err
	}
	if tmpl.SubjectKeyId, err = subjectKeyID(key.Public()); err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(randReader, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("sign CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := marshalKey(key)
	if err != nil {
		return nil, err
	}
	// Three writes, ordered for crashes: the certificate's index entry
	// (alone, it is a listed certificate of no CA), the CA (alone, a CA
	// that 'ca default' can make the default), the default issuer.
	issuer := req.Name
	if parent != nil {
		issuer = parent.rec.Name
	}
	if err := e.putCert(ctx, cert, issuer, ""); err != nil {
		return nil, err
	}
	rec := caRecord{Format: recordFormat, Name: req.Name, KeyType: kt, Parent: req.Parent, Created: now.UTC(), Cert: der, Key: keyDER}
	if err := e.create(ctx, caPrefix+req.Name, fmt.Sprintf("CA %q", req.Name), rec); err != nil {
		return nil, err
	}
	cfg, err := e.config(ctx)
	if err != nil {
		return nil, err
	}
	if mayDefault && (cfg.DefaultIssuer == "" || parent != nil && cfg.DefaultIssuer == parent.rec.Name) {
		if err := e.setDefaultIssuer(ctx, req.Name, false); err != nil {
			return nil, err
		}
	}
	st := &caState{rec: rec, cert: cert, signer: key}
	def, err := e.defaultIssuer(ctx)
	if err != nil {
		return nil, err
	}
	return e.describe(ctx, st, def)
}

// defaultIssuer returns the default issuer's name, "" when there is none.
func (e *Engine) defaultIssuer(ctx context.Context) (string, error) {
	cfg, err := e.config(ctx)
	return cfg.DefaultIssuer, err
}

// CA returns the named CA.
func (e *Engine) CA(ctx context.Context, name string) (*CA, error) {
	c, err := e.loadCA(ctx, name)
	if err != nil {
		return nil, err
	}
	def, err := e.defaultIssuer(ctx)
	if err != nil {
		return nil, err
	}
	return e.describe(ctx, c, def)
}

// CAs returns every CA, sorted by name.
func (e *Engine) CAs(ctx context.Context) ([]*CA, error) {
	names, err := e.st.List(ctx, caPrefix)
	if err != nil {
		return nil, err
	}
	def, err := e.defaultIssuer(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*CA, 0, len(names))
	for _, n := range names {
		c, err := e.loadCA(ctx, n[len(caPrefix):])
		if err != nil {
			return nil, err
		}
		d, err := e.describe(ctx, c, def)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// newSerial returns a random positive 128-bit serial number.
func newSerial() (*big.Int, error) {
	var b [16]byte
	for {
		if _, err := randReader.Read(b[:]); err != nil {
			return nil, fmt.Errorf("serial: %w", err)
		}
		if s := new(big.Int).SetBytes(b[:]); s.Sign() > 0 {
			return s, nil
		}
	}
}

// checkCommonName accepts 1 to 64 printable characters.
func checkCommonName(cn string) error {
	if cn == "" || len(cn) > MaxCommonNameLen {
		return fmt.Errorf("%w: a common name is 1 to %d characters", ErrInvalid, MaxCommonNameLen)
	}
	for _, r := range cn {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: common name has a control character", ErrInvalid)
		}
	}
	return nil
}
