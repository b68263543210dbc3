package identity

import (
	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdIdentity returns 'egide identity' with its subcommands. Without a
// subcommand it runs 'identity show'.
func NewCmdIdentity(f *cmdutil.Factory) *cobra.Command {
	cmd := NewCmdShow(f, nil)
	cmd.Use = "identity"
	cmd.Short = "Show, create, export and import your identity"
	cmd.Long = `Your identity is one age X25519 secret key; environment keys are wrapped to
its public half (the recipient, age1…), and the Ed25519 key derived from it
signs your commits. It is looked up in this order: --identity FILE,
EGIDE_IDENTITY (the secret key itself), EGIDE_IDENTITY_FILE, the OS keyring.

Without a subcommand, 'egide identity' runs 'egide identity show'.`
	cmd.Example = cmdutil.Examples(
		"egide identity",
		"egide identity new",
		"egide identity new --out ~/.config/egide/identity",
		"egide identity export --passphrase --out identity.age",
		"egide identity import identity.age")
	cmd.AddCommand(
		NewCmdShow(f, nil),
		NewCmdNew(f, nil),
		NewCmdExport(f, nil),
		NewCmdImport(f, nil),
	)
	return cmd
}
