package history

import (
	"context"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// ResetOptions are reset's inputs.
type ResetOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag string
	Ref     string
	Hard    bool
}

// NewCmdReset returns 'egide reset'.
func NewCmdReset(f *cmdutil.Factory, runF func(context.Context, *ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{IO: f.IO, Repo: f.Repo, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "reset [--hard] [REF]",
		Short: "Move an environment to another commit",
		Long: `Make the commit REF names (HEAD by default) the environment's HEAD. Commits
after it leave the history but are not deleted: reset reports the previous
HEAD so that 'egide reset ID' undoes the move.

Uncommitted changes stay staged, now on top of the new HEAD (unlike git,
the changes between the old and the new HEAD are not turned into
uncommitted changes). --hard discards every uncommitted change, so
'egide reset --hard' alone throws away what 'egide status' lists.

What reset did goes to standard error, like commit's report; standard output
stays empty:

  dev: HEAD is now 1b2c3d4e5f add database (was 3fa2c1b9e0)`,
		Example: cmdutil.Examples(
			"egide reset --hard            # discard uncommitted changes",
			"egide reset HEAD~1            # drop the last commit, keep what is staged",
			"egide reset --hard 3fa2c1b9 -e prod"),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = "HEAD"
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return resetRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().BoolVar(&opts.Hard, "hard", false, "also discard uncommitted changes")
	return cmd
}

func resetRun(ctx context.Context, opts *ResetOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	old, err := r.Resolve(ctx, env, "HEAD")
	if err != nil {
		return err
	}
	var discarded []repo.Change
	if opts.Hard {
		if discarded, err = r.Status(ctx, env); err != nil {
			return err
		}
	}
	c, err := r.Reset(ctx, env, opts.Ref, opts.Hard)
	if err != nil {
		return err
	}
	w := opts.IO.ErrOut
	if c.ID == old {
		fmt.Fprintf(w, "%s: HEAD stays at %s %s\n", env, c.ID.Short(), subject(c.Message))
	} else {
		fmt.Fprintf(w, "%s: HEAD is now %s %s (was %s)\n", env, c.ID.Short(), subject(c.Message), old.Short())
	}
	if opts.Hard {
		if len(discarded) > 0 {
			fmt.Fprintf(w, "discarded %s\n", plural(len(discarded), "uncommitted change", "uncommitted changes"))
		}
		return nil
	}
	kept, err := r.Status(ctx, env)
	if err != nil {
		return err
	}
	if len(kept) > 0 {
		fmt.Fprintf(w, "kept %s: see 'egide status'\n", plural(len(kept), "uncommitted change", "uncommitted changes"))
	}
	return nil
}
