package history

import (
	"context"
	"errors"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// RevertOptions are revert's inputs.
type RevertOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag string
	Ref     string
}

// NewCmdRevert returns 'egide revert'.
func NewCmdRevert(f *cmdutil.Factory, runF func(context.Context, *RevertOptions) error) *cobra.Command {
	opts := &RevertOptions{IO: f.IO, Repo: f.Repo, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "revert REF",
		Short: "Record a commit that undoes an earlier one",
		Long: `Record a new signed commit that undoes the changes of the commit REF names:
keys it added are removed, keys it changed or removed get their earlier value
back. History is kept; the revert is a commit like any other.

Every key REF changed must still hold the value REF gave it; if a later
commit changed one of them, revert fails, names the keys and changes nothing.
Uncommitted changes must be committed or discarded first.

Like commit, revert reports the new commit on standard error and leaves
standard output empty:

  [dev 5b2e0a1c3d] Revert "add database"
   1 key changed (1 removed)`,
		Example: cmdutil.Examples(
			"egide revert HEAD",
			"egide revert 3fa2c1b9 -e prod"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revertRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	return cmd
}

func revertRun(ctx context.Context, opts *RevertOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	c, err := r.Revert(ctx, env, opts.Ref)
	if errors.Is(err, repo.ErrNothingToCommit) {
		return cmdutil.WithHint(err, "there is nothing to undo: pick a commit that changed keys, see 'egide log -p'")
	}
	if err != nil {
		return err
	}
	e, err := r.Show(ctx, env, c.ID.String())
	if err != nil {
		return err
	}
	reportCommit(opts.IO.ErrOut, c, e.Changes)
	return nil
}
