package pki

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/pki"
	"github.com/spf13/cobra"
)

func newCmdRole(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "role",
		Short:   "Create, list, show and delete roles",
		Example: cmdutil.Examples("egide pki role create web --allowed-domains acme.internal --allow-subdomains", "egide pki role list"),
	}
	cmd.AddCommand(newCmdRoleCreate(f), newCmdRoleList(f), newCmdRoleShow(f), newCmdRoleDelete(f))
	return cmd
}

func newCmdRoleCreate(f *cmdutil.Factory) *cobra.Command {
	var (
		r                    pki.Role
		keyType, ttl, maxTTL string
	)
	cmd := &cobra.Command{
		Use:   "create NAME --allowed-domains a.com,b.com [--allow-subdomains] [--allow-localhost] [--allow-ip-sans] [--server|--client] [--max-ttl 90d] [--key-type TYPE] [--issuer CA]",
		Short: "Create a role: what a CA may issue",
		Long: `Create role NAME. Every name in a certificate (the CN, each SAN) must pass the
role's rules, or the request is refused with the rule that refused it:

  --allowed-domains a.com,b.com   those names themselves
  --allow-subdomains              and every name below them (x.a.com, *.a.com)
  --allow-localhost               localhost, localhost.localdomain, names under .localhost
  --allow-ip-sans                 IP address SANs
  --allowed-uri-sans 'spiffe://acme/*'  URI SANs matching a pattern ('*': any run)
  --allow-any-name                any DNS name, email or URI (development only)

Email SANs are checked on their domain. --server (the default) and --client
choose the extended key usages (serverAuth, clientAuth); give both for both.
--issuer pins the signing CA (default: the default issuer now). TTLs: --ttl
is the default lifetime (30d, or --max-ttl when shorter), --max-ttl the most
a request may ask (90d).`,
		Example: cmdutil.Examples(
			"egide pki role create web --allowed-domains acme.internal --allow-subdomains",
			"egide pki role create svc-client --allowed-domains svc.acme.internal --allow-subdomains --client --max-ttl 7d",
			"egide pki role create local --allow-localhost --allow-ip-sans --server"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r.Name = args[0]
			kt, err := keyTypeFlag(keyType)
			if err != nil {
				return err
			}
			r.KeyType = kt
			if r.TTL, err = ttlFlag("ttl", ttl); err != nil {
				return err
			}
			if r.MaxTTL, err = ttlFlag("max-ttl", maxTTL); err != nil {
				return err
			}
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			role, err := e.CreateRole(ctx, r)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Created role %s: issuer %s, %s, %s keys, TTL %s (max %s).\n",
				role.Name, role.Issuer, usage(role), role.KeyType, pki.FormatTTL(role.TTL), pki.FormatTTL(role.MaxTTL))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&r.AllowedDomains, "allowed-domains", nil, "domains the role allows (comma-separated)")
	fl.BoolVar(&r.AllowSubdomains, "allow-subdomains", false, "also allow names below the allowed domains, wildcards included")
	fl.BoolVar(&r.AllowLocalhost, "allow-localhost", false, "allow localhost, localhost.localdomain and names under .localhost")
	fl.BoolVar(&r.AllowIPSANs, "allow-ip-sans", false, "allow IP address SANs")
	fl.StringSliceVar(&r.AllowedURISANs, "allowed-uri-sans", nil, "patterns URI SANs must match ('*' for any run)")
	fl.BoolVar(&r.AllowAnyName, "allow-any-name", false, "allow any DNS name, email or URI (development CAs only)")
	fl.BoolVar(&r.Server, "server", false, "issue server certificates (serverAuth; the default)")
	fl.BoolVar(&r.Client, "client", false, "issue client certificates (clientAuth)")
	fl.StringVar(&keyType, "key-type", "ec-p256", keyTypeHelp+" (of keys 'issue' makes)")
	fl.StringVar(&ttl, "ttl", "", "default lifetime (default 30d, or --max-ttl when shorter)")
	fl.StringVar(&maxTTL, "max-ttl", "", "longest lifetime a request may ask (default 90d)")
	fl.StringVar(&r.Issuer, "issuer", "", "the signing CA (default: the default issuer)")
	return cmd
}

// usage describes a role's extended key usages.
func usage(r *pki.Role) string {
	switch {
	case r.Server && r.Client:
		return "server and client"
	case r.Client:
		return "client"
	}
	return "server"
}

// names describes a role's name rules.
func names(r *pki.Role) string {
	var parts []string
	if r.AllowAnyName {
		parts = append(parts, "any name")
	}
	if len(r.AllowedDomains) > 0 {
		d := strings.Join(r.AllowedDomains, ",")
		if r.AllowSubdomains {
			d += " (+subdomains)"
		}
		parts = append(parts, d)
	}
	if r.AllowLocalhost {
		parts = append(parts, "localhost")
	}
	if r.AllowIPSANs {
		parts = append(parts, "IPs")
	}
	for _, u := range r.AllowedURISANs {
		parts = append(parts, u)
	}
	return strings.Join(parts, "; ")
}

func newCmdRoleList(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list [--json]",
		Aliases: []string{"ls"},
		Short:   "List roles",
		Long: `List roles with their issuer, names, usage and TTLs. --json prints an array
of the roles' settings (TTLs in nanoseconds, as Go durations).`,
		Example: cmdutil.Examples("egide pki role list", "egide pki role list --json"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			roles, err := e.Roles(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, roles)
			}
			if len(roles) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "No role yet: create one with 'egide pki role create NAME --allowed-domains …'.")
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tISSUER\tNAMES\tUSAGE\tKEY TYPE\tTTL\tMAX TTL")
			for _, r := range roles {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Issuer, names(r), usage(r), r.KeyType, pki.FormatTTL(r.TTL), pki.FormatTTL(r.MaxTTL))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCmdRoleShow(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show NAME [--json]",
		Short:   "Show a role",
		Example: cmdutil.Examples("egide pki role show web"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			r, err := e.Role(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, r)
			}
			w := f.IO.Out
			fmt.Fprintf(w, "Name:      %s\nIssuer:    %s\nNames:     %s\nUsage:     %s\nKey type:  %s\nTTL:       %s (max %s)\n",
				r.Name, r.Issuer, names(r), usage(r), r.KeyType, pki.FormatTTL(r.TTL), pki.FormatTTL(r.MaxTTL))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCmdRoleDelete(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a role (certificates it issued stay valid)",
		Example: cmdutil.Examples("egide pki role delete web"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			if err := e.DeleteRole(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Deleted role %s; certificates it issued stay valid until they expire or are revoked.\n", args[0])
			return nil
		},
	}
}
