package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CRLLifetime is how long a CRL is current (its nextUpdate after its
// thisUpdate). CRL re-signs one that is past half of it.
const CRLLifetime = 72 * time.Hour

// A CA's CRL is stored as its signed DER at "crl/<ca>": the list of
// record of the CA's revocations. A revocation appends the new entries'
// DER to the old list's revokedCertificates bytes and signs the result, so
// that the work is a copy and a hash of the list, not a re-encoding of
// every entry (see crlParts and buildCRL).

// crlParts is what the engine reads back from a stored CRL.
type crlParts struct {
	number     *big.Int
	thisUpdate time.Time
	nextUpdate time.Time
	// entries is the content of revokedCertificates: the concatenated DER
	// of the entries (empty when none).
	entries []byte
}

var (
	oidCRLNumber  = encasn1.ObjectIdentifier{2, 5, 29, 20}
	oidReasonCode = encasn1.ObjectIdentifier{2, 5, 29, 21}
	tagExtensions = cbasn1.Tag(0).Constructed().ContextSpecific()
)

// readTime reads a UTCTime or GeneralizedTime.
func readTime(s *cryptobyte.String, t *time.Time) bool {
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		return s.ReadASN1UTCTime(t)
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		return s.ReadASN1GeneralizedTime(t)
	}
	return false
}

// splitCRL reads a DER CRL's number, dates and entry bytes without
// decoding the entries. It checks the structure, not the signature.
func splitCRL(der []byte) (crlParts, error) {
	var p crlParts
	bad := func(what string) (crlParts, error) {
		return crlParts{}, fmt.Errorf("%w: CRL: %s", ErrCorrupt, what)
	}
	in := cryptobyte.String(der)
	var list, tbs cryptobyte.String
	if !in.ReadASN1(&list, cbasn1.SEQUENCE) || !in.Empty() || !list.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return bad("not a DER CertificateList")
	}
	var version int64
	if tbs.PeekASN1Tag(cbasn1.INTEGER) && (!tbs.ReadASN1Integer(&version) || version != 1) {
		return bad("not a version 2 CRL")
	}
	if !tbs.SkipASN1(cbasn1.SEQUENCE) || !tbs.SkipASN1(cbasn1.SEQUENCE) || !readTime(&tbs, &p.thisUpdate) {
		return bad("signature, issuer or thisUpdate")
	}
	if (tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime)) && !readTime(&tbs, &p.nextUpdate) {
		return bad("nextUpdate")
	}
	if tbs.PeekASN1Tag(cbasn1.SEQUENCE) {
		var entries cryptobyte.String
		if !tbs.ReadASN1(&entries, cbasn1.SEQUENCE) {
			return bad("revokedCertificates")
		}
		p.entries = entries
	}
	if tbs.PeekASN1Tag(tagExtensions) {
		var wrap, exts cryptobyte.String
		if !tbs.ReadASN1(&wrap, tagExtensions) || !wrap.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrap.Empty() {
			return bad("extensions")
		}
		for !exts.Empty() {
			var ext, value cryptobyte.String
			var oid encasn1.ObjectIdentifier
			if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
				!ext.SkipOptionalASN1(cbasn1.BOOLEAN) || !ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
				return bad("extension")
			}
			if oid.Equal(oidCRLNumber) {
				p.number = new(big.Int)
				if !value.ReadASN1Integer(p.number) || !value.Empty() || p.number.Sign() < 0 {
					return bad("CRL number")
				}
			}
		}
	}
	if !tbs.Empty() {
		return bad("trailing data in tbsCertList")
	}
	if p.number == nil {
		return bad("no CRL number")
	}
	return p, nil
}

// eachEntry calls fn with the serial (the INTEGER's content, a leading
// zero octet dropped) and the whole DER of every entry, until fn returns
// false.
func eachEntry(entries []byte, fn func(serial, entry []byte) bool) error {
	s := cryptobyte.String(entries)
	for !s.Empty() {
		var elem, entry, serial cryptobyte.String
		if !s.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
			return fmt.Errorf("%w: CRL entry", ErrCorrupt)
		}
		entry = elem
		if !entry.ReadASN1(&entry, cbasn1.SEQUENCE) || !entry.ReadASN1(&serial, cbasn1.INTEGER) || len(serial) == 0 {
			return fmt.Errorf("%w: CRL entry", ErrCorrupt)
		}
		if len(serial) > 1 && serial[0] == 0 {
			serial = serial[1:]
		}
		if !fn(serial, elem) {
			return nil
		}
	}
	return nil
}

