package envcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// confirmer asks the user to confirm on the terminal. CanPrompt reports
// whether a terminal is there to ask on; ReadLine prints prompt and reads
// one line. *iostreams.IOStreams implements it.
type confirmer interface {
	CanPrompt() bool
	ReadLine(prompt string) (string, error)
}

// DeleteOptions are env delete's inputs.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Prompter confirmer
	Repo     func(context.Context) (*repo.Repository, error)
	Name     string
	Yes      bool // --yes: do not ask
}

// NewCmdDelete returns 'egide env delete'.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IO, Prompter: f.IO, Repo: f.Repo}
	cmd := &cobra.Command{
		Use:   "delete NAME [--yes]",
		Short: "Delete an environment, its history and its keys",
		Long: `Delete an environment with its whole history and its keys; this cannot be
undone. On a terminal it asks you to type the name to confirm; elsewhere
--yes is required. The last environment cannot be deleted.`,
		Example: cmdutil.Examples(
			"egide env delete preview-42",
			"egide env delete preview-42 --yes"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	if !opts.Yes && !opts.Prompter.CanPrompt() {
		return cmdutil.FlagErrorf("deleting env %s cannot be undone: add --yes to confirm when not running in a terminal", opts.Name)
	}
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	// Fail on an unknown name before asking anything.
	if _, err := r.ResolveEnv(ctx, opts.Name); err != nil {
		return err
	}
	if !opts.Yes {
		answer, err := opts.Prompter.ReadLine(fmt.Sprintf("Delete env %s with its history and keys? This cannot be undone. Type %s to confirm: ", opts.Name, opts.Name))
		if err != nil {
			return cmdutil.WithHint(fmt.Errorf("env %s not deleted: %w", opts.Name, err), "add --yes to delete without asking")
		}
		if strings.TrimSpace(answer) != opts.Name {
			return fmt.Errorf("env %s not deleted: the confirmation did not match", opts.Name)
		}
	}
	if err := r.DeleteEnv(ctx, opts.Name); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deleted env %s.\n", opts.Name)
	if cur, err := r.ResolveEnv(ctx, ""); err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Current env: %s.\n", cur)
	}
	return nil
}
