package pki

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
)

// TestParseSAN pins the SAN forms, their normalization and what is
// refused.
func TestParseSAN(t *testing.T) {
	long := strings.Repeat("a", 63)
	good := []struct {
		in   string
		kind SANKind
		want string
	}{
		{"example.com", SANDNS, "example.com"},
		{"DNS:Example.COM.", SANDNS, "example.com"},
		{"dns:*.example.com", SANDNS, "*.example.com"},
		{"localhost", SANDNS, "localhost"},
		{"xn--bcher-kva.de", SANDNS, "xn--bcher-kva.de"},
		{"DNS:" + long + "." + long + "." + long + "." + strings.Repeat("b", 61), SANDNS, long + "." + long + "." + long + "." + strings.Repeat("b", 61)},
		{"127.0.0.1", SANIP, "127.0.0.1"},
		{"IP:10.1.2.3", SANIP, "10.1.2.3"},
		{"ip:::1", SANIP, "::1"},
		{"::1", SANIP, "::1"},
		{"IP:2001:DB8:0:0::1", SANIP, "2001:db8::1"},
		{"::ffff:10.0.0.1", SANIP, "10.0.0.1"}, // IPv4-mapped: the IPv4 address
		{"IP:::FFFF:192.168.0.1", SANIP, "192.168.0.1"},
		{"URI:spiffe://example.org/ns/prod/sa/web", SANURI, "spiffe://example.org/ns/prod/sa/web"},
		{"spiffe://example.org/x", SANURI, "spiffe://example.org/x"},
		{"uri:HTTPS://example.com/a?b=c", SANURI, "https://example.com/a?b=c"},
		{"URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", SANURI, "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"},
		{"URI:https://[::1]:8443/", SANURI, "https://[::1]:8443/"},
		{"URI:HTTPS://API.Example.COM:8443/Path?Q", SANURI, "https://api.example.com:8443/Path?Q"},
		{"email:Ops@Example.COM", SANEmail, "Ops@example.com"},
		{"ops@example.com", SANEmail, "ops@example.com"},
		{"EMAIL:first.last+tag@mail.example.com", SANEmail, "first.last+tag@mail.example.com"},
	}
	for _, tc := range good {
		s, err := ParseSAN(tc.in)
		if err != nil || s.Kind != tc.kind || s.Value != tc.want {
			t.Errorf("ParseSAN(%q) = %s %q, %v; want %s %q", tc.in, s.Kind, s.Value, err, tc.kind, tc.want)
			continue
		}
		if s.String() != string(tc.kind)+":"+tc.want {
			t.Errorf("%q: String() = %q", tc.in, s)
		}
		if again, err := ParseSAN(s.String()); err != nil || again.Kind != s.Kind || again.Value != s.Value {
			t.Errorf("%q: %q parses again as %s %q, %v", tc.in, s, again.Kind, again.Value, err)
		}
	}

	bad := []string{
		"",
		"DNS:",
		"DNS:exa mple.com",
		"DNS:-a.com",
		"DNS:a-.com",
		"DNS:a..com",
		"DNS:.",
		"DNS:*.com",           // a wildcard needs two labels after it
		"DNS:a.*.example.com", // only as the first label
		"DNS:*",
		"DNS:under_score.com",
		"DNS:" + strings.Repeat("a", 64) + ".com",
		"DNS:" + strings.Repeat(long+".", 4) + "com", // over 253 bytes
		"bücher.de",
		"DNS:a\x00b.com",
		"IP:1.2.3",
		"IP:example.com",
		"IP:fe80::1%eth0",
		"IP:",
		"URI:/relative/path",
		"URI:http://exa mple.com/",
		"URI:http://bad_host/",
		"URI:http://ex\x7fample.com/",
		"URI:https://bücher.de/",
		"URI:",
		"email:no-at-sign",
		"email:a@b@c.com",
		"email:Name <a@example.com>",
		"email:jürgen@example.com",
		"email:a@-bad.com",
		"email:a@bad_domain.com",
		"email:\"quoted local\"@example.com",
		"email: a@example.com",
		"email:",
		strings.Repeat("a", MaxSANLen+1),
	}
	for _, in := range bad {
		s, err := ParseSAN(in)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSAN(%q) = %s %q, %v; want ErrInvalid", in, s.Kind, s.Value, err)
			continue
		}
		if hasControl(err.Error()) {
			t.Errorf("ParseSAN(%q): the message %q has control characters", in, err)
		}
	}
}

