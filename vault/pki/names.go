package pki

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
)

// SANKind is the type of a subject alternative name.
type SANKind string

// The SAN kinds, spelled as --san prefixes.
const (
	SANDNS   SANKind = "DNS"
	SANIP    SANKind = "IP"
	SANURI   SANKind = "URI"
	SANEmail SANKind = "email"
)

// SAN is one subject alternative name, normalized: DNS names lowercase
// without a trailing dot, IPs in their canonical form.
type SAN struct {
	Kind  SANKind
	Value string
	ip    net.IP
	uri   *url.URL
}

func (s SAN) String() string { return string(s.Kind) + ":" + s.Value }

// MaxSANLen bounds one SAN's text.
const MaxSANLen = 1024

// ParseSAN reads one SAN: "DNS:name", "IP:addr", "URI:uri", "email:addr"
// (prefixes in any case), or a bare value, taken as an IP address when it
// parses as one, a URI when it has "://", an email address when it has
// '@', else a DNS name.
func ParseSAN(s string) (SAN, error) {
	if len(s) > MaxSANLen {
		return SAN{}, fmt.Errorf("%w: SAN longer than %d bytes", ErrInvalid, MaxSANLen)
	}
	kind, v := SANKind(""), s
	if p, rest, ok := strings.Cut(s, ":"); ok {
		for _, k := range []SANKind{SANDNS, SANIP, SANURI, SANEmail} {
			if strings.EqualFold(p, string(k)) {
				kind, v = k, rest
			}
		}
	}
	if kind == "" {
		switch {
		case net.ParseIP(s) != nil:
			kind = SANIP
		case strings.Contains(s, "://"):
			kind = SANURI
		case strings.Contains(s, "@"):
			kind = SANEmail
		default:
			kind = SANDNS
		}
	}
	switch kind {
	case SANIP:
		ip := net.ParseIP(v)
		if ip == nil {
			return SAN{}, fmt.Errorf("%w: %q is not an IP address", ErrInvalid, printable(v))
		}
		if ip4 := ip.To4(); ip4 != nil {
			ip = ip4
		}
		return SAN{Kind: SANIP, Value: ip.String(), ip: ip}, nil
	case SANURI:
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || !isASCII(v) || hasControl(v) || strings.ContainsRune(v, ' ') {
			return SAN{}, fmt.Errorf("%w: %q is not an absolute URI", ErrInvalid, printable(v))
		}
		if u.Host != "" {
			u.Host = strings.ToLower(u.Host) // like the scheme: case-insensitive
			if err := checkDNSName(u.Hostname(), false); err != nil && net.ParseIP(u.Hostname()) == nil {
				return SAN{}, fmt.Errorf("%w: URI %q: host: %v", ErrInvalid, printable(v), err)
			}
		}
		return SAN{Kind: SANURI, Value: u.String(), uri: u}, nil
	case SANEmail:
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || a.Name != "" {
			return SAN{}, fmt.Errorf("%w: %q is not a plain email address", ErrInvalid, printable(v))
		}
		local, domain, _ := strings.Cut(v, "@")
		if !isASCII(local) {
			return SAN{}, fmt.Errorf("%w: email %q: only ASCII local parts fit an rfc822Name", ErrInvalid, printable(v))
		}
		domain = strings.ToLower(domain)
		if err := checkDNSName(domain, false); err != nil {
			return SAN{}, fmt.Errorf("%w: email %q: domain: %v", ErrInvalid, printable(v), err)
		}
		return SAN{Kind: SANEmail, Value: local + "@" + domain}, nil
	}
	name := strings.ToLower(strings.TrimSuffix(v, "."))
	if err := checkDNSName(name, true); err != nil {
		return SAN{}, fmt.Errorf("%w: DNS name %q: %v", ErrInvalid, printable(v), err)
	}
	return SAN{Kind: SANDNS, Value: name}, nil
}

