package envcmd

import (
	"context"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// RenameOptions are env rename's inputs.
type RenameOptions struct {
	IO       *iostreams.IOStreams
	Repo     func(context.Context) (*repo.Repository, error)
	Old, New string
}

// NewCmdRename returns 'egide env rename'.
func NewCmdRename(f *cmdutil.Factory, runF func(context.Context, *RenameOptions) error) *cobra.Command {
	opts := &RenameOptions{IO: f.IO, Repo: f.Repo}
	cmd := &cobra.Command{
		Use:   "rename OLD NEW",
		Short: "Rename an environment",
		Long: `Rename an environment. Its history, keys and recipients stay as they are, and
it stays the current or default environment if it was.`,
		Example: cmdutil.Examples("egide env rename stage staging"),
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if err := validName(opts.New); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return renameRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func renameRun(ctx context.Context, opts *RenameOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	if err := r.RenameEnv(ctx, opts.Old, opts.New); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Renamed env %s to %s.\n", opts.Old, opts.New)
	return nil
}
