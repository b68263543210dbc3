package history

import (
	"context"
	"fmt"
	"sort"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
)

// FsckOptions are fsck's inputs.
type FsckOptions struct {
	IO   *iostreams.IOStreams
	Repo func(context.Context) (*repo.Repository, error)
	// Identity loads the user's identity; fsck needs it to open seals and
	// fails early, with the usual hint, when there is none.
	Identity func(context.Context) (*vault.Identity, keyring.Location, error)
	JSON     bool
}

// NewCmdFsck returns 'egide fsck'.
func NewCmdFsck(f *cmdutil.Factory, runF func(context.Context, *FsckOptions) error) *cobra.Command {
	opts := &FsckOptions{IO: f.IO, Repo: f.ReadOnlyRepo, Identity: f.Identity}
	cmd := &cobra.Command{
		Use:   "fsck",
		Short: "Verify the repository's integrity",
		Long: `Check every object's hash and header, every reference between objects, every
ref, every key envelope's signature and, in the environments your identity
can decrypt, every seal and every commit signature.

Each problem is one line on standard output, "OBJECT: problem", where OBJECT
is a full object id, a ref name, "env NAME" or "engine NAME" (the transit
engine's sealed keys). A summary goes to standard
error, with a note naming each environment your identity cannot decrypt
(only its hashes and references were checked). fsck exits with 1 when it
found any problem, 0 otherwise. It needs your identity, like any command that
decrypts.

--json prints {"objects", "commits", "refs", "signatures_verified",
"engine_entries", "problems": [{"object", "problem"}], "unreadable_envs"}; the exit code is
the same.`,
		Example: cmdutil.Examples(
			"egide fsck",
			"egide fsck --json | jq '.problems[].object'"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return fsckRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// fsckJSON is fsck's --json output.
type fsckJSON struct {
	Objects    int           `json:"objects"`
	Commits    int           `json:"commits"`
	Refs       int           `json:"refs"`
	Signatures int           `json:"signatures_verified"`
	Engine     int           `json:"engine_entries"`
	Problems   []problemJSON `json:"problems"`
	Unreadable []string      `json:"unreadable_envs"`
}

type problemJSON struct {
	Object  string `json:"object"`
	Problem string `json:"problem"`
}

func fsckRun(ctx context.Context, opts *FsckOptions) error {
	r, err := opts.Repo(ctx)
	if err != nil {
		return err
	}
	if opts.Identity != nil {
		if _, _, err := opts.Identity(ctx); err != nil {
			return err
		}
	}
	rep, err := r.Fsck(ctx)
	if err != nil {
		return err
	}
	problems := make([]problemJSON, 0, len(rep.Problems))
	for _, p := range rep.Problems {
		problems = append(problems, problemJSON{Object: p.Object, Problem: p.What})
	}
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].Object != problems[j].Object {
			return problems[i].Object < problems[j].Object
		}
		return problems[i].Problem < problems[j].Problem
	})
	for _, env := range rep.Unreadable {
		fmt.Fprintf(opts.IO.ErrOut, "egide: note: env %q not fully checked: this identity is not a recipient, so only hashes and references were verified\n", env)
	}
	if opts.JSON {
		unreadable := append([]string{}, rep.Unreadable...)
		err := cmdutil.PrintJSON(opts.IO.Out, fsckJSON{Objects: rep.Objects, Commits: rep.Commits, Refs: rep.Refs,
			Signatures: rep.Signatures, Engine: rep.EngineEntries, Problems: problems, Unreadable: unreadable})
		if err != nil {
			return err
		}
	} else {
		engines := ""
		if rep.EngineEntries > 0 {
			engines = "; " + plural(rep.EngineEntries, "engine entry", "engine entries") + " opened"
		}
		fmt.Fprintf(opts.IO.ErrOut, "checked %s, %s and %s; %s verified%s\n",
			plural(rep.Objects, "object", "objects"), plural(rep.Commits, "commit", "commits"),
			plural(rep.Refs, "ref", "refs"), plural(rep.Signatures, "signature", "signatures"), engines)
		for _, p := range problems {
			obj := p.Object
			if obj == "" {
				obj = "repository"
			}
			fmt.Fprintf(opts.IO.Out, "%s: %s\n", clean(obj), clean(p.Problem))
		}
	}
	if len(problems) > 0 {
		return &cmdutil.ExitError{Code: 1, Message: fmt.Sprintf("fsck found %s", plural(len(problems), "problem", "problems"))}
	}
	return nil
}
