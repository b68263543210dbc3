package envcmd

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// ListOptions are env list's inputs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Repo func(context.Context) (*repo.Repository, error)
	JSON bool
}

// listed is one environment in env list's JSON output.
type listed struct {
	Name        string  `json:"name"`
	Current     bool    `json:"current"`
	Default     bool    `json:"default"`
	Head        *string `json:"head"` // full commit id; null before the first commit
	Epoch       uint32  `json:"epoch"`
	Uncommitted int     `json:"uncommitted"`
	Recipients  int     `json:"recipients"`
}

// NewCmdList returns 'egide env list'.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, Repo: f.ReadOnlyRepo}
	cmd := &cobra.Command{
		Use:     "list [--json]",
		Aliases: []string{"ls"},
		Short:   "List environments",
		Long: `List the environments: the current one (marked *), the newest commit, the key
epoch, the number of uncommitted changes and the number of identities the
current epoch's key is wrapped to. It decrypts nothing.

--json prints an array of {"name", "current", "default", "head", "epoch",
"uncommitted", "recipients"}; head is the full commit id, or null before the
first commit.`,
		Example: cmdutil.Examples(
			"egide env list",
			"egide env list --json | jq -r '.[] | select(.uncommitted > 0) | .name'"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	envs, err := r.Envs(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		out := make([]listed, 0, len(envs))
		for _, e := range envs {
			l := listed{Name: e.Name, Current: e.Current, Default: e.Default, Epoch: e.Epoch, Uncommitted: e.Uncommitted, Recipients: e.Recipients}
			if !e.Head.IsZero() {
				h := e.Head.String()
				l.Head = &h
			}
			out = append(out, l)
		}
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tHEAD\tEPOCH\tUNCOMMITTED\tRECIPIENTS")
	for _, e := range envs {
		mark, head := " ", "-"
		if e.Current {
			mark = "*"
		}
		if !e.Head.IsZero() {
			head = e.Head.Short()
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%d\t%d\t%d\n", mark, e.Name, head, e.Epoch, e.Uncommitted, e.Recipients)
	}
	return tw.Flush()
}
