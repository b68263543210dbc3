package run

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/object"
	"github.com/spf13/cobra"
)

// Options are run's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	Getenv  func(string) string
	Environ func() []string
	// Cached returns an environment from the run cache, without opening
	// the repository (repo.CachedRunEnv); ok is false when it cannot.
	Cached func(ctx context.Context, env string) (repo.Resolved, bool)
	// Release closes the repository before a supervised child starts.
	Release func()

	EnvFlag  string
	At       string
	Command  string
	Args     []string
	Mount    string
	Redact   bool
	Watch    bool
	Grace    time.Duration
	Only     []string
	Except   []string
	Prefix   string
	Preserve []string
	Pristine bool
}

// NewCmdRun returns 'egide run'.
func NewCmdRun(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.EnvName, Getenv: f.Getenv, Environ: os.Environ, Cached: f.CachedRunEnv, Release: f.Close}
	cmd := &cobra.Command{
		Use:   "run [flags] -- CMD [ARGS...]",
		Short: "Run a program with an environment's secrets",
		Long: `Run CMD with the secrets of an environment added to its environment.

The environment: -e, else EGIDE_ENV, else the one mapped to the current git
branch ('egide env map'), else 'egide env use', else the default. The
child's environment is egide's own (minus EGIDE_IDENTITY and
EGIDE_IDENTITY_FILE, which never reach a child), then the secrets with your
personal overrides ('egide set --local') on top; they win over same-named
variables unless --preserve-env names them (or is "all").
--pristine starts from PATH, HOME, USER, TERM and LANG only. --only and
--except choose keys; --prefix P injects each KEY as P+KEY (--prefix APP_
gives APP_DATABASE_URL). Without --at the working state is used,
uncommitted changes included.

References between secrets are resolved first: ${KEY} is KEY's value and
${KEY:-default} a fallback; $${ is a literal "${". A cycle or a reference to
a missing key is an error that names the keys; nothing is started.

Without --mount, egide replaces itself with CMD (execve): the program gets
egide's PID, its signals and its exit code, and nothing stays behind. With
--mount PATH, egide also writes the environment as a dotenv file (0600, in a
private folder on $XDG_RUNTIME_DIR or /dev/shm), exports its path as
EGIDE_DOTENV, links PATH to it, and supervises: CMD runs in its own process
group (the terminal's foreground group on a terminal, so ^C reaches it once),
signals sent to egide (INT, TERM, HUP, QUIT, USR1, USR2, WINCH) are forwarded
exactly once, and when CMD ends the file and link are removed and egide exits
with CMD's code, or 128+N if it died of signal N.

Supervising, a signal that reaches egide before CMD starts is not lost: INT
or TERM end the run there (exit 130 or 143, CMD not started); the others are
sent to CMD as soon as it runs (a CMD that ends first never sees them).
Without supervision, INT and TERM before the execve do the same; HUP ends
egide as it would end CMD.

--watch (which also supervises) restarts CMD when the environment gets a
new commit: egide sends SIGTERM to CMD's process group, waits up to --grace
(10s) before SIGKILL, and starts CMD again with the new secrets. When CMD
exits on its own, egide exits with its code.

--redact (which also supervises) passes CMD's stdout and stderr through a
filter that replaces every secret value of 4 bytes or more with
[REDACTED:KEY], also when a value is split across writes. CMD then writes to
pipes, not to the terminal.

CMD not found: exit 127; found but not executable: 126. Secrets never appear
in CMD's argv or in egide's output.

On Windows, which has no execve, egide always supervises: the console
delivers ^C and its close events to CMD itself, and egide waits for CMD and
exits with its code. --watch ends CMD at once instead of with SIGTERM,
--command needs $SHELL, and --mount's link needs the right to make symbolic
links (Developer Mode).

What run injects is kept, sealed for your identity alone, in .egide/run-*,
and read instead of the database while the database provably has not
changed (every write announces itself in .egide/egide.db-gen). Removing
those files is always safe.`,
		Example: cmdutil.Examples(
			"egide run -- npm start",
			"egide run -e prod --only DATABASE_URL -- psql",
			"egide run --command 'echo $API_KEY | wc -c'",
			"egide run --prefix APP_ --pristine -- ./server",
			"egide run --mount .env -- docker compose up",
			"egide run --redact -- ./deploy.sh 2>&1 | tee deploy.log",
			"egide run --watch --grace 5s -- ./server"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if opts.Command != "" && len(args) > 0 {
				return cmdutil.FlagErrorf("give either --command 'shell string' or -- CMD ARGS, not both")
			}
			if opts.Command == "" && len(args) == 0 {
				return cmdutil.FlagErrorf("nothing to run: egide run -- CMD [ARGS...]")
			}
			if err := cmdutil.ValidateKeyArgs(append(append([]string{}, opts.Only...), opts.Except...)); err != nil {
				return err
			}
			if opts.Prefix != "" && repo.ValidateKey(opts.Prefix+"X") != nil {
				return cmdutil.FlagErrorf("--prefix %q does not make valid variable names", opts.Prefix)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	fl := cmd.Flags()
	fl.StringVar(&opts.At, "at", "", "use the committed state at REF")
	fl.StringVarP(&opts.Command, "command", "c", "", "run this string with $SHELL -c (for pipes and &&)")
	fl.StringVar(&opts.Mount, "mount", "", "also write the environment to a private 0600 dotenv file linked at PATH (exported as EGIDE_DOTENV)")
	fl.BoolVar(&opts.Watch, "watch", false, "restart the program when the environment gets a new commit")
	fl.DurationVar(&opts.Grace, "grace", 10*time.Second, "with --watch: how long a program may take to stop after SIGTERM before SIGKILL")
	fl.BoolVar(&opts.Redact, "redact", false, "replace secret values in the program's stdout and stderr with [REDACTED:KEY]")
	fl.StringSliceVar(&opts.Only, "only", nil, "inject only these keys")
	fl.StringSliceVar(&opts.Except, "except", nil, "do not inject these keys")
	fl.StringVar(&opts.Prefix, "prefix", "", "inject each KEY as PREFIX+KEY")
	fl.StringSliceVar(&opts.Preserve, "preserve-env", nil, `keep the parent's value of these variables ("all" for every one)`)
	fl.BoolVar(&opts.Pristine, "pristine", false, "start from PATH, HOME, USER, TERM and LANG only")
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func runRun(ctx context.Context, opts *Options) error {
	replace := canReplace && opts.Mount == "" && !opts.Redact && !opts.Watch
	gcPercent := -1
	if replace {
		// The process is about to become the child: collecting garbage it
		// will never reuse only delays that (10,000 keys: ~0.3 ms).
		gcPercent = debug.SetGCPercent(-1)
	}
	// Supervising, no signal is lost from here on: the forwarded ones queue
	// in sigs until the child runs. INT and TERM (which also cancel ctx)
	// end the run before the child exists, with the status they would have
	// given it; the others reach the child once it has started. Replacing
	// itself, egide only watches INT and TERM, which the root command
	// already has enabled: enabling another signal for os/signal costs a
	// round trip with the runtime's signal thread (~0.15 ms each here), and
	// execve is meant to cost nothing. A HUP before the execve then ends
	// egide as it would have ended the program; USR1, USR2 and WINCH are
	// dropped by Go's runtime.
	early := forwarded
	if replace {
		early = []os.Signal{syscall.SIGINT, syscall.SIGTERM}
	}
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, early...)
	defer signal.Stop(sigs)
	entries, childEnv, head, err := prepare(ctx, opts)
	if ctx.Err() != nil {
		if n := terminating(sigs); n != 0 {
			return &cmdutil.ExitError{Code: 128 + int(n), Message: fmt.Sprintf("%s before the program started: not run", signalName(n))}
		}
	}
	if err != nil {
		return err
	}
	argv := opts.Args
	if opts.Command != "" {
		sh := opts.Getenv("SHELL")
		if sh == "" {
			sh = defaultShell
		}
		if sh == "" {
			return cmdutil.WithHint(errors.New("--command needs a shell: $SHELL is not set"), "set SHELL (say, to Git Bash's bash.exe), or give the program and its arguments after --")
		}
		argv = []string{sh, "-c", opts.Command}
	}
	path, err := lookPath(argv[0])
	if err != nil {
		return err
	}
	if replace && len(sigs) == 0 {
		// (A signal that arrives from here to the execve is lost; after
		// it, the program receives it with its default action.)
		opts.IO.Flush()
		// The repository stays open: execve closes its files (SQLite opens
		// them close-on-exec, which drops their locks) and a read
		// transaction leaves nothing to write back.
		err := replaceWith(path, argv, childEnv)
		return execError(argv[0], err)
	}
	// Supervised (or replacing no more, a signal having come): the child's
	// signals are handled from here, so ctx's cancellation is not ours.
	signal.Notify(sigs, forwarded...)
	if gcPercent != -1 {
		debug.SetGCPercent(gcPercent)
	}
	code, err := supervise(context.WithoutCancel(ctx), opts, sigs, path, argv, childEnv, entries, head)
	if err != nil {
		return err
	}
	if code != 0 {
		return &cmdutil.ExitError{Code: code}
	}
	return nil
}

// prepare reads the environment's secrets with the personal overrides on
// top and references resolved, and builds the child's environment. It also
// returns the environment's HEAD commit (zero before the first commit).
// The run cache serves when it is current; else the repository is opened.
func prepare(ctx context.Context, opts *Options) ([]repo.Entry, []string, object.ID, error) {
	name, err := opts.Env(ctx, nil, opts.EnvFlag)
	if err != nil {
		return nil, nil, object.Zero, err
	}
	var res repo.Resolved
	ok := false
	if opts.At == "" && opts.Cached != nil {
		res, ok = opts.Cached(ctx, name)
	}
	if !ok {
		r, err := opts.Repo(ctx)
		if err != nil {
			return nil, nil, object.Zero, err
		}
		if res, err = r.RunEnv(ctx, name, opts.At); err != nil {
			return nil, nil, object.Zero, err
		}
	}
	spec := envSpec{only: opts.Only, except: opts.Except, prefix: opts.Prefix, preserve: opts.Preserve, pristine: opts.Pristine}
	// The entries are made only for those who need them: the pairs, as
	// read, are what the child gets.
	var entries []repo.Entry
	if opts.Mount != "" || opts.Redact || opts.Prefix != "" {
		entries = res.Entries()
	}
	var childEnv []string
	if opts.Prefix == "" {
		childEnv, err = buildEnvPairs(opts.Environ(), res.Pairs, spec)
	} else {
		childEnv, err = buildEnv(opts.Environ(), entries, spec)
	}
	return entries, childEnv, res.Head, err
}

// terminating returns the first SIGINT or SIGTERM queued in sigs, or 0.
func terminating(sigs chan os.Signal) syscall.Signal {
	for {
		select {
		case sig := <-sigs:
			if n := sig.(syscall.Signal); n == syscall.SIGINT || n == syscall.SIGTERM {
				return n
			}
		default:
			return 0
		}
	}
}

// lookPath finds name as a shell would, failing with exit 127 when it is
// not found and 126 when it cannot be executed.
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	if errors.Is(err, fs.ErrPermission) {
		return "", &cmdutil.ExitError{Code: 126, Message: fmt.Sprintf("cannot run %s: permission denied (not executable)", name)}
	}
	if errors.Is(err, exec.ErrDot) {
		// Windows: found in the current folder, which is not searched.
		return "", &cmdutil.ExitError{Code: 127, Message: fmt.Sprintf("%s: found only in the current folder, which is not searched: run .%c%s", name, os.PathSeparator, name)}
	}
	if strings.ContainsAny(name, pathSeparators) {
		if fi, serr := os.Stat(name); serr == nil && !fi.IsDir() {
			return "", &cmdutil.ExitError{Code: 126, Message: fmt.Sprintf("cannot run %s: not executable", name)}
		}
	}
	return "", &cmdutil.ExitError{Code: 127, Message: fmt.Sprintf("%s: command not found (check the name and $PATH)", name)}
}

// execError turns a failed execve into the shell's exit codes.
func execError(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &cmdutil.ExitError{Code: 127, Message: fmt.Sprintf("%s: command not found", name)}
	}
	return &cmdutil.ExitError{Code: 126, Message: fmt.Sprintf("cannot run %s: %v", name, err)}
}
