package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
)

// The committed seeds are in testdata/fuzz/<target>/; the targets below add
// what must be made at run time.

// fuzzEngine is an engine with an Ed25519 root "fuzz" (fast to sign with)
// and a role "any" that allows every name, over a storage that forgets
// issued certificates so that long fuzzing runs stay small. Made once per
// process.
var fuzzEng struct {
	once sync.Once
	e    *Engine
	ca   *caState
	err  error
}

func fuzzEngine(t testing.TB) (*Engine, *caState) {
	t.Helper()
	fuzzEng.once.Do(func() {
		ctx := context.Background()
		e := New(forgetCerts{newMemStorage()}, Options{})
		if _, err := e.CreateRoot(ctx, CARequest{Name: "fuzz", CommonName: "Fuzz Root", KeyType: Ed25519, MaxPathLen: -1}); err != nil {
			fuzzEng.err = err
			return
		}
		if _, err := e.CreateRole(ctx, Role{Name: "any", AllowAnyName: true, AllowIPSANs: true, Server: true, Client: true}); err != nil {
			fuzzEng.err = err
			return
		}
		fuzzEng.e = e
		fuzzEng.ca, fuzzEng.err = e.loadCA(ctx, "fuzz")
	})
	if fuzzEng.err != nil {
		t.Fatal(fuzzEng.err)
	}
	return fuzzEng.e, fuzzEng.ca
}

// forgetCerts is a Storage that runs Updates of certificate records but
// keeps nothing of them.
type forgetCerts struct{ *memStorage }

func (s forgetCerts) Update(ctx context.Context, key string, fn func([]byte, bool) ([]byte, bool, error)) error {
	if strings.HasPrefix(key, certPrefix) {
		_, _, err := fn(nil, false)
		return err
	}
	return s.memStorage.Update(ctx, key, fn)
}

// checkMessage fails when an error is not one of the allowed sentinels or
// its message could garble a terminal.
func checkMessage(t *testing.T, err error, allowed ...error) {
	t.Helper()
	ok := false
	for _, a := range allowed {
		ok = ok || errors.Is(err, a)
	}
	if !ok {
		t.Fatalf("error %v is none of %v", err, allowed)
	}
	if msg := err.Error(); hasControl(msg) || !utf8.ValidString(msg) {
		t.Fatalf("error message %q has control characters or invalid UTF-8", msg)
	}
}

var fuzzKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

func FuzzParseSAN(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSAN(in)
		if err != nil {
			checkMessage(t, err, ErrInvalid)
			return
		}
		if s.Value == "" || hasControl(s.Value) || !utf8.ValidString(s.Value) || len(s.Value) > MaxSANLen+16 {
			t.Fatalf("ParseSAN(%q) = %s %q", in, s.Kind, s.Value)
		}
		again, err := ParseSAN(s.String())
		if err != nil || again.Kind != s.Kind || again.Value != s.Value {
			t.Fatalf("ParseSAN(%q) = %q, which parses again as %s %q, %v", in, s, again.Kind, again.Value, err)
		}
		// crypto/x509 writes the SAN and reads back the same value.
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1e9, 0)}
		switch s.Kind {
		case SANDNS:
			if s.Value != strings.ToLower(s.Value) || strings.HasSuffix(s.Value, ".") {
				t.Fatalf("DNS name %q is not normalized", s.Value)
			}
			tmpl.DNSNames = []string{s.Value}
		case SANIP:
			ip := net.ParseIP(s.Value)
			if ip == nil || ip.String() != s.Value {
				t.Fatalf("IP %q is not canonical", s.Value)
			}
			tmpl.IPAddresses = []net.IP{s.ip}
		case SANURI:
			if s.uri == nil || s.uri.String() != s.Value {
				t.Fatalf("URI %q: parsed %v", s.Value, s.uri)
			}
			tmpl.URIs = []*url.URL{s.uri}
		case SANEmail:
			tmpl.EmailAddresses = []string{s.Value}
		default:
			t.Fatalf("kind %q", s.Kind)
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, fuzzKey.Public(), fuzzKey)
		if err != nil {
			t.Fatalf("x509 cannot write %s: %v", s, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("x509 cannot read %s back: %v", s, err)
		}
		if got := certSANs(&Issued{Cert: c}); len(got) != 1 || got[0] != s.String() {
			t.Fatalf("%s reads back as %q", s, got)
		}
	})
}

