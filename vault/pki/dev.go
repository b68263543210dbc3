package pki

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// The development CA and role that Dev makes on first use.
const (
	DevCA   = "dev"
	DevRole = "dev"
	// DevCommonName is the development root's subject CN.
	DevCommonName = "Egide development CA"
	// DevTTL is a development leaf's lifetime: 825 days, the most that
	// Apple platforms accept for a TLS server certificate.
	DevTTL = 825 * 24 * time.Hour
)

// DevDomains are the names the development CA may certify (each with its
// subdomains): localhost and the special-use and private-use names of RFC
// 6761, 6762, 8375 and ICANN's .internal. Its nameConstraints extension
// holds them, so that clients refuse anything else it signs: its key is
// shared with every project member, and a machine that trusts it must not
// trust it for public names.
var DevDomains = []string{"localhost", "test", "example", "internal", "local", "home.arpa"}

// DevIPRanges returns the addresses the development CA may certify:
// loopback, link-local and private ranges. (Parsed on first use, not at
// start-up, which every egide command pays.)
var DevIPRanges = sync.OnceValue(func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
		"::1/128", "fc00::/7", "fe80::/10"} {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			panic(err)
		}
		out = append(out, n)
	}
	return out
})

// devAllows checks a name against the development CA's constraints.
func devAllows(s SAN) error {
	switch s.Kind {
	case SANIP:
		for _, r := range DevIPRanges() {
			if r.Contains(s.ip) {
				return nil
			}
		}
		return refusal(fmt.Sprintf("the development CA certifies only loopback, link-local and private addresses, not %s", s.Value))
	case SANDNS:
		name := strings.TrimPrefix(s.Value, "*.")
		for _, d := range DevDomains {
			if name == d || strings.HasSuffix(name, "."+d) {
				return nil
			}
		}
		return refusal(fmt.Sprintf("the development CA certifies only names under %s, not %s (its key is shared with the project's members: use a project CA and a role for other names)", strings.Join(DevDomains, ", "), s.Value))
	}
	return refusal(fmt.Sprintf("the development CA certifies DNS names and IP addresses only, not %s", s))
}

// DefaultDevNames are the names of a development leaf when none are given.
var DefaultDevNames = []string{"localhost", "127.0.0.1", "::1"}

// DevResult is a development leaf and what Dev had to create for it.
type DevResult struct {
	*Issued
	// CreatedCA and CreatedRole are set when Dev made the development CA
	// or role in this call.
	CreatedCA, CreatedRole bool
}

// Dev issues a leaf for local development, like mkcert: for names (ParseSAN's
// forms; DefaultDevNames when empty), for server and client use, from the
// development root "dev" through the role "dev"; both are made first when
// missing. The development root is name-constrained to DevDomains and
// DevIPRanges, and Dev refuses other names. It never becomes the default
// issuer. The first name's value is the subject CN (when it fits RFC
// 5280's 64 characters).
func (e *Engine) Dev(ctx context.Context, names []string) (*DevResult, error) {
	if len(names) == 0 {
		names = DefaultDevNames
	}
	sans := make([]string, len(names))
	var cn string
	for i, n := range names {
		s, err := ParseSAN(n)
		if err != nil {
			return nil, err
		}
		if err := devAllows(s); err != nil {
			return nil, err
		}
		if i == 0 && len(s.Value) <= MaxCommonNameLen {
			cn = s.Value
		}
		sans[i] = s.String()
	}
	res := &DevResult{}
	req := Request{Role: DevRole, CommonName: cn, SANs: sans, TTL: 0}
	p, err := e.prepare(ctx, req)
	if errors.Is(err, ErrNotFound) {
		if err := e.ensureDev(ctx, res); err != nil {
			return nil, err
		}
		p, err = e.prepare(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	key, err := p.role.KeyType.generate(randReader)
	if err != nil {
		return nil, err
	}
	if res.Issued, err = e.sign(ctx, p, key.Public()); err != nil {
		return nil, err
	}
	res.Key = key
	return res, nil
}

// ensureDev makes the development CA and role when missing.
func (e *Engine) ensureDev(ctx context.Context, res *DevResult) error {
	if _, err := e.loadCA(ctx, DevCA); errors.Is(err, ErrNotFound) {
		_, err := e.createCA(ctx, CARequest{Name: DevCA, CommonName: DevCommonName, KeyType: ECP256, MaxPathLen: 0,
			PermittedDomains: DevDomains, PermittedIPRanges: DevIPRanges()}, false)
		if err != nil && !errors.Is(err, ErrExists) {
			return fmt.Errorf("create the development CA: %w", err)
		}
		res.CreatedCA = err == nil
	} else if err != nil {
		return err
	}
	_, err := e.Role(ctx, DevRole)
	if errors.Is(err, ErrNotFound) {
		_, err = e.CreateRole(ctx, Role{Name: DevRole, Issuer: DevCA, AllowedDomains: DevDomains, AllowSubdomains: true, AllowLocalhost: true, AllowIPSANs: true,
			Server: true, Client: true, KeyType: ECP256, TTL: DevTTL, MaxTTL: DevTTL})
		if err != nil && !errors.Is(err, ErrExists) {
			return fmt.Errorf("create the development role: %w", err)
		}
		res.CreatedRole = err == nil
		return nil
	}
	return err
}
