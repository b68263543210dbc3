package pki

import (
	"context"
	"errors"
	"fmt"
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
// development root "dev" through the role "dev", which allows any name;
// both are made first when missing. The development CA never becomes the
// default issuer. Every name must parse as a SAN (the role's
// allow_any_name would take any common name); the first name's value is
// the subject CN (when it fits RFC 5280's 64 characters).
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
		if i == 0 && len(s.Value) <= MaxCommonNameLen {
			cn = s.Value
		}
		sans[i] = s.String()
	}
	if cn == "" { // a name too long for a CN: the SANs carry it
		cn = "Egide development certificate"
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
		_, err := e.createCA(ctx, CARequest{Name: DevCA, CommonName: DevCommonName, KeyType: ECP256, MaxPathLen: 0}, false)
		if err != nil && !errors.Is(err, ErrExists) {
			return fmt.Errorf("create the development CA: %w", err)
		}
		res.CreatedCA = err == nil
	} else if err != nil {
		return err
	}
	_, err := e.Role(ctx, DevRole)
	if errors.Is(err, ErrNotFound) {
		_, err = e.CreateRole(ctx, Role{Name: DevRole, Issuer: DevCA, AllowAnyName: true, AllowLocalhost: true, AllowIPSANs: true,
			Server: true, Client: true, KeyType: ECP256, TTL: DevTTL, MaxTTL: DevTTL})
		if err != nil && !errors.Is(err, ErrExists) {
			return fmt.Errorf("create the development role: %w", err)
		}
		res.CreatedRole = err == nil
		return nil
	}
	return err
}
