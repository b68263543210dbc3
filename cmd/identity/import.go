package identity

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
)

// ImportOptions are identity import's inputs.
type ImportOptions struct {
	IO             *iostreams.IOStreams
	Prompter       prompter
	KeyringOptions func() keyring.Options
	Now            func() time.Time

	File  string // the identity file; "" or "-" for stdin
	Out   string // --out FILE instead of the OS keyring
	Force bool   // replace another identity in the OS keyring
}

// NewCmdImport returns 'egide identity import'.
func NewCmdImport(f *cmdutil.Factory, runF func(context.Context, *ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{IO: f.IO, Prompter: f.IO, KeyringOptions: f.KeyringOptions, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "import [FILE] [--out FILE] [--force]",
		Short: "Store an exported identity in the OS keyring",
		Long: `Read an identity, as 'egide identity export' or age-keygen write it (plain or
passphrase-encrypted), from FILE or standard input, and store it in the OS
keyring, or with --out in a new file (mode 0600). On a terminal without FILE
it asks for the secret key without echo. The public recipient is printed on
standard output.

A different identity already in the OS keyring is replaced only with
--force: every environment wrapped only to it becomes unreadable.`,
		Example: cmdutil.Examples(
			"egide identity import identity.age",
			"ssh desktop egide identity export --passphrase | egide identity import",
			"egide identity import key.txt --out ~/.config/egide/identity"),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if opts.Force && opts.Out != "" {
				return cmdutil.FlagErrorf("--force replaces the identity in the OS keyring; --out never replaces a file")
			}
			if opts.Out == "-" {
				return cmdutil.FlagErrorf("--out - would print the secret key: use 'egide identity export' for that")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "write the identity to this new file instead of the OS keyring")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace another identity stored in the OS keyring")
	return cmd
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	secret, err := readIdentity(opts)
	if err != nil {
		return err
	}
	id, err := vault.ParseIdentity(secret)
	if err != nil {
		return err
	}
	if opts.Out != "" {
		if err := writeIdentityFile(opts.Out, secret, nil, opts.Now()); err != nil {
			return err
		}
		out := opts.Out
		if abs, err := filepath.Abs(out); err == nil {
			out = abs
		}
		fmt.Fprintln(opts.IO.Out, id.Recipient())
		fmt.Fprintf(opts.IO.ErrOut, "Wrote identity %s to %s (mode 0600). Use it with: export EGIDE_IDENTITY_FILE=%s\n", id.Recipient(), out, out)
		return nil
	}

	return storeInKeyring(ctx, opts.IO, opts.KeyringOptions(), id, secret, opts.Force, keyringStore{
		replaced:    "another identity, ",
		stored:      "Imported identity %[1]s into the %[2]s.",
		unavailable: "keep it in a file instead: add --out ~/.config/egide/identity, then export EGIDE_IDENTITY_FILE=~/.config/egide/identity",
		shadowed:    "this identity",
	})
}

// readIdentity reads the secret key from FILE, from a hidden prompt when
// standard input is a terminal, or from standard input.
func readIdentity(opts *ImportOptions) (string, error) {
	if opts.File != "" && opts.File != "-" {
		secret, warning, err := keyring.ReadFile(opts.File, passphraseFunc(opts.Prompter, opts.File))
		if warning != "" {
			fmt.Fprintf(opts.IO.ErrOut, "egide: warning: %s\n", warning)
		}
		return secret, err
	}
	var data []byte
	if opts.IO.IsStdinTTY() {
		b, err := opts.Prompter.ReadSecret("Secret key (AGE-SECRET-KEY-1…): ")
		if err != nil {
			return "", cmdutil.WithHint(fmt.Errorf("read identity: %w", err), "give the identity file: egide identity import FILE")
		}
		data = b
	} else {
		b, err := io.ReadAll(io.LimitReader(opts.IO.In, maxIdentitySize+1))
		if err != nil {
			return "", fmt.Errorf("read identity from standard input: %w", err)
		}
		data = b
	}
	defer clear(data)
	secret, err := decodeIdentity(data, passphraseFunc(opts.Prompter, "the identity"))
	if err != nil {
		return "", fmt.Errorf("identity on standard input: %w", err)
	}
	return secret, nil
}
