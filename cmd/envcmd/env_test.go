package envcmd

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/spf13/cobra"
)

// newRepo returns a TestFactory whose folder holds a repository with the
// env "dev", created with the factory's identity.
func newRepo(t *testing.T) *cmdutil.TestFactory {
	t.Helper()
	tf := cmdutil.NewTest(t)
	ctx := context.Background()
	r, err := repo.Init(ctx, tf.Dir, repo.InitOptions{}, tf.RepoOptions(ctx))
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	return tf
}

// run executes cmd with args and returns its error.
func run(tf *cmdutil.TestFactory, cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(tf.ErrOut)
	cmd.SetErr(tf.ErrOut)
	return cmd.Execute()
}

// fakeConfirmer is a terminal (or not) that answers ReadLine with answer.
type fakeConfirmer struct {
	tty     bool
	answer  string
	prompts []string
}

func (c *fakeConfirmer) CanPrompt() bool { return c.tty }
func (c *fakeConfirmer) ReadLine(prompt string) (string, error) {
	c.prompts = append(c.prompts, prompt)
	if !c.tty {
		return "", iostreams.ErrNoTTY
	}
	return c.answer, nil
}

var _ confirmer = (*fakeConfirmer)(nil)
var _ confirmer = (*iostreams.IOStreams)(nil)

func isUsage(err error) bool {
	var fe *cmdutil.FlagError
	return errors.As(err, &fe)
}

func TestNewCmdEnv(t *testing.T) {
	tf := cmdutil.NewTest(t)
	cmd := NewCmdEnv(tf.Factory)
	want := map[string]bool{"list": true, "create": true, "delete": true, "rename": true, "use": true, "rotate-key": true, "grant": true, "map": true}
	for _, c := range cmd.Commands() {
		if !want[c.Name()] {
			t.Errorf("unexpected subcommand %q", c.Name())
		}
		delete(want, c.Name())
		if c.Short == "" || c.Long == "" || c.Example == "" || c.Args == nil {
			t.Errorf("%s lacks Short, Long, Example or Args", c.Name())
		}
	}
	if len(want) != 0 {
		t.Errorf("missing subcommands %v", want)
	}
}

// TestNewCmdFlags parses each verb's command line through runF.
func TestNewCmdFlags(t *testing.T) {
	const rcpt = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
	type got struct{ opts any }
	tests := []struct {
		name      string
		build     func(f *cmdutil.Factory, g *got) *cobra.Command
		args      []string
		check     func(t *testing.T, opts any)
		wantErr   string
		wantUsage bool
	}{
		{
			name: "list json",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdList(f, func(_ context.Context, o *ListOptions) error { g.opts = o; return nil })
			},
			args: []string{"--json"},
			check: func(t *testing.T, o any) {
				if !o.(*ListOptions).JSON {
					t.Error("JSON not set")
				}
			},
		},
		{
			name: "list argument",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdList(f, func(context.Context, *ListOptions) error { return nil })
			},
			args:    []string{"dev"},
			wantErr: "unknown command",
		},
		{
			name: "create from",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdCreate(f, func(_ context.Context, o *CreateOptions) error { g.opts = o; return nil })
			},
			args: []string{"staging", "--from", "dev"},
			check: func(t *testing.T, o any) {
				if c := o.(*CreateOptions); c.Name != "staging" || c.From != "dev" {
					t.Errorf("got %+v", c)
				}
			},
		},
		{
			name: "create invalid name",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdCreate(f, func(context.Context, *CreateOptions) error { return nil })
			},
			args:      []string{"Prod"},
			wantErr:   "environment name",
			wantUsage: true,
		},
		{
			name: "create no name",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdCreate(f, func(context.Context, *CreateOptions) error { return nil })
			},
			args:    nil,
			wantErr: "accepts 1 arg",
		},
		{
			name: "rename",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdRename(f, func(_ context.Context, o *RenameOptions) error { g.opts = o; return nil })
			},
			args: []string{"stage", "staging"},
			check: func(t *testing.T, o any) {
				if r := o.(*RenameOptions); r.Old != "stage" || r.New != "staging" {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "rename invalid new name",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdRename(f, func(context.Context, *RenameOptions) error { return nil })
			},
			args:      []string{"dev", "a b"},
			wantErr:   "environment name",
			wantUsage: true,
		},
		{
			name: "use",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdUse(f, func(_ context.Context, o *UseOptions) error { g.opts = o; return nil })
			},
			args: []string{"prod"},
			check: func(t *testing.T, o any) {
				if o.(*UseOptions).Name != "prod" {
					t.Errorf("got %+v", o)
				}
			},
		},
		{
			name: "rotate-key remove",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdRotateKey(f, func(_ context.Context, o *RotateKeyOptions) error { g.opts = o; return nil })
			},
			args: []string{"prod", "--remove", rcpt, "--remove", rcpt},
			check: func(t *testing.T, o any) {
				if r := o.(*RotateKeyOptions); r.Name != "prod" || len(r.Remove) != 2 {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "rotate-key bad remove",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdRotateKey(f, func(context.Context, *RotateKeyOptions) error { return nil })
			},
			args:      []string{"prod", "--remove", "bob"},
			wantErr:   "--remove: invalid age recipient",
			wantUsage: true,
		},
		{
			name: "grant",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdGrant(f, func(_ context.Context, o *GrantOptions) error { g.opts = o; return nil })
			},
			args: []string{"prod", rcpt},
			check: func(t *testing.T, o any) {
				if g := o.(*GrantOptions); g.Name != "prod" || g.Recipient != rcpt {
					t.Errorf("got %+v", g)
				}
			},
		},
		{
			name: "grant invalid recipient",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdGrant(f, func(context.Context, *GrantOptions) error { return nil })
			},
			args:      []string{"prod", "age1nope"},
			wantErr:   "invalid age recipient",
			wantUsage: true,
		},
		{
			name: "grant secret key",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdGrant(f, func(context.Context, *GrantOptions) error { return nil })
			},
			args:      []string{"prod", "AGE-SECRET-KEY-1QQQSECRET"},
			wantErr:   "that is a secret key, not a recipient",
			wantUsage: true,
		},
		{
			name: "grant one argument",
			build: func(f *cmdutil.Factory, g *got) *cobra.Command {
				return NewCmdGrant(f, func(context.Context, *GrantOptions) error { return nil })
			},
			args:    []string{"prod"},
			wantErr: "accepts 2 arg",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			g := &got{}
			err := run(tf, tt.build(tf.Factory, g), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.wantUsage && !isUsage(err) {
					t.Errorf("err = %v is not a usage error", err)
				}
				if strings.Contains(err.Error(), "QQQSECRET") {
					t.Errorf("err = %v quotes a secret key", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, g.opts)
		})
	}
}

