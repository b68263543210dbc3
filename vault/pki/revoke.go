package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// Revoke revokes certificates by serial (ParseSerial's forms) for a reason
// (ParseReason's codes). Every serial is checked first: an unknown serial,
// one already revoked or a root's own certificate fails the whole call and
// nothing changes. Each issuer's CRL is then re-signed once, listing the
// new entries, before the call returns; it returns the revoked
// certificates and those CRLs, by issuer.
func (e *Engine) Revoke(ctx context.Context, serials []string, reason int) ([]*Cert, []*CRLInfo, error) {
	if !knownReason(reason) || reason == ReasonCertificateHold {
		return nil, nil, fmt.Errorf("%w: revocation reason %d", ErrInvalid, reason)
	}
	if len(serials) == 0 {
		return nil, nil, fmt.Errorf("%w: no serial given", ErrInvalid)
	}
	type target struct {
		serial   *big.Int
		rec      *certRecord
		isCA     bool
		notAfter time.Time
	}
	byIssuer := map[string][]target{}
	seen := map[string]bool{}
	for _, s := range serials {
		n, err := ParseSerial(s)
		if err != nil {
			return nil, nil, err
		}
		if seen[n.String()] {
			continue
		}
		seen[n.String()] = true
		rec, c, err := e.loadCert(ctx, n)
		if err != nil {
			return nil, nil, err
		}
		if rec.RevokedAt != nil {
			return nil, nil, fmt.Errorf("certificate %s: %w on %s", FormatSerial(n), ErrRevoked, rec.RevokedAt.UTC().Format(time.RFC3339))
		}
		if c.IsCA && bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
			return nil, nil, refusal(fmt.Sprintf("certificate %s is root CA %q's own: a root is not revoked, it is distrusted (egide pki trust --uninstall)", FormatSerial(n), rec.Issuer))
		}
		byIssuer[rec.Issuer] = append(byIssuer[rec.Issuer], target{n, rec, c.IsCA, c.NotAfter})
	}
	cas := map[string]*caState{}
	for issuer := range byIssuer {
		ca, err := e.loadCA(ctx, issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("issuer of the certificates: %w", err)
		}
		if err := ca.validAt(e.now()); err != nil {
			return nil, nil, fmt.Errorf("%w (its certificates expired with it)", err)
		}
		cas[issuer] = ca
		for _, t := range byIssuer[issuer] {
			if e.now().After(t.notAfter) {
				return nil, nil, refusal(fmt.Sprintf("certificate %s expired on %s: an expired certificate fails validation by itself, and 'egide pki tidy' drops it", FormatSerial(t.serial), t.notAfter.UTC().Format(time.RFC3339)))
			}
		}
	}
	at := e.now().UTC().Truncate(time.Second)
	issuers := make([]string, 0, len(byIssuer))
	for i := range byIssuer {
		issuers = append(issuers, i)
	}
	slices.Sort(issuers)
	// The CRLs first: a crash before the records are marked leaves a serial
	// listed but not marked, which a second revoke completes (the CRL keeps
	// one entry per serial).
	var crls []*CRLInfo
	for _, issuer := range issuers {
		ts := byIssuer[issuer]
		der, err := e.updateCRL(ctx, cas[issuer], func(entries []byte) ([]byte, bool, error) {
			listed, err := serialSet(entries, len(ts))
			if err != nil {
				return nil, false, err
			}
			b := cryptobyte.NewBuilder(make([]byte, 0, len(entries)+64*len(ts)))
			b.AddBytes(entries)
			added := false
			for _, t := range ts {
				if found, err := listed(t.serial); err != nil {
					return nil, false, fmt.Errorf("CA %q: %w", issuer, err)
				} else if found {
					continue
				}
				appendEntry(b, t.serial, at, reason)
				added = true
			}
			next, err := b.Bytes()
			return next, added, err
		})
		if err != nil {
			return nil, nil, err
		}
		p, err := splitCRL(der)
		if err != nil {
			return nil, nil, err
		}
		info, err := crlInfo(issuer, der, p)
		if err != nil {
			return nil, nil, err
		}
		crls = append(crls, info)
	}
	var out []*Cert
	for _, issuer := range issuers {
		for _, t := range byIssuer[issuer] {
			var rec certRecord
			err := e.st.Update(ctx, certKey(t.serial), func(cur []byte, ok bool) ([]byte, bool, error) {
				if !ok {
					return nil, false, fmt.Errorf("certificate %s: %w", FormatSerial(t.serial), ErrNotFound)
				}
				if err := decodeRecord(cur, &rec); err != nil {
					return nil, false, err
				}
				if rec.RevokedAt != nil { // by a concurrent revoke: its CRL lists it too
					return nil, false, fmt.Errorf("certificate %s: %w on %s", FormatSerial(t.serial), ErrRevoked, rec.RevokedAt.UTC().Format(time.RFC3339))
				}
				rec.RevokedAt, rec.Reason = &at, reason
				b, err := json.Marshal(rec)
				return b, true, err
			})
			if err != nil {
				return nil, nil, err
			}
			c, err := parseRecordCert(&rec)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, describeCert(&rec, c))
			if t.isCA {
				if err := e.dropDefaultIssuer(ctx, c); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return out, crls, nil
}

// dropDefaultIssuer unsets the default issuer when cert is its
// certificate: a revoked CA signs nothing more.
func (e *Engine) dropDefaultIssuer(ctx context.Context, cert *x509.Certificate) error {
	def, err := e.defaultIssuer(ctx)
	if err != nil || def == "" {
		return err
	}
	ca, err := e.loadCA(ctx, def)
	if err != nil || ca.cert.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return nil
	}
	return e.setDefaultIssuer(ctx, "", false)
}

