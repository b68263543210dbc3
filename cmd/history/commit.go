package history

import (
	"context"
	"strings"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// CommitOptions are commit's inputs.
type CommitOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag string
	Message string
}

// NewCmdCommit returns 'egide commit'.
func NewCmdCommit(f *cmdutil.Factory, runF func(context.Context, *CommitOptions) error) *cobra.Command {
	opts := &CommitOptions{IO: f.IO, Repo: f.Repo, Env: f.Env}
	var messages []string
	cmd := &cobra.Command{
		Use:   "commit -m MSG",
		Short: "Record the staged changes as a signed commit",
		Long: `Record the environment's uncommitted changes (from set, unset, import, edit) as
a new commit signed with your identity, and make it the environment's HEAD.
The message is required; several -m join as paragraphs, as in git. The
author is $EGIDE_AUTHOR, else git's user.name and user.email.

What was recorded is reported on standard error, which leaves standard
output empty:

  [dev 3fa2c1b9e0] add database
   2 keys changed (1 added, 1 changed)

Use 'egide show HEAD --json' to read the new commit's full id. With nothing
staged, commit fails and changes nothing.`,
		Example: cmdutil.Examples(
			"egide commit -m 'add database'",
			"egide commit -e prod -m 'rotate API key' -m 'The old one leaked in a log.'"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var parts []string
			for _, m := range messages {
				if m = strings.TrimSpace(m); m != "" {
					parts = append(parts, m)
				}
			}
			if len(parts) == 0 {
				return cmdutil.FlagErrorf("a commit needs a message: -m MSG")
			}
			opts.Message = strings.Join(parts, "\n\n")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return commitRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().StringArrayVarP(&messages, "message", "m", nil, "commit message (repeat for more paragraphs)")
	return cmd
}

func commitRun(ctx context.Context, opts *CommitOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	c, err := r.Commit(ctx, env, opts.Message)
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
