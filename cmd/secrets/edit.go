package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/dotenv"
	"github.com/spf13/cobra"
)

// EditOptions are edit's inputs.
type EditOptions struct {
	IO      *iostreams.IOStreams
	Repo    func(context.Context) (*repo.Repository, error)
	Env     func(context.Context, *repo.Repository, string) (string, error)
	Getenv  func(string) string
	EnvFlag string
}

// NewCmdEdit returns 'egide edit'.
func NewCmdEdit(f *cmdutil.Factory, runF func(context.Context, *EditOptions) error) *cobra.Command {
	opts := &EditOptions{IO: f.IO, Repo: f.Repo, Env: f.Env, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "edit",
		Short: "Edit an environment in $EDITOR",
		Long: `Open the environment's working state as a dotenv file in $VISUAL, $EDITOR or
vi, then stage the difference: added, changed and removed keys. Commit with
'egide commit'.

The file lives in a private folder (mode 0700, on $XDG_RUNTIME_DIR or
/dev/shm when available, which are in memory), is created 0600, and is
overwritten and removed as soon as the editor exits. If the editor fails,
the file is empty or does not parse, nothing is changed.`,
		Example: cmdutil.Examples(
			"egide edit",
			"EDITOR='code --wait' egide edit -e staging"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return editRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddEnvFlag(cmd, &opts.EnvFlag)
	return cmd
}

func editRun(ctx context.Context, opts *EditOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	env, err := opts.Env(ctx, r, opts.EnvFlag)
	if err != nil {
		return err
	}
	entries, err := r.Entries(ctx, env, "")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# egide: environment %q. Edit, save and quit to stage the changes;\n# delete a line to remove its key. An empty file changes nothing.\n", env)
	if err := dotenv.Encode(&buf, entries, dotenv.FormatDotenv); err != nil {
		return err
	}
	edited, err := editInPrivateFile(ctx, opts, env, buf.Bytes())
	clear(buf.Bytes())
	if err != nil {
		return err
	}
	defer clear(edited)
	parsed, err := dotenv.Parse(bytes.NewReader(edited), "edited "+env, nil)
	if err != nil {
		return cmdutil.WithHint(err, "nothing was staged and the edited file is gone: run 'egide edit' again")
	}
	if len(parsed) == 0 && len(bytes.TrimSpace(stripComments(edited))) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "The file is empty: nothing changed.")
		return nil
	}
	old := make(map[string]string, len(entries))
	for _, e := range entries {
		old[e.Key] = e.Value
	}
	var sets []repo.Entry
	seen := map[string]bool{}
	added, changed := 0, 0
	for _, e := range parsed {
		seen[e.Key] = true
		v, ok := old[e.Key]
		switch {
		case !ok:
			added++
		case v != e.Value:
			changed++
		default:
			continue
		}
		sets = append(sets, repo.Entry{Key: e.Key, Value: e.Value})
	}
	var unsets []string
	for _, e := range entries {
		if !seen[e.Key] {
			unsets = append(unsets, e.Key)
		}
	}
	if len(sets) == 0 && len(unsets) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No changes.")
		return nil
	}
	if err := r.Stage(ctx, env, sets, unsets); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Staged in %s: %d added, %d changed, %d removed. Record with 'egide commit -m MSG'.\n", env, added, changed, len(unsets))
	return nil
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, t...)
		}
	}
	return out
}

// privateTempBase picks where the editable file goes: memory-backed,
// per-user folders first.
func privateTempBase(getenv func(string) string) string {
	for _, d := range []string{getenv("XDG_RUNTIME_DIR"), "/dev/shm"} {
		if fi, err := os.Stat(d); d != "" && err == nil && fi.IsDir() {
			return d
		}
	}
	return os.TempDir()
}

func editInPrivateFile(ctx context.Context, opts *EditOptions, env string, content []byte) ([]byte, error) {
	dir, err := os.MkdirTemp(privateTempBase(opts.Getenv), "egide-edit-")
	if err != nil {
		return nil, fmt.Errorf("edit: create private folder: %w", err)
	}
	path := filepath.Join(dir, env+".env")
	defer func() {
		// Overwrite before removing, so the plaintext does not linger in
		// freed blocks of a disk-backed temp folder.
		if fi, err := os.Stat(path); err == nil {
			os.WriteFile(path, make([]byte, fi.Size()), 0o600)
		}
		os.RemoveAll(dir)
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	}
	if _, err := fh.Write(content); err != nil {
		fh.Close()
		return nil, fmt.Errorf("edit: %w", err)
	}
	if err := fh.Close(); err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	}
	editor := opts.Getenv("VISUAL")
	if editor == "" {
		editor = opts.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	// The editor command may carry arguments ("code --wait"): let sh split it.
	c := exec.CommandContext(ctx, "sh", "-c", editor+` "$1"`, "egide-edit", path)
	c.Stdin, c.Stdout, c.Stderr = opts.IO.In, opts.IO.Out, opts.IO.ErrOut
	if f, ok := opts.IO.In.(*os.File); ok {
		c.Stdin = f
	}
	// The editor gets the terminal itself, not a pipe through our buffer.
	if f := opts.IO.StdoutFile(); f != nil {
		c.Stdout = f
	}
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("editor %q exited with status %d: nothing changed", editor, ee.ExitCode())
		}
		return nil, cmdutil.WithHint(fmt.Errorf("run editor %q: %w", editor, err), "set $EDITOR to your editor, e.g. export EDITOR=nano")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("edit: read back: %w", err)
	}
	return b, nil
}
