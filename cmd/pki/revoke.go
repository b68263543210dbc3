package pki

import (
	"encoding/pem"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/pki"
	"github.com/spf13/cobra"
)

func newCmdRevoke(f *cmdutil.Factory) *cobra.Command {
	var (
		reason string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "revoke SERIAL... [--reason keyCompromise|superseded|...] [--json]",
		Short: "Revoke certificates; their issuer's CRL lists them at once",
		Long: `Revoke certificates by serial (as 'egide pki list' prints them, 3f:a0:…, or
as OpenSSL does, 3FA0…). Every serial is checked first: an unknown serial or
one already revoked fails the command and nothing is revoked. Each issuer's
CRL is then re-signed, with the next CRL number, before the command returns.

Reasons (RFC 5280): unspecified (default), keyCompromise, cACompromise,
affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn,
aACompromise. A revocation cannot be undone.`,
		Example: cmdutil.Examples(
			"egide pki revoke 3f:a0:19:8c:… --reason keyCompromise",
			"egide pki list --json | jq -r '.[] | select(.role==\"old\") | .serial' | xargs egide pki revoke --reason superseded"),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			code, err := pki.ParseReason(reason)
			if err != nil {
				return cmdutil.FlagErrorf("--reason: %v", err)
			}
			for _, a := range args {
				if _, err := pki.ParseSerial(a); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			certs, crls, err := e.Revoke(ctx, args, code)
			if err != nil {
				return err
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, certs)
			}
			for _, c := range certs {
				fmt.Fprintf(f.IO.ErrOut, "Revoked %s (%s, issuer %s): %s.\n", c.Serial, c.CommonName, c.Issuer, c.Reason)
				if c.IsCA {
					fmt.Fprintf(f.IO.ErrOut, "It is a CA certificate: that CA signs nothing more, and roles pinned to it refuse to issue (see 'egide pki role list').\n")
				}
			}
			for _, info := range crls {
				fmt.Fprintf(f.IO.ErrOut, "CRL of %s: number %s, %d entries, next update %s ('egide pki crl --issuer %s').\n",
					info.Issuer, info.Number, info.Entries, date(info.NextUpdate), info.Issuer)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "revocation reason (RFC 5280 name)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the revoked certificates as JSON")
	return cmd
}

func newCmdCRL(f *cmdutil.Factory) *cobra.Command {
	var (
		issuer, out string
		der         bool
	)
	cmd := &cobra.Command{
		Use:   "crl [--issuer CA] [--out FILE] [--der]",
		Short: "Print a CA's current certificate revocation list",
		Long: `Print the current CRL of --issuer (default: the default issuer) as PEM, or
DER with --der, on stdout or to --out FILE. A CRL is current for 72 hours
(its nextUpdate); one past half of that is re-signed with the next CRL
number first (when that cannot be done, e.g. on a read-only repository, the
stored one is printed with a warning while it is current). Its number, dates
and size go to stderr.`,
		Example: cmdutil.Examples(
			"egide pki crl --issuer acme-services-ca --out crl.pem",
			"egide pki crl --der --out crl.der && openssl crl -inform DER -in crl.der -noout -text"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if der && out == "" && f.IO.IsStdoutTTY() {
				return cmdutil.FlagErrorf("--der writes binary: use --out FILE or a pipe")
			}
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			crl, info, err := e.CRL(ctx, issuer)
			if err != nil {
				return err
			}
			data := crl
			if !der {
				data = pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl})
			}
			if out != "" {
				if err := writeAtomic(out, data, 0o644); err != nil {
					return err
				}
			} else if _, err := f.IO.Out.Write(data); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "CRL of %s: number %s, %d revoked, this update %s, next update %s, %d bytes.\n",
				info.Issuer, info.Number, info.Entries, date(info.ThisUpdate), date(info.NextUpdate), info.Size)
			if info.Warning != "" {
				fmt.Fprintf(f.IO.ErrOut, "Warning: %s.\n", info.Warning)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&issuer, "issuer", "", "the CA (default: the default issuer)")
	cmd.Flags().StringVar(&out, "out", "", "write to FILE instead of stdout")
	cmd.Flags().BoolVar(&der, "der", false, "DER instead of PEM")
	return cmd
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var (
		revoked, asJSON bool
		expiring        string
	)
	cmd := &cobra.Command{
		Use:     "list [--revoked] [--expiring 30d] [--json]",
		Aliases: []string{"ls"},
		Short:   "List issued certificates",
		Long: `List the certificates the project's CAs issued (CA certificates included),
soonest to expire first: serial, common name, issuer, role, notAfter, status.
--revoked keeps revoked ones; --expiring 30d keeps unrevoked ones that expire
within 30 days (or have expired). --json prints an array of {"serial",
"common_name", "sans", "issuer", "role", "is_ca", "usage", "not_before",
"not_after", "revoked_at", "revocation_reason"}.`,
		Example: cmdutil.Examples(
			"egide pki list",
			"egide pki list --expiring 14d",
			"egide pki list --revoked --json"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			within, err := ttlFlag("expiring", expiring)
			if err != nil {
				return err
			}
			e, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			certs, err := e.List(ctx, pki.Filter{Revoked: revoked, ExpiringWithin: within})
			if err != nil {
				return err
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, certs)
			}
			if len(certs) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "No certificates match.")
				return nil
			}
			now := f.Now()
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SERIAL\tCOMMON NAME\tISSUER\tROLE\tNOT AFTER\tSTATUS")
			for _, c := range certs {
				role := c.Role
				if c.IsCA {
					role = "(CA)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Serial, c.CommonName, c.Issuer, role, date(c.NotAfter), status(c, now))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&revoked, "revoked", false, "only revoked certificates")
	cmd.Flags().StringVar(&expiring, "expiring", "", "only unrevoked certificates expiring within this, e.g. 30d")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// status says whether a certificate is valid, expired or revoked.
func status(c *pki.Cert, now time.Time) string {
	switch {
	case c.RevokedAt != nil:
		return "revoked " + c.RevokedAt.UTC().Format("2006-01-02") + " (" + c.Reason + ")"
	case now.After(c.NotAfter):
		return "expired"
	case now.Before(c.NotBefore):
		return "not yet valid"
	}
	return "valid"
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	var asJSON, asPEM bool
	cmd := &cobra.Command{
		Use:     "show SERIAL [--pem] [--json]",
		Short:   "Show an issued certificate",
		Long:    `Show the certificate with SERIAL; --pem prints it as PEM.`,
		Example: cmdutil.Examples("egide pki show 3f:a0:19:8c:…", "egide pki show 3FA0198C… --pem | openssl x509 -noout -text"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := pki.ParseSerial(args[0]); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			e, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			c, err := e.Cert(ctx, args[0])
			if err != nil {
				return err
			}
			switch {
			case asPEM:
				_, err := fmt.Fprint(f.IO.Out, c.PEM)
				return err
			case asJSON:
				return cmdutil.PrintJSON(f.IO.Out, c)
			}
			w := f.IO.Out
			fmt.Fprintf(w, "Serial:       %s\n", c.Serial)
			fmt.Fprintf(w, "Common name:  %s\n", c.CommonName)
			fmt.Fprintf(w, "SANs:         %s\n", strings.Join(c.SANs, ", "))
			fmt.Fprintf(w, "Issuer:       %s\n", c.Issuer)
			if c.IsCA {
				fmt.Fprintf(w, "Type:         CA certificate\n")
			} else {
				fmt.Fprintf(w, "Role:         %s\n", c.Role)
				fmt.Fprintf(w, "Usage:        %s\n", strings.Join(c.Usage, ", "))
			}
			fmt.Fprintf(w, "Valid:        %s to %s\n", date(c.NotBefore), date(c.NotAfter))
			fmt.Fprintf(w, "Status:       %s\n", status(c, f.Now()))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asPEM, "pem", false, "print the certificate as PEM")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (with the PEM)")
	return cmd
}

func newCmdTidy(f *cmdutil.Factory) *cobra.Command {
	var (
		buffer string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "tidy [--safety-buffer 72h] [--json]",
		Short: "Drop expired certificates from the index and the CRLs",
		Long: `Remove certificates that expired more than --safety-buffer ago (default 72h,
one CRL lifetime) from the index, and their serials from their issuer's CRL,
which is re-signed: an expired certificate fails validation by itself, so
its revocation need not be listed any more (RFC 5280 §3.3).`,
		Example: cmdutil.Examples("egide pki tidy", "egide pki tidy --safety-buffer 0s"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			margin, err := time.ParseDuration(buffer)
			if err != nil {
				margin, err = ttlFlag("safety-buffer", buffer) // also 3d, 1y
			}
			if err != nil {
				return err
			}
			if margin < 0 {
				return cmdutil.FlagErrorf("--safety-buffer: not negative")
			}
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			res, err := e.Tidy(ctx, margin)
			if err != nil {
				return err
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, res)
			}
			fmt.Fprintf(f.IO.ErrOut, "Removed %d expired certificate(s) from the index and %d serial(s) from the CRLs.\n", res.Removed, res.CRLEntries)
			return nil
		},
	}
	cmd.Flags().StringVar(&buffer, "safety-buffer", "72h", "keep certificates that expired less than this ago")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