func FuzzParseCSR(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := ParseCSR(data)
		if err != nil {
			checkMessage(t, err, ErrBadCSR)
			if csr != nil {
				t.Fatal("a CSR with an error")
			}
			return
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("ParseCSR returned a CSR whose signature does not verify: %v", err)
		}
		// Through the engine: a certificate for the CSR's key, or a clear
		// refusal.
		e, _ := fuzzEngine(t)
		iss, err := e.Sign(context.Background(), Request{Role: "any"}, data)
		if err != nil {
			checkMessage(t, err, ErrBadCSR, ErrInvalid, ErrNotAllowed)
			return
		}
		pub, ok := csr.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(iss.Cert.PublicKey) || iss.Cert.IsCA || iss.Key != nil {
			t.Fatalf("signed certificate: key %T, IsCA %v", iss.Cert.PublicKey, iss.Cert.IsCA)
		}
		if err := iss.Cert.CheckSignatureFrom(iss.Chain[0]); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzSplitCRL(f *testing.F) {
	// A CRL of the engine with a few entries, made now.
	e, _ := fuzzEngine(f)
	ctx := context.Background()
	var serials []string
	for range 3 {
		iss, err := e.Issue(ctx, Request{Role: "any", CommonName: "crl.example.com"})
		if err != nil {
			f.Fatal(err)
		}
		serials = append(serials, iss.Serial())
	}
	ca, err := e.loadCA(ctx, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	var b cryptobyte.Builder
	for i, s := range serials {
		n, _ := ParseSerial(s)
		appendEntry(&b, n, time.Now(), []int{ReasonUnspecified, ReasonKeyCompromise, ReasonSuperseded}[i])
	}
	entries, err := b.Bytes()
	if err != nil {
		f.Fatal(err)
	}
	der, err := buildCRL(ca, big.NewInt(3), entries, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := splitCRL(data)
		if err != nil {
			checkMessage(t, err, ErrCorrupt)
			return
		}
		if p.number == nil || p.number.Sign() < 0 {
			t.Fatalf("CRL number %v", p.number)
		}
		n := 0
		var serials [][]byte
		if err := eachEntry(p.entries, func(serial, entry []byte) bool {
			if len(serial) == 0 || len(entry) == 0 || !bytes.Contains(entry, serial) {
				t.Fatalf("entry %x, serial %x", entry, serial)
			}
			n++
			serials = append(serials, bytes.Clone(serial))
			return true
		}); err != nil {
			checkMessage(t, err, ErrCorrupt)
			return
		}
		// What crypto/x509 reads, when it reads it, agrees.
		if rl, err := x509.ParseRevocationList(data); err == nil {
			if len(rl.RevokedCertificateEntries) != n || rl.Number == nil || rl.Number.Cmp(p.number) != 0 ||
				!rl.ThisUpdate.Equal(p.thisUpdate) || !rl.NextUpdate.Equal(p.nextUpdate) {
				t.Fatalf("x509 reads number %v, %d entries, %s – %s; splitCRL %v, %d, %s – %s", rl.Number, len(rl.RevokedCertificateEntries),
					rl.ThisUpdate, rl.NextUpdate, p.number, n, p.thisUpdate, p.nextUpdate)
			}
			for i, e := range rl.RevokedCertificateEntries {
				if e.SerialNumber.Sign() > 0 && !bytes.Equal(e.SerialNumber.Bytes(), serials[i]) {
					t.Fatalf("entry %d: x509 reads serial %x, eachEntry %x", i, e.SerialNumber.Bytes(), serials[i])
				}
			}
		}
		// The engine re-signs the entries as they are, and reads them back.
		ca := fuzzCA(t)
		next, err := buildCRL(ca, new(big.Int).Add(p.number, big.NewInt(1)), p.entries, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		q, err := splitCRL(next)
		if err != nil || !bytes.Equal(q.entries, p.entries) || q.number.Cmp(new(big.Int).Add(p.number, big.NewInt(1))) != 0 {
			t.Fatalf("re-signed CRL: %v", err)
		}
	})
}

func fuzzCA(t testing.TB) *caState {
	_, ca := fuzzEngine(t)
	return ca
}

func FuzzParseTTL(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseTTL(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseTTL(%q): %v", in, err)
			}
			return
		}
		if d < time.Second || d > MaxTTL {
			t.Fatalf("ParseTTL(%q) = %s, out of range", in, d)
		}
		if back, err := ParseTTL(FormatTTL(d)); err != nil || back != d {
			t.Fatalf("ParseTTL(%q) = %s, printed %q, which parses as %s, %v", in, d, FormatTTL(d), back, err)
		}
	})
}

func FuzzParseSerial(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		n, err := ParseSerial(in)
		if err != nil {
			checkMessage(t, err, ErrInvalid)
			return
		}
		if n.Sign() <= 0 || len(n.Bytes()) > 20 {
			t.Fatalf("ParseSerial(%q) = %x", in, n)
		}
		s := FormatSerial(n)
		if s != strings.ToLower(s) || strings.Trim(s, "0123456789abcdef:") != "" || len(s) != 3*len(n.Bytes())-1 {
			t.Fatalf("FormatSerial(%x) = %q", n, s)
		}
		if back, err := ParseSerial(s); err != nil || back.Cmp(n) != 0 {
			t.Fatalf("ParseSerial(%q) = %x, printed %q, which parses as %v, %v", in, n, s, back, err)
		}
		if back, err := ParseSerial(strings.ToUpper(strings.ReplaceAll(s, ":", ""))); err != nil || back.Cmp(n) != 0 {
			t.Fatalf("OpenSSL's form of %q parses as %v, %v", s, back, err)
		}
	})
}
