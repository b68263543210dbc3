// Package cmdutil holds what Egide's commands share: the Factory of lazily
// built dependencies, the error types that choose exit codes and hints,
// JSON output and value masking.
package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
)

// Factory builds what commands need, lazily and at most once.
type Factory struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Now    func() time.Time
	// Dir is the folder commands run in.
	Dir string
	// IdentityFile is the global --identity flag.
	IdentityFile string

	id     *vault.Identity
	idLoc  keyring.Location
	idErr  error
	loaded bool
	repo   *repo.Repository
}

// New returns the Factory of a real process.
func New() *Factory {
	dir, _ := os.Getwd()
	return &Factory{IO: iostreams.System(os.Getenv), Getenv: os.Getenv, Now: time.Now, Dir: dir}
}

// KeyringOptions returns the options identity lookups use.
func (f *Factory) KeyringOptions() keyring.Options {
	return keyring.Options{
		Getenv:       f.Getenv,
		IdentityFlag: f.IdentityFile,
		Service:      f.Getenv("EGIDE_KEYRING_SERVICE"),
		Passphrase: func() ([]byte, error) {
			return f.IO.ReadSecret("Passphrase for the identity file: ")
		},
	}
}

// Identity loads the user's identity (once) and prints any warning about it
// on stderr.
func (f *Factory) Identity(ctx context.Context) (*vault.Identity, keyring.Location, error) {
	if !f.loaded {
		f.loaded = true
		secret, loc, warning, err := keyring.Load(ctx, f.KeyringOptions())
		if warning != "" {
			fmt.Fprintf(f.IO.ErrOut, "egide: warning: %s\n", warning)
		}
		f.idLoc = loc
		if err != nil {
			f.idErr = err
		} else if f.id, err = vault.ParseIdentity(secret); err != nil {
			f.idErr = fmt.Errorf("identity from %s: %w", loc, err)
		}
	}
	return f.id, f.idLoc, f.idErr
}

// RepoOptions returns the options to open a repository with.
func (f *Factory) RepoOptions(ctx context.Context) repo.Options {
	return repo.Options{
		Identity: func() (*vault.Identity, error) {
			id, _, err := f.Identity(ctx)
			return id, err
		},
		Now:    f.Now,
		Author: func() string { return Author(f.Getenv) },
		Branch: func() string { return gitBranch(f.Dir) },
	}
}

// Repo opens the repository at or above Dir (once).
func (f *Factory) Repo(ctx context.Context) (*repo.Repository, error) {
	if f.repo != nil {
		return f.repo, nil
	}
	r, err := repo.Open(ctx, f.Dir, f.RepoOptions(ctx))
	if err != nil {
		return nil, err
	}
	f.repo = r
	return r, nil
}

// ReadOnlyRepo opens the repository for reading, which also works in a
// read-only folder. It returns the already open repository if there is one.
func (f *Factory) ReadOnlyRepo(ctx context.Context) (*repo.Repository, error) {
	if f.repo != nil {
		return f.repo, nil
	}
	// A read-only connection is cheaper to open and close (no pragmas for
	// writing, no checkpoint); it needs the WAL files, which Egide keeps.
	// When it cannot be had (no WAL files yet, a schema to migrate), open
	// for writing instead.
	o := f.RepoOptions(ctx)
	o.ReadOnly = true
	r, err := repo.Open(ctx, f.Dir, o)
	if err != nil && !errors.Is(err, repo.ErrNoRepository) && !errors.Is(err, repo.ErrSchemaTooNew) {
		o.ReadOnly = false
		r, err = repo.Open(ctx, f.Dir, o)
		if errors.Is(err, repo.ErrReadOnly) {
			o.ReadOnly = true
			r, err = repo.Open(ctx, f.Dir, o)
		}
	}
	if err != nil {
		return nil, err
	}
	if r.Outdated() {
		// An older schema, readable as it is: migrate it when the folder
		// allows, else read it so (a read-only folder).
		o.ReadOnly = false
		if rw, err := repo.Open(ctx, f.Dir, o); err == nil {
			r.Close()
			r = rw
		}
	}
	f.repo = r
	return r, nil
}

// OpenRepo opens the repository for writing (Repo) or for reading
// (ReadOnlyRepo).
func (f *Factory) OpenRepo(ctx context.Context, write bool) (*repo.Repository, error) {
	if write {
		return f.Repo(ctx)
	}
	return f.ReadOnlyRepo(ctx)
}

