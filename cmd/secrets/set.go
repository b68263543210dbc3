package secrets

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// SetOptions are set's inputs.
type SetOptions struct {
	IO       *iostreams.IOStreams
	Repo     func(context.Context) (*repo.Repository, error)
	Env      func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag  string
	Args     []string
	FromFile string
	Local    bool
}

// NewCmdSet returns 'egide set'.
func NewCmdSet(f *cmdutil.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	opts := &SetOptions{IO: f.IO, Repo: f.Repo, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "set KEY=VALUE... | KEY",
		Short: "Stage secret values in an environment",
		Long: `Stage one or more values in the working state of an environment; 'egide commit'
records them. KEY alone reads the value from standard input when it is piped
(one trailing newline is dropped) or from a hidden prompt on a terminal, so the
value never reaches your shell history. --from-file takes a file's exact bytes
(certificates, JSON). Key names are POSIX environment variable names; values
hold no NUL byte and at most 128 KiB.`,
		Example: cmdutil.Examples(
			"egide set DATABASE_URL=postgres://localhost/app PORT=8080",
			"egide set API_KEY                      # prompts, without echo",
			"pbpaste | egide set API_KEY -e prod",
			"egide set TLS_CERT --from-file cert.pem",
			"egide set --local DATABASE_URL=postgres://localhost/mine"),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if err := cmdutil.ValidateKeyArgs(args); err != nil {
				return err
			}
			if opts.FromFile != "" && (len(args) != 1 || strings.Contains(args[0], "=")) {
				return cmdutil.FlagErrorf("--from-file takes exactly one KEY")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return setRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().StringVar(&opts.FromFile, "from-file", "", "read the value of KEY from this file")
	cmd.Flags().BoolVar(&opts.Local, "local", false, "a personal override for 'egide run' in this repository: never committed or pushed")
	return cmd
}

func setRun(ctx context.Context, opts *SetOptions) error {
	var entries []repo.Entry
	var bare []string
	for _, a := range opts.Args {
		k, v, ok := strings.Cut(a, "=")
		if err := repo.ValidateKey(k); err != nil {
			return err
		}
		if ok {
			entries = append(entries, repo.Entry{Key: k, Value: v})
		} else {
			bare = append(bare, k)
		}
	}
	switch {
	case opts.FromFile != "":
		b, err := os.ReadFile(opts.FromFile)
		if err != nil {
			return fmt.Errorf("read value of %s: %w", bare[0], err)
		}
		entries = append(entries, repo.Entry{Key: bare[0], Value: string(b)})
	case len(bare) > 0 && !opts.IO.IsStdinTTY():
		if len(bare) > 1 {
			return cmdutil.FlagErrorf("piped input holds one value: give one KEY without '=' (or KEY=VALUE pairs)")
		}
		// Read one byte more than the largest value plus a CRLF, so that
		// oversized input is refused rather than silently cut.
		b, err := io.ReadAll(io.LimitReader(opts.IO.In, repo.MaxValueSize+3))
		if err != nil {
			return fmt.Errorf("read value of %s from stdin: %w", bare[0], err)
		}
		v := string(b)
		if strings.HasSuffix(v, "\r\n") {
			v = v[:len(v)-2]
		} else {
			v = strings.TrimSuffix(v, "\n")
		}
		if len(b) > repo.MaxValueSize+2 {
			return repo.TooLargeError(bare[0])
		}
		entries = append(entries, repo.Entry{Key: bare[0], Value: v})
	default:
		for _, k := range bare {
			b, err := opts.IO.ReadSecret(fmt.Sprintf("Value for %s: ", k))
			if err != nil {
				return cmdutil.WithHint(fmt.Errorf("read value of %s: %w", k, err), "pipe the value in: printf %%s \"$VALUE\" | egide set %s", k)
			}
			entries = append(entries, repo.Entry{Key: k, Value: string(b)})
		}
	}
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	if opts.Local {
		if err := r.SetLocal(ctx, env, entries); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Set %d local override(s) in %s, for 'egide run' here only; they are never committed.\n", len(entries), env)
		return nil
	}
	if err := r.Set(ctx, env, entries); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Staged %d key(s) in %s. Record with 'egide commit -m MSG'.\n", len(entries), env)
	return nil
}
