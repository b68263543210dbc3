package envcmd

import (
	"context"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// CreateOptions are env create's inputs.
type CreateOptions struct {
	IO   *iostreams.IOStreams
	Repo func(context.Context) (*repo.Repository, error)
	Name string
	From string // --from ENV
}

// NewCmdCreate returns 'egide env create'.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IO, Repo: f.Repo}
	cmd := &cobra.Command{
		Use:   "create NAME [--from ENV]",
		Short: "Create an environment",
		Long: `Create an environment with a fresh key wrapped to your identity. With --from,
its first commit holds ENV's committed secrets (uncommitted changes are not
copied), and everyone who can read ENV can read it too.

Names are 1 to 64 lowercase letters, digits, '-', '_' and '.', starting with
a letter or digit.`,
		Example: cmdutil.Examples(
			"egide env create staging",
			"egide env create preview-42 --from staging"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := validName(opts.Name); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "copy the committed secrets and recipients of this environment")
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	if err := r.CreateEnv(ctx, opts.Name, opts.From); err != nil {
		return err
	}
	if opts.From != "" {
		fmt.Fprintf(opts.IO.ErrOut, "Created env %s from %s's last commit, readable by the same identities.\n", opts.Name, opts.From)
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Created env %s. Add secrets with 'egide set KEY=VALUE -e %s'.\n", opts.Name, opts.Name)
	}
	return nil
}
