package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
)

// ExportOptions are identity export's inputs.
type ExportOptions struct {
	IO             *iostreams.IOStreams
	Prompter       prompter
	KeyringOptions func() keyring.Options
	Now            func() time.Time

	Out        string // --out FILE; "" or "-" for stdout
	Passphrase bool   // encrypt with a passphrase
}

// NewCmdExport returns 'egide identity export'.
func NewCmdExport(f *cmdutil.Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IO, Prompter: f.IO, KeyringOptions: f.KeyringOptions, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "export [--out FILE] [--passphrase]",
		Short: "Print or save your identity's secret key",
		Long: `Write your identity's secret key, as an identity file, to standard output or
with --out to a new file (mode 0600; an existing file is never replaced), to
move it to another machine or keep a backup. Anyone holding it can read
every environment shared with you.

--passphrase encrypts it with a passphrase (age scrypt, asked twice on the
terminal); 'egide identity import' and EGIDE_IDENTITY_FILE read such files,
asking for the passphrase.`,
		Example: cmdutil.Examples(
			"egide identity export --passphrase --out identity.age",
			"egide identity export --passphrase | ssh laptop egide identity import",
			"egide identity export --out - | pass insert -m egide/identity"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "write to this new file instead of standard output")
	cmd.Flags().BoolVar(&opts.Passphrase, "passphrase", false, "encrypt with a passphrase")
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	secret, loc, warning, err := keyring.Load(ctx, opts.KeyringOptions())
	if warning != "" {
		fmt.Fprintf(opts.IO.ErrOut, "egide: warning: %s\n", warning)
	}
	if err != nil {
		return err
	}
	id, err := vault.ParseIdentity(secret)
	if err != nil {
		return fmt.Errorf("identity from %s: %w", loc, err)
	}
	out := opts.Out
	if out == "" {
		out = "-"
	}
	return writeOut(opts.IO, opts.Prompter, id, secret, out, opts.Passphrase, opts.Now(), fmt.Sprintf("Exported the identity from %s", loc))
}
