package pki

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/pki"
	"github.com/spf13/cobra"
)

// caFlags are the flags of root create and intermediate create.
type caFlags struct {
	name, cn, keyType, ttl, parent string
	pathLen                        int
}

func (c *caFlags) request() (pki.CARequest, error) {
	kt, err := keyTypeFlag(c.keyType)
	if err != nil {
		return pki.CARequest{}, err
	}
	ttl, err := ttlFlag("ttl", c.ttl)
	if err != nil {
		return pki.CARequest{}, err
	}
	if c.pathLen < -1 {
		return pki.CARequest{}, cmdutil.FlagErrorf("--path-len: -1 (no limit) or more")
	}
	name := c.name
	if name == "" {
		if name = slug(c.cn); name == "" {
			return pki.CARequest{}, cmdutil.FlagErrorf("--cn %q gives no CA name (it has no ASCII letters or digits): name the CA with --name", c.cn)
		}
	}
	return pki.CARequest{Name: name, CommonName: c.cn, KeyType: kt, TTL: ttl, MaxPathLen: c.pathLen, Parent: c.parent}, nil
}

// slug makes a CA name from a common name: "Acme Root CA" → "acme-root-ca".
func slug(cn string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(cn) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func addCAFlags(cmd *cobra.Command, c *caFlags, defTTL string) {
	fl := cmd.Flags()
	fl.StringVar(&c.cn, "cn", "", "the CA certificate's common name (required)")
	fl.StringVar(&c.name, "name", "", "the CA's name in egide (default: made from --cn, e.g. acme-root-ca)")
	fl.StringVar(&c.keyType, "key-type", "ec-p256", keyTypeHelp)
	fl.StringVar(&c.ttl, "ttl", "", "lifetime, e.g. 10y, 5y, 365d (default "+defTTL+")")
	_ = cmd.MarkFlagRequired("cn")
}

func newCmdRoot(f *cmdutil.Factory) *cobra.Command {
	var c caFlags
	cmd := &cobra.Command{
		Use:     "root",
		Short:   "Create root CAs",
		Example: cmdutil.Examples("egide pki root create --cn 'Acme Root CA'"),
	}
	create := &cobra.Command{
		Use:   "create --cn NAME [--key-type TYPE] [--ttl 10y] [--path-len N] [--name NAME]",
		Short: "Create a self-signed root CA",
		Long: `Create a root CA: a new key sealed in the project repository and a
self-signed certificate (basicConstraints CA:TRUE, critical; keyUsage
certSign, cRLSign; no path length limit unless --path-len). The first CA
becomes the default issuer of new roles and intermediates.`,
		Example: cmdutil.Examples(
			"egide pki root create --cn 'Acme Root CA'",
			"egide pki root create --cn 'Acme Root CA' --key-type ec-p384 --ttl 20y --path-len 1"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := c.request()
			if err != nil {
				return err
			}
			return createCA(cmd, f, req, true)
		},
	}
	addCAFlags(create, &c, "10y")
	create.Flags().IntVar(&c.pathLen, "path-len", -1, "how many intermediate levels may sit below (-1: no limit)")
	cmd.AddCommand(create)
	return cmd
}

func newCmdIntermediate(f *cmdutil.Factory) *cobra.Command {
	var c caFlags
	cmd := &cobra.Command{
		Use:     "intermediate",
		Short:   "Create intermediate CAs",
		Example: cmdutil.Examples("egide pki intermediate create --cn 'Acme Services CA' --parent acme-root-ca"),
	}
	create := &cobra.Command{
		Use:   "create --cn NAME [--parent CA] [--key-type TYPE] [--ttl 5y] [--path-len N] [--name NAME]",
		Short: "Create an intermediate CA signed by another CA",
		Long: `Create an intermediate CA signed by --parent (default: the default issuer).
Its path length is 0 unless --path-len says otherwise: it issues leaves, not
further CAs. It cannot outlive its parent: an explicit --ttl that ends after
the parent's notAfter is refused, the default is cut to it. It becomes the
default issuer when there was none or its parent was.`,
		Example: cmdutil.Examples(
			"egide pki intermediate create --cn 'Acme Services CA'",
			"egide pki intermediate create --cn 'Acme EU CA' --parent acme-root-ca --ttl 3y"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := c.request()
			if err != nil {
				return err
			}
			return createCA(cmd, f, req, false)
		},
	}
	addCAFlags(create, &c, "5y")
	create.Flags().StringVar(&c.parent, "parent", "", "the signing CA (default: the default issuer)")
	create.Flags().IntVar(&c.pathLen, "path-len", 0, "how many intermediate levels may sit below (-1: as many as the parent allows)")
	cmd.AddCommand(create)
	return cmd
}

func createCA(cmd *cobra.Command, f *cmdutil.Factory, req pki.CARequest, root bool) error {
	ctx := cmd.Context()
	e, err := engine(ctx, f, true)
	if err != nil {
		return err
	}
	if req.KeyType == pki.RSA4096 {
		fmt.Fprintln(f.IO.ErrOut, "Generating an RSA-4096 key; this can take a few seconds…")
	}
	var ca *pki.CA
	if root {
		ca, err = e.CreateRoot(ctx, req)
	} else {
		ca, err = e.CreateIntermediate(ctx, req)
	}
	if err != nil {
		return err
	}
	kind := "root CA"
	if !root {
		kind = "intermediate CA (signed by " + ca.Parent + ")"
	}
	def := ""
	if ca.Default {
		def = "; it is the default issuer"
	}
	fmt.Fprintf(f.IO.ErrOut, "Created %s %s: %q, %s, valid until %s%s.\n", kind, ca.Name, ca.Cert.Subject.CommonName, ca.KeyType, date(ca.Cert.NotAfter), def)
	return nil
}

func newCmdCA(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ca",
		Short:   "List and show CAs, choose the default issuer",
		Example: cmdutil.Examples("egide pki ca list", "egide pki ca show acme-root-ca --pem > ca.pem", "egide pki ca default acme-services-ca"),
	}
	cmd.AddCommand(newCmdCAList(f), newCmdCAShow(f), newCmdCADefault(f))
	return cmd
}

