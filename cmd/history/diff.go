package history

import (
	"context"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// DiffOptions are diff's inputs.
type DiffOptions struct {
	IO         *iostreams.IOStreams
	Repo       func(context.Context) (*repo.Repository, error)
	Env        func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag    string
	Refs       []string
	ShowValues bool
	JSON       bool
}

// NewCmdDiff returns 'egide diff'.
func NewCmdDiff(f *cmdutil.Factory, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "diff [REF [REF]]",
		Short: "Compare two states of an environment",
		Long: `Print how one state differs from another, one key per line: "+ KEY" added,
"~ KEY" changed, "- KEY" removed, values masked unless --show-values.

  egide diff            HEAD against the working state (what 'status' shows)
  egide diff REF        the commit at REF against the working state
  egide diff REF1 REF2  the commit at REF1 against the commit at REF2

REF is a commit id or a prefix of 4 or more hex digits, HEAD, or an
environment's name (so 'egide diff staging prod' compares two environments),
each optionally followed by ~N. Identical states print nothing.

--json prints an array of changes, {"key", "change"}, plus "old" and "new"
values only with --show-values.`,
		Example: cmdutil.Examples(
			"egide diff",
			"egide diff HEAD~1",
			"egide diff HEAD~3 HEAD --show-values",
			"egide diff staging prod --json"),
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().BoolVar(&opts.ShowValues, "show-values", false, "show the values instead of masking them")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func diffRun(ctx context.Context, opts *DiffOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	changes, err := r.Diff(ctx, env, opts.Refs...)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.PrintJSON(opts.IO.Out, changesJSON(changes, opts.ShowValues))
	}
	newPrinter(opts.IO, nil).changes(changes, opts.ShowValues)
	return nil
}