// CachedRunEnv returns environment env from the run cache of the
// repository at or above Dir, without opening its database
// (repo.CachedRunEnv); ok is false when the cache cannot serve.
func (f *Factory) CachedRunEnv(ctx context.Context, env string) (repo.Resolved, bool) {
	root, err := repo.FindRoot(f.Dir)
	if err != nil {
		return repo.Resolved{}, false
	}
	id, _, err := f.Identity(ctx)
	if err != nil {
		return repo.Resolved{}, false
	}
	return repo.CachedRunEnv(root, id, env)
}

// Close releases what the Factory opened.
func (f *Factory) Close() {
	if f.repo != nil {
		f.repo.Close()
		f.repo = nil
	}
}

// Env resolves the environment a command works on: the -e flag, else
// EGIDE_ENV, else the one mapped to the current git branch ('egide env
// map'), else the one chosen with 'egide env use', else the default.
func (f *Factory) Env(ctx context.Context, r *repo.Repository, flag string) (string, error) {
	if flag == "" {
		flag = f.Getenv("EGIDE_ENV")
	}
	return r.ResolveEnv(ctx, flag)
}

// EnvName returns the environment a command asked for without opening a
// transaction: the -e flag, else EGIDE_ENV, else "" (which the repository
// resolves to the current environment inside the command's own
// transaction). Read paths use it to stay fast.
func (f *Factory) EnvName(_ context.Context, _ *repo.Repository, flag string) (string, error) {
	if flag == "" {
		flag = f.Getenv("EGIDE_ENV")
	}
	return flag, nil
}

// AddEnvFlag adds -e/--env to a command.
func AddEnvFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "env", "e", "", "environment (default: $EGIDE_ENV, then 'egide env use', then the default)")
}

// FlagError is a usage error: exit code 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a usage error.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ValidateKeyArgs checks key names typed on the command line: a bad one is
// a usage error (exit 2). Arguments of the form KEY=VALUE are checked on
// the part before '='; the value is never looked at or printed.
func ValidateKeyArgs(args []string) error {
	for _, a := range args {
		k, _, _ := strings.Cut(a, "=")
		if err := repo.ValidateKey(k); err != nil {
			return &FlagError{Err: err}
		}
	}
	return nil
}

// HintError adds a next step to an error.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint wraps err with a hint (nil stays nil).
func WithHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: fmt.Sprintf(format, args...)}
}

// ExitError ends the process with Code after its output was already
// printed (e.g. fsck found faults). Message, when set, is printed as the
// error.
type ExitError struct {
	Code    int
	Message string
}

func (e *ExitError) Error() string { return e.Message }

// PrintJSON writes v as indented JSON with a final newline.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Mask is what human output shows instead of a value.
const Mask = "********"

// Shown returns v when show is true, else the mask.
func Shown(v string, show bool) string {
	if show {
		return v
	}
	return Mask
}

// Author returns the commit author: $EGIDE_AUTHOR, else git's user.name
// and user.email, else $USER.
func Author(getenv func(string) string) string {
	if a := strings.TrimSpace(getenv("EGIDE_AUTHOR")); a != "" {
		return a
	}
	if a := gitAuthor(); a != "" {
		return a
	}
	if u := getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// Examples formats a command's examples for --help.
func Examples(lines ...string) string {
	return "  " + strings.Join(lines, "\n  ")
}

// ReadInput reads what a command works on from path ("" or "-": stdin,
// with a note on stderr when stdin is a terminal), at most limit bytes;
// more fails with an error wrapping tooLarge.
func ReadInput(f *Factory, path string, limit int64, tooLarge error) ([]byte, error) {
	var src io.Reader = f.IO.In
	name := "stdin"
	if path != "" && path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer file.Close()
		src, name = file, path
	} else if f.IO.IsStdinTTY() {
		fmt.Fprintln(f.IO.ErrOut, "Reading from the terminal; end with Ctrl-D (or give a file).")
	}
	b, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		size := fmt.Sprintf("%d KiB", limit>>10)
		if limit >= 1<<20 {
			size = fmt.Sprintf("%d MiB", limit>>20)
		}
		return nil, fmt.Errorf("read %s: %w: more than %s", name, tooLarge, size)
	}
	return b, nil
}
