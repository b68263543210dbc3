package identity

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/vault/keyring"
	"github.com/spf13/cobra"
	gokeyring "github.com/zalando/go-keyring"
)

func TestMain(m *testing.M) {
	keyring.SetTestScryptWorkFactor(10)
	os.Exit(m.Run())
}

// fakePrompter answers ReadSecret with answers in turn, or fails with
// iostreams.ErrNoTTY when they run out.
type fakePrompter struct {
	answers []string
	prompts []string
}

func (p *fakePrompter) ReadSecret(prompt string) ([]byte, error) {
	p.prompts = append(p.prompts, prompt)
	if len(p.answers) == 0 {
		return nil, iostreams.ErrNoTTY
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return []byte(a), nil
}

var _ prompter = (*fakePrompter)(nil)
var _ prompter = (*iostreams.IOStreams)(nil)

// useMockKeyring points tf at go-keyring's in-memory keyring (or one that
// fails with err) and takes the identity out of EGIDE_IDENTITY.
func useMockKeyring(t *testing.T, tf *cmdutil.TestFactory, err error) {
	t.Helper()
	if err != nil {
		gokeyring.MockInitWithError(err)
	} else {
		gokeyring.MockInit()
	}
	delete(tf.Env, "EGIDE_NO_KEYRING")
	delete(tf.Env, "EGIDE_IDENTITY")
	tf.Env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/egide-test-bus" // only the mock answers
	tf.Env["EGIDE_KEYRING_SERVICE"] = "egide-test-" + t.Name()
}

// run executes cmd with args and returns its error.
func run(tf *cmdutil.TestFactory, cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(tf.ErrOut)
	cmd.SetErr(tf.ErrOut)
	return cmd.Execute()
}

func TestNewCmdIdentity(t *testing.T) {
	tf := cmdutil.NewTest(t)
	cmd := NewCmdIdentity(tf.Factory)
	names := map[string]bool{}
	for _, c := range cmd.Commands() {
		names[c.Name()] = true
		if c.Short == "" || c.Long == "" || c.Example == "" || c.Args == nil {
			t.Errorf("%s lacks Short, Long, Example or Args", c.Name())
		}
	}
	for _, n := range []string{"show", "new", "export", "import"} {
		if !names[n] {
			t.Errorf("no %q subcommand", n)
		}
	}
	// Bare 'identity' shows.
	if err := run(tf, cmd, "--json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.Out.String(), tf.Identity.Recipient()) {
		t.Errorf("stdout = %q", tf.Out)
	}
	if err := run(tf, NewCmdIdentity(tf.Factory), "bogus"); err == nil {
		t.Error("'identity bogus' succeeded")
	}
}

func TestNewCmdShow(t *testing.T) {
	tests := []struct {
		args     []string
		wantJSON bool
		wantErr  bool
	}{
		{args: nil},
		{args: []string{"--json"}, wantJSON: true},
		{args: []string{"x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			var got *ShowOptions
			err := run(tf, NewCmdShow(tf.Factory, func(_ context.Context, o *ShowOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.JSON != tt.wantJSON {
				t.Errorf("JSON = %v", got.JSON)
			}
		})
	}
}

func TestShowRun(t *testing.T) {
	tf := cmdutil.NewTest(t)
	opts := &ShowOptions{IO: tf.IO, Identity: tf.Factory.Identity, JSON: true}
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(tf.Out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, tf.Out)
	}
	if got["recipient"] != tf.Identity.Recipient() || !strings.HasPrefix(got["signing_key_fingerprint"], "SHA256:") ||
		got["source"] != "env" || got["location"] != "EGIDE_IDENTITY" || len(got) != 4 {
		t.Errorf("json = %v", got)
	}

	tf.Out.Reset()
	opts.JSON = false
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"recipient", tf.Identity.Recipient(), "signing key", got["signing_key_fingerprint"], "secret key in", "EGIDE_IDENTITY"} {
		if !strings.Contains(tf.Out.String(), want) {
			t.Errorf("stdout = %q, want %q", tf.Out, want)
		}
	}
	if strings.Contains(tf.Out.String()+tf.ErrOut.String(), "AGE-SECRET-KEY") {
		t.Error("show printed the secret key")
	}
}

func TestShowRunFile(t *testing.T) {
	tf := cmdutil.NewTest(t)
	path := t.TempDir() + "/id"
	if err := keyring.WriteFile(path, tf.Env["EGIDE_IDENTITY"], nil, tf.Now()); err != nil {
		t.Fatal(err)
	}
	delete(tf.Env, "EGIDE_IDENTITY")
	tf.Env["EGIDE_IDENTITY_FILE"] = path
	opts := &ShowOptions{IO: tf.IO, Identity: tf.Factory.Identity, JSON: true}
	if err := showRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(tf.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["source"] != "file" || got["location"] != path || got["recipient"] != tf.Identity.Recipient() {
		t.Errorf("json = %v", got)
	}
}

func TestShowRunNoIdentity(t *testing.T) {
	tf := cmdutil.NewTest(t)
	delete(tf.Env, "EGIDE_IDENTITY")
	err := showRun(context.Background(), &ShowOptions{IO: tf.IO, Identity: tf.Factory.Identity})
	if !errors.Is(err, keyring.ErrNoIdentity) {
		t.Fatalf("err = %v, want ErrNoIdentity", err)
	}
	if tf.Out.Len() != 0 {
		t.Errorf("stdout = %q", tf.Out)
	}
}
