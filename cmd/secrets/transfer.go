package secrets

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/dotenv"
	"github.com/spf13/cobra"
)

// ImportOptions are import's inputs.
type ImportOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag string
	File    string
	Format  string
}

// NewCmdImport returns 'egide import'.
func NewCmdImport(f *cmdutil.Factory, runF func(context.Context, *ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{IO: f.IO, Repo: f.Repo, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Stage every key of a dotenv, JSON or YAML file",
		Long: `Stage every key of FILE ('-' for standard input) in an environment; 'egide
commit' records them. The format comes from --format, else from the file's
extension (.json, .yaml/.yml), else dotenv.

dotenv follows docker compose's semantics: comments, 'export' prefixes,
single quotes (literal), double quotes (escapes, multi-line values), and
${VAR}, $VAR, ${VAR:-default} expansion from earlier keys of the file, then
from the environment's current values. JSON and YAML are flat maps of
strings. A malformed file names the file and line, and nothing is staged.`,
		Example: cmdutil.Examples(
			"egide import .env",
			"egide import secrets.json -e staging",
			"op inject -i tpl.env | egide import - --format dotenv"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if opts.Format != "" {
				if _, err := dotenv.ParseFormat(opts.Format); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().StringVar(&opts.Format, "format", "", "dotenv, json or yaml (default: from the file's extension)")
	return cmd
}

func formatOf(flag, file string) (dotenv.Format, error) {
	if flag != "" {
		return dotenv.ParseFormat(flag)
	}
	switch strings.ToLower(filepath.Ext(file)) {
	case ".json":
		return dotenv.FormatJSON, nil
	case ".yaml", ".yml":
		return dotenv.FormatYAML, nil
	}
	return dotenv.FormatDotenv, nil
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	format, err := formatOf(opts.Format, opts.File)
	if err != nil {
		return err
	}
	if format == dotenv.FormatShell {
		return cmdutil.FlagErrorf("the shell format is for export only")
	}
	var in io.Reader = opts.IO.In
	name := "stdin"
	if opts.File != "-" {
		fh, err := os.Open(opts.File)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer fh.Close()
		in, name = fh, opts.File
	}
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	current, err := r.Entries(ctx, env, "")
	if err != nil {
		return err
	}
	known := make(map[string]string, len(current))
	for _, e := range current {
		known[e.Key] = e.Value
	}
	lookup := func(k string) (string, bool) { v, ok := known[k]; return v, ok }
	entries, err := dotenv.Decode(in, name, format, lookup)
	if err != nil {
		return err
	}
	sets := entries
	if err := r.Set(ctx, env, sets); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Staged %d key(s) from %s in %s. Record with 'egide commit -m MSG'.\n", len(sets), name, env)
	return nil
}

// ExportOptions are export's inputs.
type ExportOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	EnvFlag string
	At      string
	Format  string
}

// NewCmdExport returns 'egide export'.
func NewCmdExport(f *cmdutil.Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Env: f.EnvName}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print an environment as dotenv, JSON, YAML or shell",
		Long: `Print every key and value of an environment to standard output, sorted by
key. This prints secrets in the clear: redirect it only where they may go.
Without --at it exports the working state, uncommitted changes included.

dotenv output reads back exactly with 'egide import' (and docker compose):
values that need it are double-quoted with escapes, '$' included, so nothing
is expanded on the way back. shell prints 'export KEY='…'' lines for eval.
docker is docker run's --env-file format (literal, one line per value; a
multi-line value is an error). k8s-secret is a Kubernetes Secret manifest
named PROJECT-ENV with base64 data. github-actions prints NAME<<DELIMITER
blocks to append to $GITHUB_ENV (multi-line safe).`,
		Example: cmdutil.Examples(
			"egide export > .env.local",
			"egide export --format json -e staging | jq .",
			"eval \"$(egide export --format shell)\"",
			"egide export --at prod~1 --format yaml",
			"egide export -e prod --format k8s-secret | kubectl apply -f -",
			`egide export -e ci --format github-actions >> "$GITHUB_ENV"`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := dotenv.ParseFormat(opts.Format); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	cmd.Flags().StringVar(&opts.At, "at", "", "export the committed state at REF")
	cmd.Flags().StringVar(&opts.Format, "format", "dotenv", "dotenv, json, yaml, shell, docker, k8s-secret or github-actions")
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	format, err := dotenv.ParseFormat(opts.Format)
	if err != nil {
		return err
	}
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	entries, err := r.Entries(ctx, env, opts.At)
	if err != nil {
		return err
	}
	var eo dotenv.EncodeOptions
	if format == dotenv.FormatK8sSecret {
		name, err := r.ResolveEnv(ctx, env)
		if err != nil {
			return err
		}
		project, err := r.Project(ctx)
		if err != nil {
			return err
		}
		eo.Name = k8sName(project + "-" + name)
	}
	return dotenv.EncodeWith(opts.IO.Out, entries, format, eo)
}

// k8sName turns s into a DNS-1123 name (lowercase letters, digits, '-', at
// most 253 characters, alphanumeric at both ends) for a Secret.
func k8sName(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), "-")
	if len(out) > 253 {
		out = strings.TrimRight(out[:253], "-")
	}
	if out == "" {
		return "egide"
	}
	return out
}