// appendEntry appends one revokedCertificates entry: the serial, the
// revocation date and, unless unspecified, the reason code.
func appendEntry(b *cryptobyte.Builder, serial *big.Int, at time.Time, reason int) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(serial)
		addTime(b, at)
		if reason == ReasonUnspecified {
			return
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidReasonCode)
				b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(reason)) })
			})
		})
	})
}

// addTime writes t as RFC 5280 §4.1.2.5 wants: UTCTime through 2049,
// GeneralizedTime after.
func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
}

// sigHashes maps the signature algorithms Go's x509 picks for the engine's
// key types to the hash their signature takes (0: Ed25519 signs the
// message itself).
var sigHashes = []struct {
	oid  encasn1.ObjectIdentifier
	hash crypto.Hash
}{
	{encasn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, crypto.SHA256},
	{encasn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, crypto.SHA384},
	{encasn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, crypto.SHA512},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, crypto.SHA256},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, crypto.SHA384},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, crypto.SHA512},
	{encasn1.ObjectIdentifier{1, 3, 101, 112}, 0},
}

// buildCRL signs a CRL of the CA with the given number and entries, current
// from now for CRLLifetime (cut to the CA's notAfter).
//
// Go's x509 signs an empty list with the right issuer, algorithm, dates
// and extensions (number, authority key id); the engine splices the
// entries into its tbsCertList and signs that, with the same algorithm.
func buildCRL(ca *caState, number *big.Int, entries []byte, now time.Time) ([]byte, error) {
	if err := ca.validAt(now); err != nil {
		return nil, err
	}
	signer, err := ca.key()
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Second)
	next := now.Add(CRLLifetime)
	if next.After(ca.cert.NotAfter) {
		next = ca.cert.NotAfter
	}
	tmpl := &x509.RevocationList{Number: number, ThisUpdate: now, NextUpdate: next}
	empty, err := x509.CreateRevocationList(randReader, tmpl, ca.cert, signer)
	if err != nil {
		return nil, fmt.Errorf("CA %q: sign CRL: %w", ca.rec.Name, err)
	}
	in := cryptobyte.String(empty)
	var list, tbs, alg cryptobyte.String
	if !in.ReadASN1(&list, cbasn1.SEQUENCE) || !list.ReadASN1(&tbs, cbasn1.SEQUENCE) || !list.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("CA %q: unexpected CRL encoding from crypto/x509", ca.rec.Name)
	}
	// tbs: version, signature, issuer, thisUpdate, nextUpdate, [0] extensions.
	head := tbs
	for range 5 {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !tbs.ReadAnyASN1Element(&elem, &tag) {
			return nil, fmt.Errorf("CA %q: unexpected CRL encoding from crypto/x509", ca.rec.Name)
		}
	}
	head = head[:len(head)-len(tbs)]
	exts := tbs
	hash, ok := crypto.Hash(0), false
	{
		a := alg
		var seq cryptobyte.String
		var oid encasn1.ObjectIdentifier
		if a.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadASN1ObjectIdentifier(&oid) {
			for _, h := range sigHashes {
				if h.oid.Equal(oid) {
					hash, ok = h.hash, true
				}
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("CA %q: unexpected CRL signature algorithm", ca.rec.Name)
	}
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(head)
		if len(entries) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(entries) })
		}
		b.AddBytes(exts)
	})
	newTBS, err := tb.Bytes()
	if err != nil {
		return nil, err
	}
	digest := newTBS
	if hash != 0 {
		h := hash.New()
		h.Write(newTBS)
		digest = h.Sum(nil)
	}
	sig, err := signer.Sign(randReader, digest, hash)
	if err != nil {
		return nil, fmt.Errorf("CA %q: sign CRL: %w", ca.rec.Name, err)
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(newTBS)
		b.AddBytes(alg)
		b.AddASN1BitString(sig)
	})
	return out.Bytes()
}

