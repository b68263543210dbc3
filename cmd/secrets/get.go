package secrets

import (
	"context"
	"io"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// GetOptions are get's inputs.
type GetOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag string
	Key     string
	At      string
}

// NewCmdGet returns 'egide get'.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.EnvName}
	cmd := &cobra.Command{
		Use:   "get KEY",
		Short: "Print one secret's raw value",
		Long: `Print the value of KEY to standard output, byte for byte and nothing else (a
newline is added only when standard output is a terminal). Without --at it
reads the working state, uncommitted changes included.`,
		Example: cmdutil.Examples(
			"egide get DATABASE_URL",
			"egide get API_KEY -e prod",
			"egide get API_KEY --at HEAD~3",
			`psql "$(egide get DATABASE_URL)"`),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key = args[0]
			if err := cmdutil.ValidateKeyArgs(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().StringVar(&opts.At, "at", "", "read the committed value at REF (commit id, HEAD~N, ENV, ENV~N)")
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	v, err := r.Get(ctx, env, opts.Key, opts.At)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(opts.IO.Out, v); err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() {
		_, err = io.WriteString(opts.IO.Out, "\n")
	}
	return err
}