// checkDNSName checks a lowercase host name: labels of 1 to 63 letters,
// digits and '-' (not at either end), at most 253 bytes, and, when
// wildcard is set, an optional "*." first label.
func checkDNSName(name string, wildcard bool) error {
	if wildcard && strings.HasPrefix(name, "*.") {
		name = name[2:]
		if !strings.Contains(name, ".") {
			return fmt.Errorf("a wildcard needs at least two labels after it")
		}
	}
	if name == "" || len(name) > 253 {
		return fmt.Errorf("a DNS name is 1 to 253 bytes")
	}
	if last := name[strings.LastIndexByte(name, '.')+1:]; strings.Trim(last, "0123456789") == "" {
		return fmt.Errorf("an all-numeric last label looks like an IP address: give it as IP:")
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("labels are 1 to 63 bytes")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("a label may not start or end with '-'")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("only letters, digits, '-' and '.' (use punycode for other scripts)")
			}
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// printable quotes untrusted input safely for an error message: control
// characters escaped, at most 100 bytes.
func printable(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s), "?")
}

// isLocalhost reports whether a DNS name is localhost or under .localhost.
func isLocalhost(name string) bool {
	return name == "localhost" || name == "localhost.localdomain" || strings.HasSuffix(name, ".localhost")
}

// checkName checks one name against the role and returns, when refused, an
// ErrNotAllowed error that names the rule.
func (r *Role) checkName(s SAN) error {
	refuse := func(format string, args ...any) error {
		return refusal(fmt.Sprintf("role %q refuses %s: %s", r.Name, s, fmt.Sprintf(format, args...)))
	}
	switch s.Kind {
	case SANIP:
		if !r.AllowIPSANs {
			return refuse("IP SANs need allow_ip_sans (--allow-ip-sans)")
		}
		return nil
	case SANURI:
		if r.AllowAnyName {
			return nil
		}
		for _, g := range r.AllowedURISANs {
			if globMatch(g, s.Value) {
				return nil
			}
		}
		if len(r.AllowedURISANs) == 0 {
			return refuse("URI SANs need allowed_uri_sans (--allowed-uri-sans)")
		}
		return refuse("not matched by allowed_uri_sans [%s]", strings.Join(r.AllowedURISANs, ", "))
	case SANEmail:
		_, domain, _ := strings.Cut(s.Value, "@")
		return r.checkDomain(s, domain, refuse)
	}
	return r.checkDomain(s, s.Value, refuse)
}

// checkDomain applies the domain rules to a DNS name (or an email's
// domain).
func (r *Role) checkDomain(s SAN, name string, refuse func(string, ...any) error) error {
	if r.AllowAnyName {
		return nil
	}
	if isLocalhost(name) && r.AllowLocalhost {
		return nil
	}
	base, wild := strings.CutPrefix(name, "*.")
	var subRule string
	for _, d := range r.AllowedDomains {
		switch {
		case base == d && !wild:
			return nil
		case base == d || strings.HasSuffix(base, "."+d):
			if r.AllowSubdomains {
				return nil
			}
			subRule = d
		}
	}
	switch {
	case subRule != "":
		return refuse("subdomains of %s need allow_subdomains (--allow-subdomains)", subRule)
	case isLocalhost(name):
		return refuse("localhost names need allow_localhost (--allow-localhost)")
	case len(r.AllowedDomains) == 0:
		return refuse("the role allows no domains (allowed_domains is empty)")
	}
	return refuse("not in allowed_domains [%s]", strings.Join(r.AllowedDomains, ", "))
}

// globMatch matches s against a pattern in which '*' stands for any run
// of characters.
func globMatch(pattern, s string) bool {
	for {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			return pattern == s
		}
		if !strings.HasPrefix(s, pattern[:star]) {
			return false
		}
		s, pattern = s[star:], pattern[star+1:]
		if pattern == "" {
			return true
		}
		next := strings.IndexByte(pattern, '*')
		lit := pattern
		if next >= 0 {
			lit = pattern[:next]
		}
		if next < 0 {
			return strings.HasSuffix(s, lit)
		}
		i := strings.Index(s, lit)
		if i < 0 {
			return false
		}
		s, pattern = s[i+len(lit):], pattern[next:]
	}
}

// refusal is an ErrNotAllowed error whose message is the rule alone.
type refusal string

func (r refusal) Error() string        { return string(r) }
func (r refusal) Is(target error) bool { return target == ErrNotAllowed }
