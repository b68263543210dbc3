// Package ui is 'egide ui', which starts the terminal browser of package
// tui over the project's repository.
package ui

import (
	"context"
	"errors"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/tui"
	"github.com/spf13/cobra"
)

// Options are ui's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	Getenv  func(string) string
	EnvFlag string
	NoMouse bool
}

// NewCmdUI returns 'egide ui'.
func NewCmdUI(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Repo: f.Repo, Env: f.Env, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Browse environments, secrets and history in the terminal",
		Long: `Open an interactive browser of the project's secrets: environments on the
left, the keys of the selected environment in the middle (values masked),
its history on the right.

  tab / ←→       move between panes        ↑↓ j k   move
  enter          on a commit: its diff; on a key: that key's history
  space / R      reveal one value / all values for 30 seconds
  y              copy a value to the clipboard (OSC 52), cleared after 30 s
  a e x          add, edit (multi-line, ctrl+s saves), delete a key
  c              commit the uncommitted changes (marked + ~ -)
  u              revert the selected commit
  m then d       mark two commits, then diff them
  /              filter keys or commits as you type
  ?              every key binding             q        quit

Every change goes through the same library calls as the CLI (set, unset,
commit, revert). The browser needs a terminal; without one, use the
commands that do the same: list, get, status, log, show, diff, set, commit,
revert. NO_COLOR turns colours off.`,
		Example: cmdutil.Examples(
			"egide ui",
			"egide ui -e prod",
			"NO_COLOR=1 egide ui --no-mouse"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return uiRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().BoolVar(&opts.NoMouse, "no-mouse", false, "leave the mouse to the terminal (text selection)")
	return cmd
}

// errNoTerminal is returned when stdin or stdout is not a terminal.
var errNoTerminal = errors.New("egide ui needs a terminal (stdin and stdout)")

func uiRun(ctx context.Context, opts *Options) error {
	if !opts.IO.IsStdinTTY() || !opts.IO.IsStdoutTTY() {
		return cmdutil.WithHint(errNoTerminal,
			"the same from scripts: 'egide list', 'egide get KEY', 'egide status', 'egide log -p', 'egide show REF', 'egide diff A B', 'egide set', 'egide commit', 'egide revert'")
	}
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	m, err := tui.New(ctx, r, tui.Options{Env: env, NoColor: opts.Getenv("NO_COLOR") != "", Mouse: !opts.NoMouse})
	if err != nil {
		return err
	}
	opts.IO.Flush()
	_, err = tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(os.Stdin), tea.WithOutput(os.Stdout)).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