// serialSet returns a membership test for the serials entries list: a scan
// per lookup for a few lookups, a set built once for many. A scan that
// meets an entry it cannot read fails the lookup.
func serialSet(entries []byte, lookups int) (func(*big.Int) (bool, error), error) {
	if lookups <= 4 {
		return func(s *big.Int) (bool, error) { return hasSerial(entries, s) }, nil
	}
	set := map[string]bool{}
	err := eachEntry(entries, func(s, _ []byte) bool { set[string(s)] = true; return true })
	if err != nil {
		return nil, err
	}
	return func(s *big.Int) (bool, error) { return set[string(s.Bytes())], nil }, nil
}

// TidyResult says what Tidy removed.
type TidyResult struct {
	// Removed counts expired certificates dropped from the index.
	Removed int `json:"removed"`
	// CRLEntries counts expired serials dropped from CRLs.
	CRLEntries int `json:"crl_entries_removed"`
}

// Tidy drops certificates that expired before now (minus margin) from the
// index and their serials from their issuer's CRL: an expired
// certificate fails validation by itself, so its revocation need not be
// listed once a CRL signed after it expired has listed it (RFC 5280 §3.3);
// until then a revoked certificate stays, for a later tidy.
func (e *Engine) Tidy(ctx context.Context, margin time.Duration) (*TidyResult, error) {
	if margin < 0 {
		return nil, fmt.Errorf("%w: a negative tidy margin would drop certificates that have not expired", ErrInvalid)
	}
	keys, err := e.st.List(ctx, certPrefix)
	if err != nil {
		return nil, err
	}
	cutoff := e.now().Add(-margin)
	type revoked struct {
		key      string
		serial   string // big-endian bytes
		notAfter time.Time
	}
	var expired []string               // unrevoked: removed at once
	byIssuer := map[string][]revoked{} // revoked: removed with their CRL entry
	for _, k := range keys {
		var rec certRecord
		ok, err := e.getJSON(ctx, k, &rec)
		if err != nil {
			return nil, err
		}
		if !ok || !rec.NotAfter.Before(cutoff) {
			continue
		}
		if rec.RevokedAt == nil {
			expired = append(expired, k)
			continue
		}
		c, err := parseRecordCert(&rec)
		if err != nil {
			return nil, err
		}
		byIssuer[rec.Issuer] = append(byIssuer[rec.Issuer], revoked{k, string(c.SerialNumber.Bytes()), rec.NotAfter})
	}
	res := &TidyResult{}
	// A revoked serial leaves its CRL only once a CRL signed after the
	// certificate expired listed it (RFC 5280 §3.3); its record goes after
	// the CRL is written, so that a crash between leaves a record the next
	// tidy removes.
	for issuer, rs := range byIssuer {
		ca, err := e.loadCA(ctx, issuer)
		if err != nil || ca.validAt(e.now()) != nil {
			continue // a CA gone or expired: its CRL can no longer be signed
		}
		cur, ok, err := e.st.Get(ctx, crlPrefix+issuer)
		if err != nil {
			return nil, err
		}
		var listedSince time.Time
		if ok {
			p, err := splitCRL(cur)
			if err != nil {
				return nil, fmt.Errorf("CA %q: %w", issuer, err)
			}
			listedSince = p.thisUpdate
		}
		drop := map[string]bool{}
		for _, r := range rs {
			if !ok || r.notAfter.Before(listedSince) {
				drop[r.serial] = true
				expired = append(expired, r.key)
			}
		}
		if len(drop) == 0 {
			continue
		}
		n := 0
		_, err = e.updateCRL(ctx, ca, func(entries []byte) ([]byte, bool, error) {
			n = 0
			var kept []byte
			err := eachEntry(entries, func(serial, entry []byte) bool {
				if drop[string(serial)] {
					n++
				} else {
					kept = append(kept, entry...)
				}
				return true
			})
			if err != nil {
				return nil, false, err
			}
			return kept, n > 0, nil
		})
		if err != nil {
			return nil, err
		}
		res.CRLEntries += n
	}
	for _, k := range expired {
		err := e.st.Update(ctx, k, func([]byte, bool) ([]byte, bool, error) { return nil, false, nil })
		if err != nil {
			return nil, err
		}
		res.Removed++
	}
	return res, nil
}
