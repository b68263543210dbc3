package secrets

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// ListOptions are list's inputs.
type ListOptions struct {
	IO         *iostreams.IOStreams
	Repo       func(context.Context) (*repo.Repository, error)
	Env        func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag    string
	At         string
	JSON       bool
	ShowValues bool
}

// NewCmdList returns 'egide list'.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.EnvName}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List an environment's keys",
		Long: `List the keys of an environment, sorted, with values masked unless
--show-values. Without --at it lists the working state, uncommitted changes
included. --json prints [{"key": …}] (with "value" only under --show-values).`,
		Example: cmdutil.Examples(
			"egide list",
			"egide list -e prod --at HEAD~1",
			"egide list --json | jq -r '.[].key'",
			"egide list --show-values"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().StringVar(&opts.At, "at", "", "list the committed state at REF")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.ShowValues, "show-values", false, "print values instead of masks")
	return cmd
}

type listItem struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
}

func listRun(ctx context.Context, opts *ListOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	entries, err := r.Entries(ctx, env, opts.At)
	if err != nil {
		return err
	}
	if opts.JSON {
		items := make([]listItem, len(entries))
		for i, e := range entries {
			items[i].Key = e.Key
			if opts.ShowValues {
				items[i].Value = &entries[i].Value
			}
		}
		return cmdutil.PrintJSON(opts.IO.Out, items)
	}
	if len(entries) == 0 {
		where := "this environment"
		if env != "" {
			where = env
		}
		fmt.Fprintf(opts.IO.ErrOut, "No keys in %s. Add some with 'egide set KEY=VALUE'.\n", where)
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	for _, e := range entries {
		v := cmdutil.Mask
		if opts.ShowValues {
			v = strconv.Quote(e.Value)
		}
		fmt.Fprintf(tw, "%s\t%s\n", e.Key, v)
	}
	return tw.Flush()
}
