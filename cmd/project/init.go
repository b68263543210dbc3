package project

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
)

// identityFileHint is the next step when no identity can be found or kept.
const identityFileHint = "create one in a file with 'egide identity new --out ~/.config/egide/identity', then export EGIDE_IDENTITY_FILE=~/.config/egide/identity"

// InitOptions are init's inputs.
type InitOptions struct {
	IO *iostreams.IOStreams
	// Dir is the folder init runs in.
	Dir string
	// Identity loads the user's identity (cmdutil.Factory.Identity).
	Identity func(context.Context) (*vault.Identity, keyring.Location, error)
	// KeyringOptions are the options to store a new identity with.
	KeyringOptions func() keyring.Options
	// RepoOptions are the options to create the repository with.
	RepoOptions func(context.Context) repo.Options

	Env  string // --env: the first environment
	Name string // --name: the project's name
}

// NewCmdInit returns 'egide init'.
func NewCmdInit(f *cmdutil.Factory, runF func(context.Context, *InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: f.IO, Dir: f.Dir, Identity: f.Identity, KeyringOptions: f.KeyringOptions, RepoOptions: f.RepoOptions}
	cmd := &cobra.Command{
		Use:   "init [--env NAME] [--name PROJECT]",
		Short: "Create an encrypted repository for this project",
		Long: `Create .egide/ at the project root: the root of the git work tree you are in,
else the current folder. The repository starts with one environment ("dev"
unless --env says otherwise) whose key is wrapped to your identity.

The identity comes from --identity FILE, EGIDE_IDENTITY, EGIDE_IDENTITY_FILE
or the OS keyring. If there is none, init creates one and stores it in the OS
keyring; where no keyring answers it stops and tells you how to make one, as
egide never writes an unencrypted key to disk unless you ask.

In a git work tree, init adds .egide/ to the root .gitignore and warns about
any plaintext .env file that git tracks.`,
		Example: cmdutil.Examples(
			"egide init",
			"egide init --env staging --name billing",
			"EGIDE_IDENTITY_FILE=~/.config/egide/identity egide init"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := repo.ValidateEnvName(opts.Env); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--env: %w", err)}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return initRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Env, "env", "dev", "name of the first environment")
	cmd.Flags().StringVar(&opts.Name, "name", "", "project name (default: the project folder's name)")
	return cmd
}

func initRun(ctx context.Context, opts *InitOptions) error {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if existing, err := repo.FindRoot(dir); err == nil {
		return cmdutil.WithHint(
			fmt.Errorf("cannot init: an egide repository %w at %s", repo.ErrExists, filepath.Join(existing, repo.DirName)),
			"use it as it is ('egide env list'), or add an environment with 'egide env create NAME'")
	} else if !errors.Is(err, repo.ErrNoRepository) {
		return err
	}
	root := dir
	tree, gitErr := findGitTree(dir)
	if gitErr != nil {
		fmt.Fprintf(opts.IO.ErrOut, "egide: warning: %v; treating %s as a plain folder\n", gitErr, dir)
	}
	if tree != nil {
		root = tree.Root
	}
	env := opts.Env
	if env == "" {
		env = "dev"
	}

	id, err := initIdentity(ctx, opts)
	if err != nil {
		return err
	}
	ro := opts.RepoOptions(ctx)
	ro.Identity = func() (*vault.Identity, error) { return id, nil }
	r, err := repo.Init(ctx, root, repo.InitOptions{Env: env, Project: opts.Name}, ro)
	if err != nil {
		if errors.Is(err, repo.ErrExists) {
			return cmdutil.WithHint(fmt.Errorf("cannot init: %w", err), "use it as it is ('egide env list')")
		}
		return fmt.Errorf("cannot init %s: %w", filepath.Join(root, repo.DirName), err)
	}
	project, perr := r.Project(ctx)
	r.Close()
	if perr != nil {
		return perr
	}

	w := opts.IO.ErrOut
	fmt.Fprintf(w, "Initialized an egide repository in %s (project %s, env %s).\n", filepath.Join(root, repo.DirName), project, env)
	if tree != nil {
		reportGit(opts.IO, tree, dir)
	}
	fmt.Fprintf(w, "Next: egide set KEY=VALUE (or egide import .env), then egide commit -m MSG.\n")
	return nil
}

// initIdentity returns the identity to create the repository with: the
// user's, or a new one stored in the OS keyring when there is none.
func initIdentity(ctx context.Context, opts *InitOptions) (*vault.Identity, error) {
	id, loc, err := opts.Identity(ctx)
	if err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Using identity %s (%s).\n", id.Recipient(), loc)
		return id, nil
	}
	if !errors.Is(err, keyring.ErrNoIdentity) {
		return nil, err
	}
	var none *keyring.NoIdentityError
	if errors.As(err, &none) && none.KeyringReason != "" {
		// No keyring to keep a new identity in: never fall back to an
		// unencrypted file nobody asked for.
		return nil, cmdutil.WithHint(fmt.Errorf("cannot init: %w", err), identityFileHint)
	}
	id, secret, err := vault.GenerateIdentity()
	if err != nil {
		return nil, err
	}
	loc, err = keyring.Store(ctx, opts.KeyringOptions(), secret)
	if err != nil {
		return nil, cmdutil.WithHint(
			fmt.Errorf("cannot init: no identity, and a new one cannot be kept: %w; and none of %s, %s or --identity FILE is set",
				err, keyring.EnvIdentity, keyring.EnvIdentityFile),
			identityFileHint)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Created identity %s in the %s.\n", id.Recipient(), loc)
	fmt.Fprintf(opts.IO.ErrOut, "Back it up with 'egide identity export --passphrase --out FILE': without it, your secrets cannot be decrypted.\n")
	return id, nil
}

// reportGit ignores .egide/ in the git work tree and warns about tracked
// dotenv files, naming them relative to dir, the folder init runs in.
// Failures are warnings: the repository is already created.
func reportGit(ios *iostreams.IOStreams, g *gitTree, dir string) {
	w := ios.ErrOut
	if added, err := ignoreEgide(g.Root); err != nil {
		fmt.Fprintf(w, "egide: warning: %v; add %s/ to .gitignore yourself\n", err, repo.DirName)
	} else if added {
		fmt.Fprintf(w, "Added %s/ to %s.\n", repo.DirName, filepath.Join(g.Root, ".gitignore"))
	}
	tracked, err := g.trackedDotEnv()
	if err != nil {
		fmt.Fprintf(w, "egide: warning: %v; cannot check for tracked .env files\n", err)
		return
	}
	for _, p := range tracked {
		if rel, err := filepath.Rel(dir, filepath.Join(g.Root, filepath.FromSlash(p))); err == nil {
			p = rel
		}
		fmt.Fprintf(w, "egide: warning: %s is tracked by git and may hold plaintext secrets: run 'egide import %s', then 'git rm --cached %s' (and rotate anything already pushed)\n", p, p, p)
	}
}