func newCmdCADefault(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "default CA",
		Short: "Make a CA the default issuer of new roles and intermediates",
		Long: `Make CA the default issuer: the CA that 'role create' and 'intermediate
create' use when no --issuer or --parent is given, and that 'crl' prints.
Existing roles keep their issuer.`,
		Example: cmdutil.Examples("egide pki ca default acme-services-ca"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			if err := e.SetDefaultIssuer(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "CA %s is the default issuer.\n", args[0])
			return nil
		},
	}
}

// caJSON is a CA in --json output.
type caJSON struct {
	Name        string    `json:"name"`
	CommonName  string    `json:"common_name"`
	KeyType     string    `json:"key_type"`
	Parent      string    `json:"parent,omitempty"`
	Default     bool      `json:"default"`
	Serial      string    `json:"serial"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	MaxPathLen  *int      `json:"max_path_len,omitempty"`
	SHA256      string    `json:"sha256_fingerprint"`
	SubjectKey  string    `json:"subject_key_id"`
	PEM         string    `json:"pem,omitempty"`
	ChainLength int       `json:"chain_length"`
}

func toCAJSON(c *pki.CA, withPEM bool) caJSON {
	sum := sha256.Sum256(c.Cert.Raw)
	out := caJSON{Name: c.Name, CommonName: c.Cert.Subject.CommonName, KeyType: string(c.KeyType), Parent: c.Parent, Default: c.Default,
		Serial: pki.FormatSerial(c.Cert.SerialNumber), NotBefore: c.Cert.NotBefore.UTC(), NotAfter: c.Cert.NotAfter.UTC(),
		SHA256: hex.EncodeToString(sum[:]), SubjectKey: hex.EncodeToString(c.Cert.SubjectKeyId), ChainLength: len(c.Chain)}
	if c.Cert.MaxPathLen >= 0 {
		pl := c.Cert.MaxPathLen
		out.MaxPathLen = &pl
	}
	if withPEM {
		out.PEM = string(pki.PEMCert(c.Cert.Raw))
	}
	return out
}

func newCmdCAList(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list [--json]",
		Aliases: []string{"ls"},
		Short:   "List the CAs",
		Long: `List the CAs: name, parent, key type, notAfter; '*' marks the default
issuer. --json prints an array of {"name", "common_name", "key_type",
"parent", "default", "serial", "not_before", "not_after", "max_path_len",
"sha256_fingerprint", "subject_key_id", "chain_length"}.`,
		Example: cmdutil.Examples("egide pki ca list", "egide pki ca list --json | jq -r '.[].name'"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			cas, err := e.CAs(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]caJSON, len(cas))
				for i, c := range cas {
					out[i] = toCAJSON(c, false)
				}
				return cmdutil.PrintJSON(f.IO.Out, out)
			}
			if len(cas) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "No CA yet: create one with 'egide pki root create --cn NAME', or run 'egide pki dev'.")
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  NAME\tCOMMON NAME\tPARENT\tKEY TYPE\tNOT AFTER")
			for _, c := range cas {
				mark, parent := " ", c.Parent
				if c.Default {
					mark = "*"
				}
				if parent == "" {
					parent = "(root)"
				}
				fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\n", mark, c.Name, c.Cert.Subject.CommonName, parent, c.KeyType, date(c.Cert.NotAfter))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCmdCAShow(f *cmdutil.Factory) *cobra.Command {
	var asJSON, asPEM, chain bool
	cmd := &cobra.Command{
		Use:   "show CA [--pem [--chain]] [--json]",
		Short: "Show a CA, or print its certificate",
		Long: `Show CA's certificate details. --pem prints the certificate as PEM instead
(with --chain, followed by the CAs above it up to the root), for clients to
trust: egide pki ca show acme-root-ca --pem > ca.pem.`,
		Example: cmdutil.Examples("egide pki ca show acme-root-ca", "egide pki ca show dev --pem > dev-ca.pem"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			c, err := e.CA(ctx, args[0])
			if err != nil {
				return err
			}
			switch {
			case asPEM:
				certs := c.Chain[:1]
				if chain {
					certs = c.Chain
				}
				for _, cert := range certs {
					if _, err := f.IO.Out.Write(pki.PEMCert(cert.Raw)); err != nil {
						return err
					}
				}
				return nil
			case asJSON:
				return cmdutil.PrintJSON(f.IO.Out, toCAJSON(c, true))
			}
			j := toCAJSON(c, false)
			w := f.IO.Out
			fmt.Fprintf(w, "Name:         %s\n", j.Name)
			fmt.Fprintf(w, "Common name:  %s\n", j.CommonName)
			if j.Parent == "" {
				fmt.Fprintf(w, "Type:         root (self-signed)\n")
			} else {
				fmt.Fprintf(w, "Type:         intermediate, signed by %s\n", j.Parent)
			}
			fmt.Fprintf(w, "Default:      %v\n", j.Default)
			fmt.Fprintf(w, "Key type:     %s\n", j.KeyType)
			fmt.Fprintf(w, "Serial:       %s\n", j.Serial)
			fmt.Fprintf(w, "Valid:        %s to %s\n", date(j.NotBefore), date(j.NotAfter))
			if j.MaxPathLen != nil {
				fmt.Fprintf(w, "Path length:  %d\n", *j.MaxPathLen)
			} else {
				fmt.Fprintf(w, "Path length:  no limit\n")
			}
			fmt.Fprintf(w, "Subject key:  %s\n", j.SubjectKey)
			fmt.Fprintf(w, "SHA-256:      %s\n", j.SHA256)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asPEM, "pem", false, "print the certificate as PEM")
	cmd.Flags().BoolVar(&chain, "chain", false, "with --pem: also the CAs above it")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (with the PEM)")
	return cmd
}