// TestGlobMatch pins the URI SAN patterns: '*' is any run, also empty.
func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"spiffe://example.org/*", "spiffe://example.org/ns/a", true},
		{"spiffe://example.org/*", "spiffe://example.org/", true},
		{"spiffe://example.org/*", "spiffe://example.org", false},
		{"spiffe://example.org/*", "spiffe://example.org.evil/x", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*", "", true},
		{"*", "anything", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"a*a", "a", false},
		{"ab*ba", "aba", false},
		{"ab*ba", "abba", true},
		{"*ab*ab", "abab", true},
		{"*ab*ab", "aab", false},
		{"*.svc/*", "x.svc/y", true},
		{"*x", "xxx", true},
		{"x*", "yx", false},
	} {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestRoleNameRules: each role rule lets through what it allows, and a
// refusal names the rule and issues nothing.
func TestRoleNameRules(t *testing.T) {
	h := newHierarchy(t, ECP256)
	e, st := h.e, h.st
	ctx := t.Context()
	roles := []Role{
		{Name: "exact", AllowedDomains: []string{"example.com"}},
		{Name: "sub", AllowedDomains: []string{"example.com"}, AllowSubdomains: true},
		{Name: "local", AllowedDomains: []string{"example.com"}, AllowLocalhost: true},
		{Name: "ips", AllowedDomains: []string{"example.com"}, AllowIPSANs: true},
		{Name: "uris", AllowedDomains: []string{"example.com"}, AllowedURISANs: []string{"spiffe://example.org/ns/prod/*"}},
		{Name: "any", AllowAnyName: true},
		{Name: "onlyip", AllowIPSANs: true},
	}
	for _, r := range roles {
		r.Issuer = "int"
		createRole(t, e, r)
	}
	tests := []struct {
		role string
		cn   string
		sans []string
		// want is "" for an issue, else a text the refusal must contain.
		want string
		// target is the refusal's sentinel (ErrNotAllowed when nil).
		target error
		// wantSANs are the certificate's names when issued.
		wantSANs []string
	}{
		{role: "exact", cn: "example.com", wantSANs: []string{"DNS:example.com"}},
		{role: "exact", cn: "EXAMPLE.com.", wantSANs: []string{"DNS:example.com"}},
		{role: "exact", cn: "other.com", want: "allowed_domains"},
		{role: "exact", cn: "badexample.com", want: "allowed_domains"},
		{role: "exact", cn: "example.com.evil.org", want: "allowed_domains"},
		{role: "exact", cn: "www.example.com", want: "allow_subdomains"},
		{role: "exact", cn: "*.example.com", want: "allow_subdomains"},
		{role: "exact", cn: "example.com", sans: []string{"DNS:api.example.com"}, want: "allow_subdomains"},
		{role: "exact", cn: "example.com", sans: []string{"evil.org"}, want: "allowed_domains"},
		{role: "sub", cn: "a.b.example.com", sans: []string{"example.com", "*.example.com"},
			wantSANs: []string{"DNS:a.b.example.com", "DNS:example.com", "DNS:*.example.com"}},
		{role: "sub", cn: "*.api.example.com", wantSANs: []string{"DNS:*.api.example.com"}},
		{role: "sub", cn: "example.org", want: "allowed_domains"},
		{role: "exact", cn: "localhost", want: "allow_localhost"},
		{role: "sub", cn: "example.com", sans: []string{"app.localhost"}, want: "allow_localhost"},
		{role: "local", cn: "localhost", sans: []string{"app.localhost", "localhost.localdomain"},
			wantSANs: []string{"DNS:localhost", "DNS:app.localhost", "DNS:localhost.localdomain"}},
		{role: "local", cn: "example.com", sans: []string{"IP:127.0.0.1"}, want: "allow_ip_sans"},
		{role: "exact", cn: "127.0.0.1", want: "allow_ip_sans"},
		{role: "ips", cn: "example.com", sans: []string{"IP:10.0.0.1", "::1", "::ffff:10.0.0.2"},
			wantSANs: []string{"DNS:example.com", "IP:10.0.0.1", "IP:::1", "IP:10.0.0.2"}},
		{role: "ips", cn: "10.9.8.7", wantSANs: []string{"IP:10.9.8.7"}},
		{role: "onlyip", cn: "10.9.8.7", sans: []string{"IP:10.9.8.6"}, wantSANs: []string{"IP:10.9.8.7", "IP:10.9.8.6"}},
		{role: "onlyip", cn: "10.9.8.7", sans: []string{"example.com"}, want: "allowed_domains is empty"},
		{role: "uris", cn: "example.com", sans: []string{"URI:spiffe://example.org/ns/prod/sa/web"},
			wantSANs: []string{"DNS:example.com", "URI:spiffe://example.org/ns/prod/sa/web"}},
		{role: "uris", cn: "example.com", sans: []string{"URI:spiffe://example.org/ns/dev/sa/web"}, want: "allowed_uri_sans"},
		{role: "exact", cn: "example.com", sans: []string{"URI:spiffe://example.org/ns/prod/sa/web"}, want: "allowed_uri_sans"},
		{role: "exact", cn: "example.com", sans: []string{"email:ops@example.com"}, wantSANs: []string{"DNS:example.com", "email:ops@example.com"}},
		{role: "exact", cn: "ops@example.com", wantSANs: []string{"email:ops@example.com"}},
		{role: "exact", cn: "example.com", sans: []string{"email:ops@evil.org"}, want: "allowed_domains"},
		{role: "exact", cn: "example.com", sans: []string{"email:ops@mail.example.com"}, want: "allow_subdomains"},
		{role: "sub", cn: "example.com", sans: []string{"email:ops@mail.example.com"}, wantSANs: []string{"DNS:example.com", "email:ops@mail.example.com"}},
		{role: "any", cn: "anything.test", sans: []string{"email:x@y.test", "URI:urn:x:y", "*.wild.test"},
			wantSANs: []string{"DNS:anything.test", "DNS:*.wild.test", "URI:urn:x:y", "email:x@y.test"}},
		{role: "any", cn: "My Service", wantSANs: nil},
		{role: "any", cn: "My Service", sans: []string{"IP:10.0.0.1"}, want: "allow_ip_sans"},
		{role: "exact", cn: "My Service", want: "allow_any_name", target: ErrInvalid},
		{role: "exact", cn: "spiffe://example.org/x", want: "allow_any_name", target: ErrInvalid},
		{role: "exact", cn: "example.com", sans: []string{"DNS:bad_name.example.com"}, want: "DNS name", target: ErrInvalid},
		{role: "exact", cn: "", want: "common name", target: ErrInvalid},
	}
	for _, tc := range tests {
		name := tc.role + "/" + tc.cn + "/" + strings.Join(tc.sans, ",")
		req := Request{Role: tc.role, CommonName: tc.cn, SANs: tc.sans}
		if tc.want == "" {
			iss, err := e.Issue(ctx, req)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if got := certSANs(iss); !slices.Equal(got, tc.wantSANs) {
				t.Errorf("%s: SANs %q, want %q", name, got, tc.wantSANs)
			}
			// The CN is the name normalized, as in the SANs.
			wantCN := tc.cn
			if cn, err := ParseSAN(tc.cn); err == nil && cn.Kind != SANURI {
				wantCN = cn.Value
			}
			if iss.Cert.Subject.CommonName != wantCN {
				t.Errorf("%s: CN %q", name, iss.Cert.Subject.CommonName)
			}
			continue
		}
		target := tc.target
		if target == nil {
			target = ErrNotAllowed
		}
		before, err := e.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		err = refused(t, st, target, func() error { _, err := e.Issue(ctx, req); return err })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: refusal %q does not name %q", name, err, tc.want)
		}
		if target == ErrNotAllowed && err != nil && !strings.Contains(err.Error(), `role "`+tc.role+`"`) {
			t.Errorf("%s: refusal %q does not name the role", name, err)
		}
		if after, _ := e.List(ctx, Filter{}); len(after) != len(before) {
			t.Errorf("%s: refused, yet %d certificates listed, %d before", name, len(after), len(before))
		}
		if tc.cn == "" {
			continue // Sign would take the CSR's name
		}
		// Through Sign, the same names get the same answer.
		refused(t, st, target, func() error {
			_, err := e.Sign(ctx, req, newCSR(t, ECP256, "csr.example.com", nil))
			return err
		})
	}
}

