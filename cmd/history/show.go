package history

import (
	"context"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// ShowOptions are show's inputs.
type ShowOptions struct {
	IO         *iostreams.IOStreams
	Repo       func(context.Context) (*repo.Repository, error)
	Env        func(context.Context, *repo.Repository, string) (string, error)
	Now        func() time.Time
	EnvFlag    string
	Ref        string
	ShowValues bool
	JSON       bool
}

// NewCmdShow returns 'egide show'.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.Env, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "show [REF]",
		Short: "Show one commit and its changes",
		Long: `Show the commit REF names (HEAD by default) as 'egide log -p' does: id, author,
date, signature status, message, then its changes against its parent, values
masked unless --show-values.

REF is a commit id or a prefix of 4 or more hex digits, HEAD, or an
environment's name, each optionally followed by ~N (N commits back) or ^.

--json prints one commit object, as 'egide log --json -p' does, changes
always included.`,
		Example: cmdutil.Examples(
			"egide show",
			"egide show HEAD~2",
			"egide show 3fa2c1b9 --show-values",
			"egide show prod --json"),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = "HEAD"
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().BoolVar(&opts.ShowValues, "show-values", false, "show the values instead of masking them")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	e, err := r.Show(ctx, env, opts.Ref)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.PrintJSON(opts.IO.Out, commitToJSON(*e, true, opts.ShowValues))
	}
	newPrinter(opts.IO, opts.Now).commit(*e, true, opts.ShowValues)
	return nil
}
