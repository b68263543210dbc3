package identity

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
)

// ShowOptions are show's inputs.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Identity func(context.Context) (*vault.Identity, keyring.Location, error)
	JSON     bool
}

// shown is identity show's JSON object.
type shown struct {
	Recipient   string `json:"recipient"`
	Fingerprint string `json:"signing_key_fingerprint"`
	Source      string `json:"source"`
	Location    string `json:"location"`
}

// NewCmdShow returns 'egide identity show'.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IO, Identity: f.Identity}
	cmd := &cobra.Command{
		Use:   "show [--json]",
		Short: "Print your identity's public half",
		Long: `Print the public half of your identity: the age recipient that environment keys
are wrapped to (give it to whoever runs 'egide env grant'), the fingerprint
of your commit-signing key, and where the secret half was found. It needs no
repository and never prints the secret.

--json prints {"recipient", "signing_key_fingerprint", "source", "location"}:
source is "keyring", "env" (EGIDE_IDENTITY), "file" (EGIDE_IDENTITY_FILE) or
"flag" (--identity); location is the keyring service, the variable's name
or the file's path.`,
		Example: cmdutil.Examples(
			"egide identity show",
			"egide identity show --json",
			"egide env grant prod \"$(egide identity show --json | jq -r .recipient)\""),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	id, loc, err := opts.Identity(ctx)
	if err != nil {
		return err
	}
	s := shown{
		Recipient:   id.Recipient(),
		Fingerprint: vault.Fingerprint(id.SigningKey()),
		Source:      string(loc.Source),
		Location:    locationField(loc),
	}
	if opts.JSON {
		return cmdutil.PrintJSON(opts.IO.Out, s)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "recipient\t%s\n", s.Recipient)
	fmt.Fprintf(tw, "signing key\t%s\n", s.Fingerprint)
	fmt.Fprintf(tw, "secret key in\t%s\n", loc)
	return tw.Flush()
}

// locationField is the JSON "location": the keyring service, the variable
// name or the file path.
func locationField(loc keyring.Location) string {
	switch loc.Source {
	case keyring.SourceKeyring:
		return loc.Service
	case keyring.SourceEnv:
		return keyring.EnvIdentity
	}
	return loc.Path
}