// CRLInfo describes a CRL.
type CRLInfo struct {
	Issuer     string    `json:"issuer"`
	Number     string    `json:"number"`
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update"`
	Entries    int       `json:"entries"`
	Size       int       `json:"size"`
	// Warning says why a CRL past half its lifetime was served as stored.
	Warning string `json:"warning,omitempty"`
}

// CRL returns the CA's current CRL (DER; the default issuer's for ""),
// signing a new one first when there is none yet or the stored one is past
// half its lifetime.
func (e *Engine) CRL(ctx context.Context, issuer string) ([]byte, *CRLInfo, error) {
	if issuer == "" {
		var err error
		if issuer, err = e.defaultIssuer(ctx); err != nil {
			return nil, nil, err
		} else if issuer == "" {
			return nil, nil, fmt.Errorf("%w: no default issuer: name the CA with --issuer (the development CA is \"dev\"), or create one (egide pki root create)", ErrNotFound)
		}
	}
	ca, err := e.loadCA(ctx, issuer)
	if err != nil {
		return nil, nil, err
	}
	now := e.now()
	cur, ok, err := e.st.Get(ctx, crlPrefix+issuer)
	if err != nil {
		return nil, nil, err
	}
	var stored *CRLInfo
	if ok {
		p, err := splitCRL(cur)
		if err != nil {
			return nil, nil, fmt.Errorf("CA %q: %w", issuer, err)
		}
		if stored, err = crlInfo(issuer, cur, p); err != nil {
			return nil, nil, err
		}
		if now.Before(p.thisUpdate.Add(p.nextUpdate.Sub(p.thisUpdate) / 2)) {
			return cur, stored, nil
		}
	}
	der, err := e.updateCRL(ctx, ca, func(entries []byte) ([]byte, bool, error) { return entries, true, nil })
	if err != nil {
		// A CRL that cannot be re-signed now (an expired CA, a read-only
		// store) is still served while it is current.
		if stored != nil && now.Before(stored.NextUpdate) {
			stored.Warning = fmt.Sprintf("not re-signed (%v); the stored one is current until its next update", err)
			return cur, stored, nil
		}
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
	return der, info, nil
}

func crlInfo(issuer string, der []byte, p crlParts) (*CRLInfo, error) {
	n := 0
	if err := eachEntry(p.entries, func(_, _ []byte) bool { n++; return true }); err != nil {
		return nil, fmt.Errorf("CA %q: %w", issuer, err)
	}
	return &CRLInfo{Issuer: issuer, Number: p.number.String(), ThisUpdate: p.thisUpdate, NextUpdate: p.nextUpdate, Entries: n, Size: len(der)}, nil
}

// updateCRL re-signs the CA's CRL, with the next number, over the entries
// change returns for the current ones; when change reports no change to a
// CRL that exists, nothing changes. It returns the CRL now stored.
func (e *Engine) updateCRL(ctx context.Context, ca *caState, change func(entries []byte) (next []byte, changed bool, err error)) ([]byte, error) {
	var out []byte
	err := e.st.Update(ctx, crlPrefix+ca.rec.Name, func(cur []byte, ok bool) ([]byte, bool, error) {
		number, entries := big.NewInt(0), []byte(nil)
		if ok {
			p, err := splitCRL(cur)
			if err != nil {
				return nil, false, fmt.Errorf("CA %q: %w", ca.rec.Name, err)
			}
			number, entries = p.number, p.entries
		}
		next, changed, err := change(entries)
		if err != nil {
			return nil, false, err
		}
		if ok && !changed {
			out = cur
			return cur, true, nil
		}
		der, err := buildCRL(ca, new(big.Int).Add(number, big.NewInt(1)), next, e.now())
		if err != nil {
			return nil, false, err
		}
		out = der
		return der, true, nil
	})
	return out, err
}

// hasSerial reports whether entries list the serial.
func hasSerial(entries []byte, serial *big.Int) (bool, error) {
	want := serial.Bytes()
	found := false
	err := eachEntry(entries, func(s, _ []byte) bool {
		found = bytes.Equal(s, want)
		return !found
	})
	return found, err
}