// certSANs lists a certificate's names in ParseSAN's form: DNS, IP, URI,
// then email.
func certSANs(iss *Issued) []string {
	var out []string
	for _, n := range iss.Cert.DNSNames {
		out = append(out, "DNS:"+n)
	}
	for _, ip := range iss.Cert.IPAddresses {
		out = append(out, "IP:"+ip.String())
	}
	for _, u := range iss.Cert.URIs {
		out = append(out, "URI:"+u.String())
	}
	for _, m := range iss.Cert.EmailAddresses {
		out = append(out, "email:"+m)
	}
	return out
}

// TestIPSANEncoding: IPv4 SANs are encoded in 4 bytes (an IPv4-mapped
// address included), IPv6 in 16, so that clients match them.
func TestIPSANEncoding(t *testing.T) {
	h := newHierarchy(t, ECP256)
	iss := issue(t, h.e, Request{Role: "web", CommonName: "localhost", SANs: []string{"::ffff:127.0.0.1", "IP:::1"}})
	if len(iss.Cert.IPAddresses) != 2 {
		t.Fatalf("IP SANs %v", iss.Cert.IPAddresses)
	}
	if v4, v6 := iss.Cert.IPAddresses[0], iss.Cert.IPAddresses[1]; len(v4) != net.IPv4len || len(v6) != net.IPv6len || !v6.Equal(net.IPv6loopback) {
		t.Errorf("IP SANs encoded as %d and %d bytes: %v", len(v4), len(v6), iss.Cert.IPAddresses)
	}
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := iss.Cert.VerifyHostname(host); err != nil {
			t.Errorf("VerifyHostname(%s): %v", host, err)
		}
	}
}
