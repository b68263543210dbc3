package envcmd

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// MapOptions are env map's inputs.
type MapOptions struct {
	IO     *iostreams.IOStreams
	Repo   func(context.Context) (*repo.Repository, error)
	Branch string
	Env    string
	Remove bool
	JSON   bool
}

// NewCmdMap returns 'egide env map'.
func NewCmdMap(f *cmdutil.Factory, runF func(context.Context, *MapOptions) error) *cobra.Command {
	opts := &MapOptions{IO: f.IO, Repo: f.Repo}
	cmd := &cobra.Command{
		Use:   "map [BRANCH ENV | --remove BRANCH]",
		Short: "Let a git branch select an environment",
		Long: `Map a git branch to an environment: in a git work tree on that branch,
commands without -e use ENV. The order is: -e, then $EGIDE_ENV, then the
branch's mapping, then 'egide env use', then the default. Without arguments,
list the mappings.`,
		Example: cmdutil.Examples(
			"egide env map main prod",
			"egide env map release/2.0 staging",
			"egide env map --remove main",
			"egide env map --json"),
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.Remove && len(args) != 1:
				return cmdutil.FlagErrorf("--remove takes one BRANCH")
			case !opts.Remove && len(args) == 1:
				return cmdutil.FlagErrorf("give BRANCH and ENV, or no argument to list the mappings")
			}
			if len(args) > 0 {
				opts.Branch = args[0]
			}
			if len(args) > 1 {
				opts.Env = args[1]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return mapRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Remove, "remove", false, "remove BRANCH's mapping")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the mappings as JSON")
	return cmd
}

type branchMap struct {
	Branch string `json:"branch"`
	Env    string `json:"env"`
}

func mapRun(ctx context.Context, opts *MapOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	switch {
	case opts.Remove:
		if err := r.MapBranch(ctx, opts.Branch, ""); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Branch %s no longer selects an environment.\n", opts.Branch)
		return nil
	case opts.Branch != "":
		if err := r.MapBranch(ctx, opts.Branch, opts.Env); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Branch %s now selects env %s.\n", opts.Branch, opts.Env)
		return nil
	}
	maps, err := r.BranchMaps(ctx)
	if err != nil {
		return err
	}
	list := make([]branchMap, 0, len(maps))
	for b, e := range maps {
		list = append(list, branchMap{Branch: b, Env: e})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Branch < list[j].Branch })
	if opts.JSON {
		return cmdutil.PrintJSON(opts.IO.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No branch is mapped. Map one with 'egide env map BRANCH ENV'.")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BRANCH\tENV")
	for _, m := range list {
		fmt.Fprintf(tw, "%s\t%s\n", m.Branch, m.Env)
	}
	return tw.Flush()
}
