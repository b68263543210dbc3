package pki

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role defaults.
const (
	DefaultRoleMaxTTL = 90 * 24 * time.Hour
	DefaultRoleTTL    = 30 * 24 * time.Hour
)

// Role limits what may be issued: by which CA, for which names, for what
// use, with which key type and for how long.
type Role struct {
	Format int    `json:"format"`
	Name   string `json:"name"`
	// Issuer is the CA that signs (the default issuer at creation when
	// empty in the request).
	Issuer string `json:"issuer"`
	// AllowedDomains are allowed themselves, and their subdomains too
	// with AllowSubdomains ("*.d" wildcards need it as well).
	AllowedDomains  []string `json:"allowed_domains,omitempty"`
	AllowSubdomains bool     `json:"allow_subdomains,omitempty"`
	// AllowLocalhost allows localhost, localhost.localdomain and names
	// under .localhost.
	AllowLocalhost bool `json:"allow_localhost,omitempty"`
	AllowIPSANs    bool `json:"allow_ip_sans,omitempty"`
	// AllowedURISANs are patterns ('*' for any run) URI SANs must match.
	AllowedURISANs []string `json:"allowed_uri_sans,omitempty"`
	// AllowAnyName lifts the name rules (DNS, email, URI), as for a
	// development CA; IP SANs still need AllowIPSANs.
	AllowAnyName bool `json:"allow_any_name,omitempty"`
	// Server and Client select the extended key usages of issued leaves;
	// at least one is set.
	Server bool `json:"server"`
	Client bool `json:"client"`
	// KeyType is the type of keys issue generates; sign accepts any type
	// the engine accepts.
	KeyType KeyType       `json:"key_type"`
	TTL     time.Duration `json:"ttl"`
	MaxTTL  time.Duration `json:"max_ttl"`
}

// normalize checks a role request and fills in its defaults.
func (r *Role) normalize() error {
	if err := ValidateName("role", r.Name); err != nil {
		return err
	}
	kt, err := ParseKeyType(string(r.KeyType))
	if err != nil {
		return err
	}
	r.KeyType = kt
	if !r.Server && !r.Client {
		r.Server = true
	}
	if r.MaxTTL == 0 {
		r.MaxTTL = DefaultRoleMaxTTL
	}
	if r.TTL == 0 {
		r.TTL = min(DefaultRoleTTL, r.MaxTTL)
	}
	if r.TTL < time.Second || r.MaxTTL < time.Second || r.MaxTTL > MaxTTL {
		return fmt.Errorf("%w: TTLs are between 1s and 100y", ErrInvalid)
	}
	if r.TTL > r.MaxTTL {
		return fmt.Errorf("%w: default TTL %s is beyond max TTL %s", ErrInvalid, FormatTTL(r.TTL), FormatTTL(r.MaxTTL))
	}
	domains := make([]string, 0, len(r.AllowedDomains))
	for _, d := range r.AllowedDomains {
		d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
		if err := checkDNSName(d, false); err != nil {
			return fmt.Errorf("%w: allowed domain %q: %v", ErrInvalid, printable(d), err)
		}
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	r.AllowedDomains = domains
	for _, g := range r.AllowedURISANs {
		if g == "" || len(g) > MaxSANLen || !isASCII(g) || hasControl(g) {
			return fmt.Errorf("%w: allowed URI SAN pattern %q", ErrInvalid, printable(g))
		}
	}
	if len(r.AllowedDomains) == 0 && !r.AllowLocalhost && !r.AllowAnyName && !r.AllowIPSANs && len(r.AllowedURISANs) == 0 {
		return fmt.Errorf("%w: role %q would allow no name: give allowed domains, --allow-localhost, --allow-ip-sans, --allowed-uri-sans or --allow-any-name", ErrInvalid, r.Name)
	}
	r.Format = recordFormat
	return nil
}

// CreateRole stores a new role. An empty Issuer means the default issuer,
// which must exist.
func (e *Engine) CreateRole(ctx context.Context, r Role) (*Role, error) {
	if err := r.normalize(); err != nil {
		return nil, err
	}
	if r.Issuer == "" {
		cfg, err := e.config(ctx)
		if err != nil {
			return nil, err
		}
		if cfg.DefaultIssuer == "" {
			return nil, fmt.Errorf("%w: role %q: no issuer given and no CA yet: create a root first (egide pki root create)", ErrInvalid, r.Name)
		}
		r.Issuer = cfg.DefaultIssuer
	}
	ca, err := e.loadCA(ctx, r.Issuer)
	if err != nil {
		return nil, fmt.Errorf("role %q's issuer: %w", r.Name, err)
	}
	if err := e.usable(ctx, ca, e.now()); err != nil {
		return nil, err
	}
	if err := e.create(ctx, rolePrefix+r.Name, fmt.Sprintf("role %q", r.Name), r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Role returns the named role.
func (e *Engine) Role(ctx context.Context, name string) (*Role, error) {
	if err := ValidateName("role", name); err != nil {
		return nil, err
	}
	var r Role
	ok, err := e.getJSON(ctx, rolePrefix+name, &r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("role %q: %w", name, ErrNotFound)
	}
	return &r, nil
}

// Roles returns every role, sorted by name.
func (e *Engine) Roles(ctx context.Context) ([]*Role, error) {
	names, err := e.st.List(ctx, rolePrefix)
	if err != nil {
		return nil, err
	}
	out := make([]*Role, 0, len(names))
	for _, n := range names {
		r, err := e.Role(ctx, n[len(rolePrefix):])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// DeleteRole removes a role; certificates it issued stay valid.
func (e *Engine) DeleteRole(ctx context.Context, name string) error {
	if err := ValidateName("role", name); err != nil {
		return err
	}
	return e.st.Update(ctx, rolePrefix+name, func(_ []byte, ok bool) ([]byte, bool, error) {
		if !ok {
			return nil, false, fmt.Errorf("role %q: %w", name, ErrNotFound)
		}
		return nil, false, nil
	})
}
