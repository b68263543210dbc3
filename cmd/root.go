// Package cmd is Egide's command line: cobra commands that parse flags,
// call the repo and vault libraries and print. It alone maps errors to
// messages, hints and exit codes.
package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/egide/egide/cmd/envcmd"
	"github.com/egide/egide/cmd/history"
	"github.com/egide/egide/cmd/identity"
	"github.com/egide/egide/cmd/internal/cmdutil"
	pkicmd "github.com/egide/egide/cmd/pki"
	"github.com/egide/egide/cmd/project"
	runcmd "github.com/egide/egide/cmd/run"
	"github.com/egide/egide/cmd/secrets"
	transitcmd "github.com/egide/egide/cmd/transit"
	"github.com/egide/egide/cmd/ui"
	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/egide/egide/cmd.Version=…".
var Version = "dev"

// Execute runs the command line and returns the process exit code.
func Execute() int {
	f := cmdutil.New()
	defer f.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := NewCmdRoot(f)
	err := root.ExecuteContext(ctx)
	if ferr := f.IO.Flush(); ferr != nil && err == nil {
		err = &runError{fmt.Errorf("write output: %w", ferr)}
	}
	return HandleError(f.IO.ErrOut, err)
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "egide",
		Short: "Local-first, end-to-end encrypted, git-like secrets for your projects",
		Long: `Egide keeps a project's environments (dev, staging, prod, …), each a set of
KEY=VALUE secrets, in an encrypted, commit-versioned repository under .egide/,
unlocked by your identity from the OS keyring (or EGIDE_IDENTITY,
EGIDE_IDENTITY_FILE, --identity FILE).`,
		Example: cmdutil.Examples(
			"egide init",
			"egide set DATABASE_URL=postgres://localhost/app API_KEY",
			"egide commit -m 'add database'",
			"egide log -p",
			"egide export --format dotenv -e staging"),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.PersistentFlags().StringVar(&f.IdentityFile, "identity", "", "identity file to use instead of the OS keyring")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	root.CompletionOptions.HiddenDefaultCmd = true

	root.AddCommand(
		project.NewCmdInit(f, nil),
		newCmdVersion(f),
		identity.NewCmdIdentity(f),
		envcmd.NewCmdEnv(f),
		secrets.NewCmdSet(f, nil),
		secrets.NewCmdGet(f, nil),
		secrets.NewCmdUnset(f, nil),
		secrets.NewCmdList(f, nil),
		secrets.NewCmdImport(f, nil),
		secrets.NewCmdExport(f, nil),
		secrets.NewCmdEdit(f, nil),
		history.NewCmdStatus(f, nil),
		history.NewCmdCommit(f, nil),
		history.NewCmdLog(f, nil),
		history.NewCmdShow(f, nil),
		history.NewCmdDiff(f, nil),
		history.NewCmdRevert(f, nil),
		ui.NewCmdUI(f, nil),
		history.NewCmdReset(f, nil),
		history.NewCmdFsck(f, nil),
		runcmd.NewCmdRun(f, nil),
		transitcmd.NewCmdTransit(f),
		pkicmd.NewCmdPKI(f),
	)
	markRunErrors(root)
	return root
}

// runError marks an error returned by a command's own code, as opposed to
// cobra's parsing (unknown command, bad arguments), which is a usage error.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

func markRunErrors(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := run(cmd, args); err != nil {
				return &runError{err}
			}
			return nil
		}
	}
	if c.RunE == nil && c.Run == nil && c.HasSubCommands() {
		// A group alone shows its help; a group with an unknown word is a
		// usage error (cobra would print help and exit 0).
		c.Args = cobra.NoArgs
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}

func newCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print egide's version",
		Args:    cobra.NoArgs,
		Example: cmdutil.Examples("egide version"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "egide %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
