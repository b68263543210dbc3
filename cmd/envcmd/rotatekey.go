package envcmd

import (
	"context"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/spf13/cobra"
)

// RotateKeyOptions are env rotate-key's inputs.
type RotateKeyOptions struct {
	IO       *iostreams.IOStreams
	Repo     func(context.Context) (*repo.Repository, error)
	Identity func(context.Context) (*vault.Identity, error)
	Name     string
	Remove   []string // --remove RECIPIENT
}

// NewCmdRotateKey returns 'egide env rotate-key'.
func NewCmdRotateKey(f *cmdutil.Factory, runF func(context.Context, *RotateKeyOptions) error) *cobra.Command {
	opts := &RotateKeyOptions{IO: f.IO, Repo: f.Repo, Identity: func(ctx context.Context) (*vault.Identity, error) {
		id, _, err := f.Identity(ctx)
		return id, err
	}}
	cmd := &cobra.Command{
		Use:   "rotate-key NAME [--remove RECIPIENT]...",
		Short: "Give an environment a new key",
		Long: `Open a new key epoch for an environment: a fresh key, wrapped to everyone who
can read the current one except the recipients given with --remove.
Uncommitted changes are re-sealed under it, new commits use it, and earlier
commits stay readable with the keys of their epochs. Prints the new epoch.

Removing someone keeps them from reading what is committed from now on; what
they could read before, they may have kept, so also change those secrets.`,
		Example: cmdutil.Examples(
			"egide env rotate-key prod",
			"egide env rotate-key prod --remove age1qz…"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			for _, rc := range opts.Remove {
				if err := validRecipient("--remove: ", rc); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rotateKeyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Remove, "remove", nil, "do not wrap the new key to this recipient (repeatable)")
	return cmd
}

func rotateKeyRun(ctx context.Context, opts *RotateKeyOptions) error {
	if len(opts.Remove) > 0 {
		id, err := opts.Identity(ctx)
		if err != nil {
			return err
		}
		for _, rc := range opts.Remove {
			if rc == id.Recipient() {
				return cmdutil.WithHint(fmt.Errorf("cannot remove %s from env %s: it is your own identity", rc, opts.Name),
					"ask another recipient to run the rotation")
			}
		}
	}
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	epoch, err := r.RotateKey(ctx, opts.Name, opts.Remove...)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, epoch)
	fmt.Fprintf(opts.IO.ErrOut, "Env %s now uses key epoch %d; earlier commits stay readable.\n", opts.Name, epoch)
	if len(opts.Remove) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "Removed %d recipient(s) from the new key: change the secrets they could read.\n", len(opts.Remove))
	}
	return nil
}
