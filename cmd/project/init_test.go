package project

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	gokeyring "github.com/zalando/go-keyring"
)

func TestNewCmdInit(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantEnv  string
		wantName string
		wantErr  string
	}{
		{name: "defaults", args: nil, wantEnv: "dev"},
		{name: "env and name", args: []string{"--env", "staging", "--name", "billing"}, wantEnv: "staging", wantName: "billing"},
		{name: "invalid env", args: []string{"--env", "Prod"}, wantErr: "environment name"},
		{name: "empty env", args: []string{"--env", ""}, wantErr: "environment name"},
		{name: "no arguments", args: []string{"extra"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			var got *InitOptions
			cmd := NewCmdInit(tf.Factory, func(_ context.Context, o *InitOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(tf.ErrOut)
			cmd.SetErr(tf.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Env != tt.wantEnv || got.Name != tt.wantName {
				t.Errorf("got env %q name %q, want %q %q", got.Env, got.Name, tt.wantEnv, tt.wantName)
			}
		})
	}
}

func TestNewCmdInitUsageError(t *testing.T) {
	tf := cmdutil.NewTest(t)
	cmd := NewCmdInit(tf.Factory, func(context.Context, *InitOptions) error { return nil })
	cmd.SetArgs([]string{"--env", "a/b"})
	cmd.SetErr(tf.ErrOut)
	var fe *cmdutil.FlagError
	if err := cmd.Execute(); !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a FlagError", err)
	}
}

// plainTest returns a TestFactory whose folder is in no git work tree; it
// skips the test when the temporary folder itself is in one, where init
// would use that tree's root.
func plainTest(t *testing.T) *cmdutil.TestFactory {
	t.Helper()
	tf := cmdutil.NewTest(t)
	if g, _ := findGitTree(tf.Dir); g != nil {
		t.Skipf("the temporary folder is in the git work tree %s", g.Root)
	}
	return tf
}

func newInitOptions(tf *cmdutil.TestFactory) *InitOptions {
	return &InitOptions{
		IO: tf.IO, Dir: tf.Dir, Identity: tf.Factory.Identity,
		KeyringOptions: tf.KeyringOptions, RepoOptions: tf.RepoOptions,
		Env: "dev",
	}
}

func TestInitRunPlainFolder(t *testing.T) {
	tf := plainTest(t)
	opts := newInitOptions(tf)
	opts.Env, opts.Name = "staging", "billing"
	if err := initRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if tf.Out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", tf.Out)
	}
	for _, want := range []string{"Using identity " + tf.Identity.Recipient(), "project billing, env staging", "egide set"} {
		if !strings.Contains(tf.ErrOut.String(), want) {
			t.Errorf("stderr = %q, want %q", tf.ErrOut, want)
		}
	}
	if _, err := os.Stat(filepath.Join(tf.Dir, ".gitignore")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a .gitignore was written outside git: %v", err)
	}
	r, err := repo.Open(context.Background(), tf.Dir, tf.RepoOptions(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	envs, err := r.Envs(context.Background())
	if err != nil || len(envs) != 1 || envs[0].Name != "staging" || !envs[0].Default {
		t.Fatalf("envs = %+v, %v", envs, err)
	}
	if p, _ := r.Project(context.Background()); p != "billing" {
		t.Errorf("project = %q", p)
	}
}

func TestInitRunTwice(t *testing.T) {
	tf := plainTest(t)
	if err := initRun(context.Background(), newInitOptions(tf)); err != nil {
		t.Fatal(err)
	}
	// From a subfolder too: .egide/ above counts.
	sub := filepath.Join(tf.Dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{tf.Dir, sub} {
		opts := newInitOptions(tf)
		opts.Dir = dir
		err := initRun(context.Background(), opts)
		var hinted *cmdutil.HintError
		if !errors.Is(err, repo.ErrExists) || !errors.As(err, &hinted) {
			t.Fatalf("init in %s: err = %v, want ErrExists with a hint", dir, err)
		}
		if !strings.Contains(err.Error(), filepath.Join(tf.Dir, ".egide")) {
			t.Errorf("err = %v, want the existing folder named", err)
		}
	}
}

func TestInitRunNoIdentityNoKeyring(t *testing.T) {
	tf := plainTest(t)
	delete(tf.Env, "EGIDE_IDENTITY")
	err := initRun(context.Background(), newInitOptions(tf))
	if !errors.Is(err, keyring.ErrNoIdentity) {
		t.Fatalf("err = %v, want ErrNoIdentity", err)
	}
	for _, want := range []string{"EGIDE_IDENTITY", "EGIDE_IDENTITY_FILE", "--identity", "keyring"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q named", err, want)
		}
	}
	var hinted *cmdutil.HintError
	if !errors.As(err, &hinted) || !strings.Contains(hinted.Hint, "egide identity new --out") {
		t.Errorf("hint = %+v", hinted)
	}
	if _, err := os.Stat(filepath.Join(tf.Dir, ".egide")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".egide/ was created: %v", err)
	}
	entries, _ := os.ReadDir(tf.Dir)
	if len(entries) != 0 {
		t.Errorf("init left files behind: %v", entries)
	}
}

// useMockKeyring points tf at go-keyring's in-memory keyring.
func useMockKeyring(t *testing.T, tf *cmdutil.TestFactory, err error) {
	t.Helper()
	if err != nil {
		gokeyring.MockInitWithError(err)
	} else {
		gokeyring.MockInit()
	}
	delete(tf.Env, "EGIDE_NO_KEYRING")
	tf.Env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/egide-test-bus" // only the mock answers
	tf.Env["EGIDE_KEYRING_SERVICE"] = "egide-test-" + t.Name()
}

func TestInitRunCreatesIdentityInKeyring(t *testing.T) {
	tf := plainTest(t)
	delete(tf.Env, "EGIDE_IDENTITY")
	useMockKeyring(t, tf, nil)
	ctx := context.Background()
	if err := initRun(ctx, newInitOptions(tf)); err != nil {
		t.Fatal(err)
	}
	secret, loc, _, err := keyring.Load(ctx, tf.KeyringOptions())
	if err != nil || loc.Source != keyring.SourceKeyring {
		t.Fatalf("keyring holds nothing: %v %v", loc, err)
	}
	id, err := vault.ParseIdentity(secret)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Created identity " + id.Recipient() + " in the OS keyring"; !strings.Contains(tf.ErrOut.String(), want) {
		t.Errorf("stderr = %q, want %q", tf.ErrOut, want)
	}
	if strings.Contains(tf.ErrOut.String(), "AGE-SECRET-KEY") {
		t.Error("the secret key was printed")
	}
	// The new identity reads the repository.
	tf2 := cmdutil.NewTest(t)
	tf2.Dir = tf.Dir
	tf2.Env["EGIDE_IDENTITY"] = secret
	r, err := repo.Open(ctx, tf.Dir, tf2.RepoOptions(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Set(ctx, "dev", []repo.Entry{{Key: "A", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, "dev", "A", ""); err != nil || v != "1" {
		t.Fatalf("get = %q, %v", v, err)
	}
}

func TestInitRunKeyringFails(t *testing.T) {
	tf := plainTest(t)
	delete(tf.Env, "EGIDE_IDENTITY")
	useMockKeyring(t, tf, errors.New("the collection is locked"))
	err := initRun(context.Background(), newInitOptions(tf))
	if err == nil {
		t.Fatal("init succeeded without an identity")
	}
	for _, want := range []string{"EGIDE_IDENTITY", "EGIDE_IDENTITY_FILE", "keyring", "locked"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q named", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(tf.Dir, ".egide")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".egide/ was created: %v", err)
	}
}

func TestInitRunOtherIdentityError(t *testing.T) {
	tf := plainTest(t)
	tf.Env["EGIDE_IDENTITY"] = "not a key"
	err := initRun(context.Background(), newInitOptions(tf))
	if err == nil || errors.Is(err, keyring.ErrNoIdentity) {
		t.Fatalf("err = %v, want the identity's own error", err)
	}
	if strings.Contains(err.Error(), "not a key") {
		t.Errorf("err = %v quotes the variable", err)
	}
}
