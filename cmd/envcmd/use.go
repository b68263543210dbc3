package envcmd

import (
	"context"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// UseOptions are env use's inputs.
type UseOptions struct {
	IO     *iostreams.IOStreams
	Repo   func(context.Context) (*repo.Repository, error)
	Getenv func(string) string
	Name   string
}

// NewCmdUse returns 'egide env use'.
func NewCmdUse(f *cmdutil.Factory, runF func(context.Context, *UseOptions) error) *cobra.Command {
	opts := &UseOptions{IO: f.IO, Repo: f.Repo, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "use NAME",
		Short: "Choose the environment commands use by default",
		Long: `Make NAME the current environment: commands without -e/--env use it, unless
$EGIDE_ENV is set. The choice is kept in the repository.`,
		Example: cmdutil.Examples("egide env use staging"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return useRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func useRun(ctx context.Context, opts *UseOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	if err := r.UseEnv(ctx, opts.Name); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Now using env %s.\n", opts.Name)
	if v := opts.Getenv("EGIDE_ENV"); v != "" && v != opts.Name {
		fmt.Fprintf(opts.IO.ErrOut, "egide: warning: EGIDE_ENV=%s is set and takes precedence; unset it to use %s\n", v, opts.Name)
	}
	return nil
}