func TestNewCmdDelete(t *testing.T) {
	tests := []struct {
		args    []string
		wantYes bool
		wantErr string
	}{
		{args: []string{"prod"}},
		{args: []string{"prod", "--yes"}, wantYes: true},
		{args: []string{"prod", "-y"}, wantYes: true},
		{args: []string{}, wantErr: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			var got *DeleteOptions
			err := run(tf, NewCmdDelete(tf.Factory, func(_ context.Context, o *DeleteOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "prod" || got.Yes != tt.wantYes || got.Prompter == nil {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestListRun(t *testing.T) {
	ctx := context.Background()
	tf := newRepo(t)
	r, err := tf.Repo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, "dev", []repo.Entry{{Key: "A", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	c, err := r.Commit(ctx, "dev", "first")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, "dev", []repo.Entry{{Key: "B", Value: "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.CreateEnv(ctx, "prod", ""); err != nil {
		t.Fatal(err)
	}
	if err := r.UseEnv(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	opts := &ListOptions{IO: tf.IO, Repo: tf.Factory.ReadOnlyRepo, JSON: true}
	if err := listRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(tf.Out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, tf.Out)
	}
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	byName := map[string]map[string]any{}
	for _, e := range got {
		byName[e["name"].(string)] = e
		if len(e) != 7 {
			t.Errorf("fields = %v", e)
		}
	}
	dev, prod := byName["dev"], byName["prod"]
	if dev["head"] != c.ID.String() || dev["current"] != false || dev["default"] != true ||
		dev["epoch"] != 1.0 || dev["uncommitted"] != 1.0 || dev["recipients"] != 1.0 {
		t.Errorf("dev = %v", dev)
	}
	if prod["head"] != nil || prod["current"] != true || prod["default"] != false {
		t.Errorf("prod = %v", prod)
	}

	tf.Out.Reset()
	opts.JSON = false
	if err := listRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(tf.Out.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "NAME") {
		t.Fatalf("stdout = %q", tf.Out)
	}
	if f := strings.Fields(lines[1]); len(f) != 5 || f[0] != "dev" || f[1] != c.ID.Short() || f[3] != "1" {
		t.Errorf("dev line = %q", lines[1])
	}
	if f := strings.Fields(lines[2]); len(f) != 6 || f[0] != "*" || f[1] != "prod" || f[2] != "-" {
		t.Errorf("prod line = %q", lines[2])
	}
}

func TestListRunNoRepository(t *testing.T) {
	tf := cmdutil.NewTest(t)
	err := listRun(context.Background(), &ListOptions{IO: tf.IO, Repo: tf.Factory.ReadOnlyRepo, JSON: true})
	if !errors.Is(err, repo.ErrNoRepository) {
		t.Fatalf("err = %v", err)
	}
}

func TestCreateRenameUseRun(t *testing.T) {
	ctx := context.Background()
	tf := newRepo(t)
	r, _ := tf.Repo(ctx)
	if err := r.Set(ctx, "dev", []repo.Entry{{Key: "A", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(ctx, "dev", "first"); err != nil {
		t.Fatal(err)
	}

	if err := createRun(ctx, &CreateOptions{IO: tf.IO, Repo: tf.Factory.Repo, Name: "staging", From: "dev"}); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, "staging", "A", ""); err != nil || v != "1" {
		t.Fatalf("staging A = %q, %v", v, err)
	}
	if !strings.Contains(tf.ErrOut.String(), "Created env staging from dev") {
		t.Errorf("stderr = %q", tf.ErrOut)
	}
	err := createRun(ctx, &CreateOptions{IO: tf.IO, Repo: tf.Factory.Repo, Name: "staging"})
	if !errors.Is(err, repo.ErrExists) {
		t.Fatalf("create twice: %v", err)
	}
	err = createRun(ctx, &CreateOptions{IO: tf.IO, Repo: tf.Factory.Repo, Name: "x", From: "nope"})
	var nf *repo.NotFoundError
	if !errors.As(err, &nf) || nf.Name != "nope" {
		t.Fatalf("create from unknown: %v", err)
	}

	if err := renameRun(ctx, &RenameOptions{IO: tf.IO, Repo: tf.Factory.Repo, Old: "staging", New: "stage"}); err != nil {
		t.Fatal(err)
	}
	if err := renameRun(ctx, &RenameOptions{IO: tf.IO, Repo: tf.Factory.Repo, Old: "staging", New: "x"}); !errors.As(err, &nf) {
		t.Fatalf("rename unknown: %v", err)
	}
	if err := renameRun(ctx, &RenameOptions{IO: tf.IO, Repo: tf.Factory.Repo, Old: "stage", New: "dev"}); !errors.Is(err, repo.ErrExists) {
		t.Fatalf("rename onto dev: %v", err)
	}

	tf.ErrOut.Reset()
	tf.Env["EGIDE_ENV"] = "dev"
	if err := useRun(ctx, &UseOptions{IO: tf.IO, Repo: tf.Factory.Repo, Getenv: tf.Getenv, Name: "stage"}); err != nil {
		t.Fatal(err)
	}
	if cur, _ := r.ResolveEnv(ctx, ""); cur != "stage" {
		t.Errorf("current = %q", cur)
	}
	if !strings.Contains(tf.ErrOut.String(), "Now using env stage") || !strings.Contains(tf.ErrOut.String(), "EGIDE_ENV=dev is set") {
		t.Errorf("stderr = %q", tf.ErrOut)
	}
	if err := useRun(ctx, &UseOptions{IO: tf.IO, Repo: tf.Factory.Repo, Getenv: tf.Getenv, Name: "nope"}); !errors.As(err, &nf) {
		t.Fatalf("use unknown: %v", err)
	}
	if tf.Out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", tf.Out)
	}
}

func TestDeleteRun(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		yes       bool
		confirmer *fakeConfirmer
		env       string
		wantErr   string
		usage     bool
		deleted   bool
	}{
		{name: "yes", yes: true, confirmer: &fakeConfirmer{}, env: "prod", deleted: true},
		{name: "typed name", confirmer: &fakeConfirmer{tty: true, answer: " prod "}, env: "prod", deleted: true},
		{name: "wrong answer", confirmer: &fakeConfirmer{tty: true, answer: "y"}, env: "prod", wantErr: "did not match"},
		{name: "no terminal needs --yes", confirmer: &fakeConfirmer{}, env: "prod", wantErr: "add --yes", usage: true},
		{name: "unknown", yes: true, confirmer: &fakeConfirmer{}, env: "nope", wantErr: `env "nope" not found`},
		{name: "unknown asks nothing", confirmer: &fakeConfirmer{tty: true, answer: "nope"}, env: "nope", wantErr: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := newRepo(t)
			r, _ := tf.Repo(ctx)
			if err := r.CreateEnv(ctx, "prod", ""); err != nil {
				t.Fatal(err)
			}
			if err := r.UseEnv(ctx, "prod"); err != nil {
				t.Fatal(err)
			}
			err := deleteRun(ctx, &DeleteOptions{IO: tf.IO, Prompter: tt.confirmer, Repo: tf.Factory.Repo, Name: tt.env, Yes: tt.yes})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if isUsage(err) != tt.usage {
					t.Errorf("usage error: %v, want %v", isUsage(err), tt.usage)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			envs, _ := r.Envs(ctx)
			if deleted := len(envs) == 1; deleted != tt.deleted {
				t.Errorf("envs = %+v", envs)
			}
			if tt.deleted && !strings.Contains(tf.ErrOut.String(), "Deleted env prod.\nCurrent env: dev.") {
				t.Errorf("stderr = %q", tf.ErrOut)
			}
			if tt.env == "nope" && len(tt.confirmer.prompts) != 0 {
				t.Error("asked before checking the name")
			}
		})
	}
}

func TestDeleteRunLastEnv(t *testing.T) {
	tf := newRepo(t)
	err := deleteRun(context.Background(), &DeleteOptions{IO: tf.IO, Prompter: &fakeConfirmer{}, Repo: tf.Factory.Repo, Name: "dev", Yes: true})
	if !errors.Is(err, repo.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func identityFunc(tf *cmdutil.TestFactory) func(context.Context) (*vault.Identity, error) {
	return func(ctx context.Context) (*vault.Identity, error) {
		id, _, err := tf.Factory.Identity(ctx)
		return id, err
	}
}

func TestRotateKeyRun(t *testing.T) {
	ctx := context.Background()
	tf := newRepo(t)
	r, _ := tf.Repo(ctx)
	if err := r.Set(ctx, "dev", []repo.Entry{{Key: "A", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	opts := &RotateKeyOptions{IO: tf.IO, Repo: tf.Factory.Repo, Identity: identityFunc(tf), Name: "dev"}
	if err := rotateKeyRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if tf.Out.String() != "2\n" {
		t.Errorf("stdout = %q, want the new epoch", tf.Out)
	}
	if v, err := r.Get(ctx, "dev", "A", ""); err != nil || v != "1" {
		t.Fatalf("after rotation: %q, %v", v, err)
	}

	opts.Remove = []string{tf.Identity.Recipient()}
	err := rotateKeyRun(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "your own identity") {
		t.Fatalf("err = %v", err)
	}

	var nf *repo.NotFoundError
	if err := rotateKeyRun(ctx, &RotateKeyOptions{IO: tf.IO, Repo: tf.Factory.Repo, Identity: identityFunc(tf), Name: "nope"}); !errors.As(err, &nf) {
		t.Fatalf("unknown env: %v", err)
	}
}

func TestGrantRun(t *testing.T) {
	ctx := context.Background()
	tf := newRepo(t)
	r, _ := tf.Repo(ctx)
	if err := r.Set(ctx, "dev", []repo.Entry{{Key: "A", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(ctx, "dev", "first"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RotateKey(ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, "dev", []repo.Entry{{Key: "B", Value: "2"}}); err != nil {
		t.Fatal(err)
	}

	// A second user, on the same repository.
	bob := cmdutil.NewTest(t)
	bob.Dir = tf.Dir
	rb, err := bob.Repo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var notRcpt *repo.NotRecipientError
	if _, err := rb.Get(ctx, "dev", "A", ""); !errors.As(err, &notRcpt) || notRcpt.Env != "dev" || notRcpt.Recipient != bob.Identity.Recipient() {
		t.Fatalf("before grant: %v", err)
	}
	// Bob cannot grant himself.
	if err := grantRun(ctx, &GrantOptions{IO: bob.IO, Repo: bob.Factory.Repo, Name: "dev", Recipient: bob.Identity.Recipient()}); !errors.As(err, &notRcpt) {
		t.Fatalf("self-grant: %v", err)
	}

	if err := grantRun(ctx, &GrantOptions{IO: tf.IO, Repo: tf.Factory.Repo, Name: "dev", Recipient: bob.Identity.Recipient()}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.ErrOut.String(), "Granted "+bob.Identity.Recipient()+" read access to env dev") {
		t.Errorf("stderr = %q", tf.ErrOut)
	}
	bob.Close()
	rb, err = bob.Repo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"A": "1", "B": "2"} {
		if v, err := rb.Get(ctx, "dev", k, ""); err != nil || v != want {
			t.Errorf("bob reads %s = %q, %v", k, v, err)
		}
	}
	if v, err := rb.Get(ctx, "dev", "A", "HEAD"); err != nil || v != "1" {
		t.Errorf("bob reads the epoch-1 commit: %q, %v", v, err)
	}

	var nf *repo.NotFoundError
	if err := grantRun(ctx, &GrantOptions{IO: tf.IO, Repo: tf.Factory.Repo, Name: "nope", Recipient: bob.Identity.Recipient()}); !errors.As(err, &nf) {
		t.Fatalf("unknown env: %v", err)
	}
}
