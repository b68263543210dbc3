package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/dotenv"
	"github.com/egide/egide/repo/object"
)

// watchEvery is how often --watch looks for a new commit.
const watchEvery = 300 * time.Millisecond

// supervise runs the child under egide and returns its exit status (128+N
// for death by signal N). See the package documentation for the contract.
// With --watch it restarts the child whenever the environment's HEAD moves.
// sigs receives the forwarded signals; those that came before the child
// started are waiting in it.
func supervise(ctx context.Context, opts *Options, sigs chan os.Signal, path string, argv, env []string, entries []repo.Entry, head object.ID) (int, error) {
	var tick <-chan time.Time
	if opts.Watch {
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		c, done, stop, err := start(opts, path, argv, env, entries)
		if err != nil {
			return 0, err
		}
		restarting := false
		var killAt <-chan time.Time
	wait:
		for {
			select {
			case sig := <-sigs:
				forward(c, sig)
			case <-tick:
				if restarting {
					continue
				}
				ne, nenv, nhead, err := prepare(ctx, opts)
				if opts.Release != nil {
					opts.Release()
				}
				if err != nil || nhead == head {
					// A bad new state (say, a reference cycle) keeps the
					// program running on the old one.
					if err != nil {
						fmt.Fprintf(opts.IO.ErrOut, "egide: warning: not restarting: %v\n", err)
						head = nhead
					}
					continue
				}
				fmt.Fprintf(opts.IO.ErrOut, "egide: new commit %s: restarting %s\n", nhead.Short(), argv[0])
				head, entries, env = nhead, ne, nenv
				restarting = true
				terminate(c)
				killAt = time.After(opts.Grace)
			case <-killAt:
				kill(c)
			case err := <-done:
				code, serr := exitStatus(c, err)
				stop()
				if restarting && serr == nil {
					break wait
				}
				return code, serr
			}
		}
	}
}

// start starts one run of the child; stop undoes what start set up
// (mount, output filters, the terminal) once the child is done.
func start(opts *Options, path string, argv, env []string, entries []repo.Entry) (*exec.Cmd, chan error, func(), error) {
	var undo []func()
	stop := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if opts.Mount != "" {
		file, cleanup, err := mount(opts, entries)
		if err != nil {
			return nil, nil, nil, err
		}
		undo = append(undo, cleanup)
		env = append(env[:len(env):len(env)], "EGIDE_DOTENV="+file)
	}
	opts.IO.Flush()
	if opts.Release != nil {
		opts.Release() // nothing of the repository stays open in the child
	}
	c := exec.Command(path)
	c.Args, c.Env = argv, env
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if opts.Redact {
		out, errOut := newRedactor(os.Stdout, entries), newRedactor(os.Stderr, entries)
		c.Stdout, c.Stderr = out, errOut
		// Do not wait forever for descendants that keep the pipes open.
		c.WaitDelay = 2 * time.Second
		undo = append(undo, func() { out.Flush(); errOut.Flush() })
	}
	after := prepareChild(c)
	if err := c.Start(); err != nil {
		stop()
		return nil, nil, nil, execError(argv[0], err)
	}
	undo = append(undo, after)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	return c, done, stop, nil
}

// exitStatus returns the child's exit code, or 128+N if signal N killed it.
func exitStatus(c *exec.Cmd, err error) (int, error) {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, fmt.Errorf("wait for %s: %w", c.Path, err)
	}
	if n, ok := signaled(c.ProcessState); ok {
		return 128 + n, nil
	}
	return c.ProcessState.ExitCode(), nil
}

// mount writes the environment as a dotenv file (0600) in a new private
// folder on a memory-backed file system where there is one, links
// opts.Mount to it, and returns the file's path and a function that removes
// both. It never replaces an existing file.
func mount(opts *Options, entries []repo.Entry) (string, func(), error) {
	if _, err := os.Lstat(opts.Mount); err == nil {
		return "", nil, cmdutil.WithHint(fmt.Errorf("--mount %s: the path exists; egide does not replace files", opts.Mount), "give a path that does not exist yet, e.g. --mount .env.egide")
	}
	dir, err := os.MkdirTemp(privateBase(opts.Getenv), "egide-run-")
	if err != nil {
		return "", nil, fmt.Errorf("--mount: %w", err)
	}
	cleanup := func() {
		if fi, err := os.Stat(filepath.Join(dir, ".env")); err == nil {
			os.WriteFile(filepath.Join(dir, ".env"), make([]byte, fi.Size()), 0o600)
		}
		os.RemoveAll(dir)
		if target, err := os.Readlink(opts.Mount); err == nil && filepath.Dir(target) == dir {
			os.Remove(opts.Mount)
		}
	}
	var buf bytes.Buffer
	err = dotenv.Encode(&buf, entries, dotenv.FormatDotenv)
	if err == nil {
		err = os.Chmod(dir, 0o700)
	}
	file := filepath.Join(dir, ".env")
	if err == nil {
		err = os.WriteFile(file, buf.Bytes(), 0o600)
	}
	clear(buf.Bytes())
	if err == nil {
		err = os.Symlink(file, opts.Mount)
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("--mount: %w", err)
	}
	return file, cleanup, nil
}

// privateBase is where private files go: per-user, memory-backed folders
// first.
func privateBase(getenv func(string) string) string {
	for _, d := range []string{getenv("XDG_RUNTIME_DIR"), "/dev/shm"} {
		if fi, err := os.Stat(d); d != "" && err == nil && fi.IsDir() {
			return d
		}
	}
	return os.TempDir()
}
