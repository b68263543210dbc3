package history

import (
	"context"
	"fmt"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/spf13/cobra"
)

// LogOptions are log's inputs.
type LogOptions struct {
	IO         *iostreams.IOStreams
	Repo       func(context.Context) (*repo.Repository, error)
	Env        func(context.Context, *repo.Repository, string) (string, error)
	Now        func() time.Time
	EnvFlag    string
	Key        string
	Max        int
	Patch      bool
	ShowValues bool
	JSON       bool
}

// NewCmdLog returns 'egide log'.
func NewCmdLog(f *cmdutil.Factory, runF func(context.Context, *LogOptions) error) *cobra.Command {
	opts := &LogOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.Env, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "log [KEY]",
		Short: "Show an environment's commits",
		Long: `List the environment's commits, newest first. Each shows its short id, author,
date (RFC 3339 in UTC when standard output is not a terminal, local time on a
terminal), whether its signature verifies, and its message:

  commit 3fa2c1b9e0
  author: Ada <ada@example.com>
  date: 2026-11-23T12:00:00Z
  signature: good (member age1…)

      add database

"signature: good (key SHA256:…, not a member)" means the signature verifies
but the key is no member's; "signature: BAD" means the commit was altered or
forged: run 'egide fsck'.

With KEY, only the commits that changed KEY. With -p, each commit's changes
against its parent ("+ KEY", "~ KEY", "- KEY"), values masked unless
--show-values.

--json prints an array of commits: {"id", "env", "tree", "parents", "author",
"time", "message", "signature": {"verified", "key", "member"}}, plus
"changes" with -p.`,
		Example: cmdutil.Examples(
			"egide log",
			"egide log -n 5 -p",
			"egide log DATABASE_URL -p --show-values",
			"egide log -e prod --json"),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Key = args[0]
				if err := cmdutil.ValidateKeyArgs(args); err != nil {
					return err
				}
			}
			if opts.Max < 0 {
				return cmdutil.FlagErrorf("-n takes a count of 0 (no limit) or more, not %d", opts.Max)
			}
			if opts.ShowValues && !opts.Patch {
				return cmdutil.FlagErrorf("--show-values applies to changes: add -p")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return logRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().IntVarP(&opts.Max, "max-count", "n", 0, "show at most `N` commits (0: all)")
	cmd.Flags().BoolVarP(&opts.Patch, "patch", "p", false, "show each commit's changes")
	cmd.Flags().BoolVar(&opts.ShowValues, "show-values", false, "with -p, show the values instead of masking them")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func logRun(ctx context.Context, opts *LogOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	entries, err := r.Log(ctx, env, repo.LogOptions{Key: opts.Key, Max: opts.Max, Patch: opts.Patch})
	if err != nil {
		return err
	}
	if opts.JSON {
		out := make([]commitJSON, 0, len(entries))
		for _, e := range entries {
			out = append(out, commitToJSON(e, opts.Patch, opts.ShowValues))
		}
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	if len(entries) == 0 {
		if opts.Key != "" {
			fmt.Fprintf(opts.IO.ErrOut, "no commit in env %s changed %s\n", env, opts.Key)
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "env %s has no commits yet\n", env)
		}
		return nil
	}
	p := newPrinter(opts.IO, opts.Now)
	for i, e := range entries {
		if i > 0 {
			fmt.Fprintln(p.w)
		}
		p.commit(e, opts.Patch, opts.ShowValues)
	}
	return nil
}
