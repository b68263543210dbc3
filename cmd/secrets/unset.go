package secrets

import (
	"context"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// UnsetOptions are unset's inputs.
type UnsetOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag string
	Keys    []string
	Local   bool
}

// NewCmdUnset returns 'egide unset'.
func NewCmdUnset(f *cmdutil.Factory, runF func(context.Context, *UnsetOptions) error) *cobra.Command {
	opts := &UnsetOptions{IO: f.IO, Repo: f.Repo, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "unset KEY...",
		Short: "Stage the removal of secrets",
		Long: `Stage the removal of one or more keys from an environment; 'egide commit'
records it. Every key must exist (committed or staged); if one does not,
nothing is changed.`,
		Example: cmdutil.Examples(
			"egide unset OLD_TOKEN",
			"egide unset A B C -e staging"),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Keys = args
			if err := cmdutil.ValidateKeyArgs(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return unsetRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().BoolVar(&opts.Local, "local", false, "remove personal overrides set with 'egide set --local'")
	return cmd
}

func unsetRun(ctx context.Context, opts *UnsetOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	if opts.Local {
		if err := r.UnsetLocal(ctx, env, opts.Keys); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Removed %d local override(s) in %s.\n", len(opts.Keys), env)
		return nil
	}
	if err := r.Unset(ctx, env, opts.Keys); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Staged removal of %d key(s) in %s. Record with 'egide commit -m MSG'.\n", len(opts.Keys), env)
	return nil
}
