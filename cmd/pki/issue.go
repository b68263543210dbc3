package pki

import (
	"fmt"
	"strings"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/pki"
	"github.com/spf13/cobra"
)

// issuedJSON is the --json output of issue, sign and dev.
type issuedJSON struct {
	Serial     string    `json:"serial"`
	CommonName string    `json:"common_name"`
	SANs       []string  `json:"sans"`
	Issuer     string    `json:"issuer"`
	NotAfter   time.Time `json:"not_after"`
	Files      []string  `json:"files,omitempty"`
}

// writeIssued writes the leaf's files into dir (cert.pem, key.pem 0600
// when there is a key, chain.pem, ca.pem) and reports them.
func writeIssued(f *cmdutil.Factory, iss *pki.Issued, dir string, asJSON bool) error {
	files := []outFile{{"cert.pem", iss.CertPEM(), 0o644}}
	if iss.Key != nil {
		key, err := iss.KeyPEM()
		if err != nil {
			return err
		}
		defer clear(key)
		files = append(files, outFile{"key.pem", key, 0o600})
	}
	files = append(files, outFile{"chain.pem", iss.ChainPEM(), 0o644}, outFile{"ca.pem", iss.RootPEM(), 0o644})
	paths, err := writeFiles(dir, files)
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("certificate %s was issued but its files were not written: %w", iss.Serial(), err),
			"fix the folder, then revoke it with 'egide pki revoke %s --reason superseded' and issue again", iss.Serial())
	}
	return reportIssued(f, iss, paths, asJSON)
}

func reportIssued(f *cmdutil.Factory, iss *pki.Issued, paths []string, asJSON bool) error {
	c := iss.Cert
	sans := sanList(iss)
	if asJSON {
		return cmdutil.PrintJSON(f.IO.Out, issuedJSON{Serial: iss.Serial(), CommonName: c.Subject.CommonName, SANs: sans,
			Issuer: iss.Issuer, NotAfter: c.NotAfter.UTC(), Files: paths})
	}
	w := f.IO.ErrOut
	fmt.Fprintf(w, "Issued %s for %s (issuer %s), valid until %s.\n", iss.Serial(), strings.Join(sans, ", "), iss.Issuer, date(c.NotAfter))
	if iss.Truncated {
		fmt.Fprintf(w, "Its lifetime was cut to the issuer's notAfter.\n")
	}
	for _, p := range paths {
		note := ""
		if strings.HasSuffix(p, "key.pem") {
			note = " (private key, mode 0600)"
		}
		fmt.Fprintf(w, "  %s%s\n", p, note)
	}
	return nil
}

