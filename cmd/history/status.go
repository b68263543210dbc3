package history

import (
	"context"
	"errors"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// StatusOptions are status's inputs.
type StatusOptions struct {
	IO         *iostreams.IOStreams
	Repo       func(context.Context) (*repo.Repository, error)
	Env        func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag    string
	JSON       bool
	ShowValues bool
}

// NewCmdStatus returns 'egide status'.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show uncommitted changes",
		Long: `List the keys whose working-state value differs from the environment's last
commit (HEAD): "+ KEY" added, "~ KEY" changed, "- KEY" removed, one per line
on standard output. Values are masked unless --show-values, which prints them
quoted. When there is nothing to commit, standard output stays empty and a
note goes to standard error.

--json prints {"env", "head", "changes"}: head is the full id of HEAD, or
null before the first commit; each change is {"key", "change"}, plus "old"
and "new" values only with --show-values.`,
		Example: cmdutil.Examples(
			"egide status",
			"egide status -e prod --json"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.ShowValues, "show-values", false, "show the values instead of masking them")
	return cmd
}

// statusJSON is status's --json output.
type statusJSON struct {
	Env     string       `json:"env"`
	Head    *string      `json:"head"`
	Changes []changeJSON `json:"changes"`
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	changes, err := r.Status(ctx, env)
	if err != nil {
		return err
	}
	if opts.JSON {
		out := statusJSON{Env: env, Changes: changesJSON(changes, opts.ShowValues)}
		head, err := r.Resolve(ctx, env, "HEAD")
		switch {
		case err == nil:
			s := head.String()
			out.Head = &s
		case !errors.Is(err, repo.ErrNotFound):
			return err
		}
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	if len(changes) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "nothing to commit in env %s (the working state matches HEAD)\n", env)
		return nil
	}
	tty := opts.IO.IsStdoutTTY()
	if tty {
		fmt.Fprintf(opts.IO.ErrOut, "env %s: %s\n", env, plural(len(changes), "uncommitted change", "uncommitted changes"))
	}
	newPrinter(opts.IO, nil).changes(changes, opts.ShowValues)
	if tty {
		fmt.Fprintln(opts.IO.ErrOut, "record with 'egide commit -m MSG', or discard with 'egide reset --hard'")
	}
	return nil
}
