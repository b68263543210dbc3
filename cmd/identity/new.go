package identity

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
)

// NewOptions are identity new's inputs.
type NewOptions struct {
	IO             *iostreams.IOStreams
	Prompter       prompter
	KeyringOptions func() keyring.Options
	Now            func() time.Time

	Out        string // --out FILE, "-" for stdout; "" for the OS keyring
	Force      bool   // replace the identity in the OS keyring
	Passphrase bool   // encrypt --out with a passphrase
}

// NewCmdNew returns 'egide identity new'.
func NewCmdNew(f *cmdutil.Factory, runF func(context.Context, *NewOptions) error) *cobra.Command {
	opts := &NewOptions{IO: f.IO, Prompter: f.IO, KeyringOptions: f.KeyringOptions, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "new [--out FILE] [--force] [--passphrase]",
		Short: "Create a new identity",
		Long: `Create a new identity and store it in the OS keyring, or with --out in a new
file (mode 0600; an existing file is never replaced). The public recipient
(age1…) is printed on standard output.

An identity already in the OS keyring is replaced only with --force: every
environment wrapped only to it becomes unreadable, so export it first.
--passphrase encrypts the --out file with a passphrase (asked twice on the
terminal); egide then asks for it whenever it reads the file. '--out -'
prints the new secret key itself on standard output, for a CI secret store.`,
		Example: cmdutil.Examples(
			"egide identity new",
			"egide identity new --out ~/.config/egide/identity && export EGIDE_IDENTITY_FILE=~/.config/egide/identity",
			"egide identity new --out - | gh secret set EGIDE_IDENTITY"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Passphrase && opts.Out == "" {
				return cmdutil.FlagErrorf("--passphrase encrypts a file: use it with --out FILE")
			}
			if opts.Force && opts.Out != "" {
				return cmdutil.FlagErrorf("--force replaces the identity in the OS keyring; --out never replaces a file")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return newRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "write the identity to this new file ('-' for standard output) instead of the OS keyring")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace the identity stored in the OS keyring")
	cmd.Flags().BoolVar(&opts.Passphrase, "passphrase", false, "encrypt the --out file with a passphrase")
	return cmd
}

func newRun(ctx context.Context, opts *NewOptions) error {
	id, secret, err := vault.GenerateIdentity()
	if err != nil {
		return err
	}
	if opts.Out != "" {
		return writeOut(opts.IO, opts.Prompter, id, secret, opts.Out, opts.Passphrase, opts.Now(), "Wrote a new identity")
	}

	return storeInKeyring(ctx, opts.IO, opts.KeyringOptions(), id, secret, opts.Force, keyringStore{
		replaced:    "identity ",
		stored:      "Stored a new identity in the %[2]s.",
		unavailable: "write it to a file instead: 'egide identity new --out ~/.config/egide/identity', then export EGIDE_IDENTITY_FILE=~/.config/egide/identity",
		shadowed:    "the new identity",
	})
}

// writeOut writes an identity to out: a new file (mode 0600), or standard
// output for "-". With passphrase, it asks for one and encrypts. done
// starts the message on stderr.
func writeOut(ios *iostreams.IOStreams, p prompter, id *vault.Identity, secret, out string, passphrase bool, now time.Time, done string) error {
	var pass []byte
	if passphrase {
		var err error
		if pass, err = newPassphrase(p); err != nil {
			return err
		}
		defer clear(pass)
	}
	how := ""
	if passphrase {
		how = ", passphrase-encrypted"
	}
	if out == "-" {
		data, err := encodeIdentity(id, secret, pass, now)
		if err != nil {
			return err
		}
		defer clear(data)
		if _, err := ios.Out.Write(data); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "%s to standard output%s. Public key: %s\n", done, how, id.Recipient())
		return nil
	}
	if err := writeIdentityFile(out, secret, pass, now); err != nil {
		return err
	}
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	fmt.Fprintln(ios.Out, id.Recipient())
	fmt.Fprintf(ios.ErrOut, "%s to %s (mode 0600%s). Use it with: export EGIDE_IDENTITY_FILE=%s\n", done, out, how, out)
	return nil
}