func sanList(iss *pki.Issued) []string {
	c := iss.Cert
	out := make([]string, 0, len(c.DNSNames)+len(c.IPAddresses)+len(c.URIs)+len(c.EmailAddresses))
	out = append(out, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	for _, u := range c.URIs {
		out = append(out, u.String())
	}
	out = append(out, c.EmailAddresses...)
	return out
}

func newCmdIssue(f *cmdutil.Factory) *cobra.Command {
	var (
		req           pki.Request
		ttl, out      string
		force, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "issue ROLE [--cn NAME] [--san DNS|IP|URI|email ...] [--ttl 30d] [--out DIR] [--force] [--json]",
		Short: "Issue a certificate and its private key",
		Long: `Issue a certificate from ROLE: a new key of the role's type and a certificate
for --cn and each --san, signed by the role's issuer. Every name must pass the
role's rules; a refused name, a TTL beyond the role's --max-ttl or the
issuer's notAfter, or an expired issuer issues nothing.

--san takes DNS:name, IP:addr, URI:uri, email:addr, or a bare value (an IP
if it parses as one, else a URI with ://, an email with @, else a DNS name).
The CN is added to the SANs; without --cn, the SANs alone name the
certificate (e.g. a SPIFFE ID).

Files written to --out (default: the current folder), each whole or not at
all; existing files are kept unless --force:
  cert.pem   the certificate
  key.pem    its private key (PKCS #8, mode 0600; egide keeps no copy)
  chain.pem  the certificate followed by the intermediates: what a server presents
  ca.pem     the root CA certificate: what clients trust`,
		Example: cmdutil.Examples(
			"egide pki issue web --cn api.acme.internal --out certs/api",
			"egide pki issue web --cn api.acme.internal --san www.acme.internal --san IP:10.0.0.5 --ttl 7d --out certs/api",
			"egide pki issue svc-client --cn billing.svc.acme.internal --out certs/billing --json"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			req.Role = args[0]
			if req.CommonName == "" && len(req.SANs) == 0 {
				return cmdutil.FlagErrorf("give --cn NAME, or at least one --san")
			}
			var err error
			if req.TTL, err = ttlFlag("ttl", ttl); err != nil {
				return err
			}
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			undo, err := checkOut(out, []string{"cert.pem", "key.pem", "chain.pem", "ca.pem"}, force)
			if err != nil {
				return err
			}
			iss, err := e.Issue(ctx, req)
			if err != nil {
				undo()
				return err
			}
			return writeIssued(f, iss, out, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&req.CommonName, "cn", "", "the subject common name")
	fl.StringArrayVar(&req.SANs, "san", nil, "a subject alternative name: DNS:, IP:, URI:, email: or bare (repeatable)")
	fl.StringVar(&ttl, "ttl", "", "lifetime, e.g. 30d (default: the role's)")
	fl.StringVar(&out, "out", ".", "folder to write cert.pem, key.pem, chain.pem and ca.pem into")
	fl.BoolVar(&force, "force", false, "replace existing files")
	fl.BoolVar(&asJSON, "json", false, "print the result as JSON on stdout")
	return cmd
}

func newCmdSign(f *cmdutil.Factory) *cobra.Command {
	var (
		req           pki.Request
		csrPath, ttl  string
		out           string
		force, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "sign ROLE --csr FILE [--ttl 30d] [--out DIR] [--json]",
		Short: "Issue a certificate for a CSR (the private key stays with you)",
		Long: `Sign a certificate signing request (PEM or DER; --csr - reads stdin) with
ROLE's issuer. The CSR's signature must verify; its CN and SANs are checked
against the role like 'issue' does (--cn and --san replace them). Egide never
sees the private key. The certificate and its chain are printed as PEM on
stdout, or written to --out DIR as cert.pem, chain.pem and ca.pem.`,
		Example: cmdutil.Examples(
			"openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -subj /CN=api.acme.internal -out api.csr",
			"egide pki sign web --csr api.csr > chain.pem",
			"egide pki sign web --csr api.csr --ttl 7d --out certs/api"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			req.Role = args[0]
			var err error
			if req.TTL, err = ttlFlag("ttl", ttl); err != nil {
				return err
			}
			data, err := cmdutil.ReadInput(f, csrPath, pki.MaxCSRSize, pki.ErrBadCSR)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("san") {
				req.SANs = nil
			}
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			undo := func() {}
			if out != "" {
				if undo, err = checkOut(out, []string{"cert.pem", "chain.pem", "ca.pem"}, force); err != nil {
					return err
				}
			}
			iss, err := e.Sign(ctx, req, data)
			if err != nil {
				undo()
				return err
			}
			if out != "" {
				return writeIssued(f, iss, out, asJSON)
			}
			if asJSON {
				return reportIssued(f, iss, nil, true)
			}
			if _, err := f.IO.Out.Write(iss.ChainPEM()); err != nil {
				return err
			}
			return reportIssued(f, iss, nil, false)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&csrPath, "csr", "", "the CSR file, PEM or DER ('-' for stdin; required)")
	fl.StringVar(&req.CommonName, "cn", "", "the subject common name (default: the CSR's)")
	fl.StringArrayVar(&req.SANs, "san", nil, "a SAN replacing the CSR's (repeatable)")
	fl.StringVar(&ttl, "ttl", "", "lifetime, e.g. 30d (default: the role's)")
	fl.StringVar(&out, "out", "", "folder to write cert.pem, chain.pem and ca.pem into (default: PEM on stdout)")
	fl.BoolVar(&force, "force", false, "replace existing files")
	fl.BoolVar(&asJSON, "json", false, "print the result as JSON on stdout")
	_ = cmd.MarkFlagRequired("csr")
	return cmd
}

func newCmdDev(f *cmdutil.Factory) *cobra.Command {
	var (
		out           string
		force, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "dev [NAME|IP ...] [--out DIR] [--force] [--json]",
		Short: "One command for local HTTPS: a dev CA if none, a certificate for localhost",
		Long: `Issue a development certificate, like mkcert: for the names given (default:
localhost, 127.0.0.1 and ::1), for server and client use, valid 825 days,
from the development root CA "dev" through the role "dev" (any name, IPs
allowed). Both are created on first use, in the project repository.

Files written to --out (default: the current folder); existing files are
kept unless --force:
  cert.pem, key.pem (0600), chain.pem, ca.pem

Then make this machine trust the dev CA with 'egide pki trust', or point a
client at ca.pem (curl --cacert ca.pem https://localhost:8443/).`,
		Example: cmdutil.Examples(
			"egide pki dev",
			"egide pki dev localhost myapp.localhost 127.0.0.1 --out certs --force",
			"egide pki trust"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			for _, a := range args {
				if _, err := pki.ParseSAN(a); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			undo, err := checkOut(out, []string{"cert.pem", "key.pem", "chain.pem", "ca.pem"}, force)
			if err != nil {
				return err
			}
			e, err := engine(ctx, f, true)
			if err != nil {
				undo()
				return err
			}
			res, err := e.Dev(ctx, args)
			if err != nil {
				undo()
				return err
			}
			if res.CreatedCA {
				fmt.Fprintf(f.IO.ErrOut, "Created the development root CA %q (%s). Trust it with 'egide pki trust'.\n", pki.DevCA, pki.DevCommonName)
			}
			return writeIssued(f, res.Issued, out, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", ".", "folder to write cert.pem, key.pem, chain.pem and ca.pem into")
	fl.BoolVar(&force, "force", false, "replace existing files")
	fl.BoolVar(&asJSON, "json", false, "print the result as JSON on stdout")
	return cmd
}
