package envcmd

import (
	"context"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// GrantOptions are env grant's inputs.
type GrantOptions struct {
	IO        *iostreams.IOStreams
	Repo      func(context.Context) (*repo.Repository, error)
	Name      string
	Recipient string
}

// NewCmdGrant returns 'egide env grant'.
func NewCmdGrant(f *cmdutil.Factory, runF func(context.Context, *GrantOptions) error) *cobra.Command {
	opts := &GrantOptions{IO: f.IO, Repo: f.Repo}
	cmd := &cobra.Command{
		Use:   "grant NAME RECIPIENT",
		Short: "Let another identity read an environment",
		Long: `Wrap every key epoch of an environment to RECIPIENT, an age public key
(age1…) that its owner prints with 'egide identity show', so that identity
can read the environment's whole history. You must be able to read it
yourself. To take access away again, use 'egide env rotate-key --remove'.`,
		Example: cmdutil.Examples(
			"egide env grant prod age1qz…",
			"egide env grant staging \"$(cat alice.pub)\""),
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name, opts.Recipient = args[0], args[1]
			if err := validRecipient("", opts.Recipient); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return grantRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func grantRun(ctx context.Context, opts *GrantOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	if err := r.Grant(ctx, opts.Name, opts.Recipient); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Granted %s read access to env %s.\n", opts.Recipient, opts.Name)
	return nil
}
