package identity

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
)

func TestNewCmdNew(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    NewOptions
		wantErr string
	}{
		{name: "keyring", args: nil},
		{name: "force", args: []string{"--force"}, want: NewOptions{Force: true}},
		{name: "out", args: []string{"--out", "id.txt"}, want: NewOptions{Out: "id.txt"}},
		{name: "out stdout", args: []string{"-o", "-"}, want: NewOptions{Out: "-"}},
		{name: "passphrase", args: []string{"--out", "id.age", "--passphrase"}, want: NewOptions{Out: "id.age", Passphrase: true}},
		{name: "passphrase without out", args: []string{"--passphrase"}, wantErr: "--passphrase"},
		{name: "force with out", args: []string{"--force", "--out", "x"}, wantErr: "--force"},
		{name: "argument", args: []string{"x"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			var got *NewOptions
			err := run(tf, NewCmdNew(tf.Factory, func(_ context.Context, o *NewOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Out != tt.want.Out || got.Force != tt.want.Force || got.Passphrase != tt.want.Passphrase {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func newOptions(tf *cmdutil.TestFactory, p prompter) *NewOptions {
	return &NewOptions{IO: tf.IO, Prompter: p, KeyringOptions: tf.KeyringOptions, Now: tf.Now}
}

func TestNewRunOutFile(t *testing.T) {
	tf := cmdutil.NewTest(t)
	opts := newOptions(tf, &fakePrompter{})
	opts.Out = filepath.Join(t.TempDir(), "new", "dir", "identity") // parents are created
	if err := newRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(opts.Out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	secret, warning, err := keyring.ReadFile(opts.Out, nil)
	if err != nil || warning != "" {
		t.Fatal(err, warning)
	}
	id, _ := vault.ParseIdentity(secret)
	if got := strings.TrimSpace(tf.Out.String()); got != id.Recipient() {
		t.Errorf("stdout = %q, want the recipient %s", got, id.Recipient())
	}
	if !strings.Contains(tf.ErrOut.String(), "EGIDE_IDENTITY_FILE="+opts.Out) || strings.Contains(tf.ErrOut.String(), secret) {
		t.Errorf("stderr = %q", tf.ErrOut)
	}
	if id.Recipient() == tf.Identity.Recipient() {
		t.Error("new identity is the old one")
	}

	// Never replaces a file.
	before, _ := os.ReadFile(opts.Out)
	err = newRun(context.Background(), opts)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second run: err = %v, want fs.ErrExist", err)
	}
	if after, _ := os.ReadFile(opts.Out); string(after) != string(before) {
		t.Error("the file was replaced")
	}
}

func TestNewRunOutStdout(t *testing.T) {
	tf := cmdutil.NewTest(t)
	opts := newOptions(tf, &fakePrompter{})
	opts.Out = "-"
	if err := newRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	out := tf.Out.String()
	if !strings.HasPrefix(out, "# created: 2026-11-23T12:00:00Z\n# public key: age1") || !strings.Contains(out, "\nAGE-SECRET-KEY-1") {
		t.Fatalf("stdout = %q", out)
	}
	secret, err := decodeIdentity([]byte(out), nil)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := vault.ParseIdentity(secret)
	if !strings.Contains(out, "# public key: "+id.Recipient()+"\n") || !strings.Contains(tf.ErrOut.String(), "Public key: "+id.Recipient()) {
		t.Errorf("stdout %q / stderr %q do not name %s", out, tf.ErrOut, id.Recipient())
	}
	if strings.Contains(tf.ErrOut.String(), "AGE-SECRET-KEY") {
		t.Error("the secret went to stderr")
	}
	// It works as EGIDE_IDENTITY.
	loaded, _, _, err := keyring.Load(context.Background(), keyring.Options{Getenv: func(k string) string {
		return map[string]string{"EGIDE_IDENTITY": out}[k]
	}})
	if err != nil || loaded != secret {
		t.Fatalf("load: %v", err)
	}
}

func TestNewRunPassphrase(t *testing.T) {
	tests := []struct {
		name    string
		answers []string
		wantErr string
	}{
		{name: "ok", answers: []string{"correct horse", "correct horse"}},
		{name: "mismatch", answers: []string{"correct horse", "battery staple"}, wantErr: "do not match"},
		{name: "empty", answers: []string{""}, wantErr: "empty passphrase"},
		{name: "no terminal", answers: nil, wantErr: "terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			p := &fakePrompter{answers: tt.answers}
			opts := newOptions(tf, p)
			opts.Out = filepath.Join(t.TempDir(), "identity.age")
			opts.Passphrase = true
			err := newRun(context.Background(), opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if _, err := os.Stat(opts.Out); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("a file was written: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(opts.Out)
			if !strings.HasPrefix(string(data), "-----BEGIN AGE ENCRYPTED FILE-----") || strings.Contains(string(data), "AGE-SECRET-KEY") {
				t.Fatalf("file is not encrypted: %q", data)
			}
			secret, _, err := keyring.ReadFile(opts.Out, func() ([]byte, error) { return []byte("correct horse"), nil })
			if err != nil {
				t.Fatal(err)
			}
			id, _ := vault.ParseIdentity(secret)
			if strings.TrimSpace(tf.Out.String()) != id.Recipient() {
				t.Errorf("stdout = %q, want %s", tf.Out, id.Recipient())
			}
			if len(p.prompts) != 2 {
				t.Errorf("prompts = %q, want two", p.prompts)
			}
		})
	}
}

func TestNewRunKeyring(t *testing.T) {
	tf := cmdutil.NewTest(t)
	useMockKeyring(t, tf, nil)
	ctx := context.Background()
	opts := newOptions(tf, &fakePrompter{})
	if err := newRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	first, loc, _, err := keyring.Load(ctx, tf.KeyringOptions())
	if err != nil || loc.Source != keyring.SourceKeyring {
		t.Fatalf("load: %v %v", loc, err)
	}
	id1, _ := vault.ParseIdentity(first)
	if strings.TrimSpace(tf.Out.String()) != id1.Recipient() || !strings.Contains(tf.ErrOut.String(), "OS keyring") {
		t.Errorf("stdout %q, stderr %q", tf.Out, tf.ErrOut)
	}

	// Not replaced without --force.
	err = newRun(ctx, opts)
	var hinted *cmdutil.HintError
	if err == nil || !strings.Contains(err.Error(), id1.Recipient()) || !errors.As(err, &hinted) || !strings.Contains(hinted.Hint, "--force") {
		t.Fatalf("err = %v, want a refusal naming %s with a --force hint", err, id1.Recipient())
	}
	if again, _, _, _ := keyring.Load(ctx, tf.KeyringOptions()); again != first {
		t.Fatal("the identity was replaced without --force")
	}

	// Replaced with --force, with a warning.
	tf.ErrOut.Reset()
	opts.Force = true
	if err := newRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if second, _, _, _ := keyring.Load(ctx, tf.KeyringOptions()); second == first {
		t.Fatal("--force did not replace the identity")
	}
	if !strings.Contains(tf.ErrOut.String(), "warning: replacing identity "+id1.Recipient()) {
		t.Errorf("stderr = %q", tf.ErrOut)
	}
}

func TestNewRunKeyringShadowed(t *testing.T) {
	tf := cmdutil.NewTest(t)
	useMockKeyring(t, tf, nil)
	tf.Env["EGIDE_IDENTITY"] = mustSecret(t)
	if err := newRun(context.Background(), newOptions(tf, &fakePrompter{})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.ErrOut.String(), "EGIDE_IDENTITY is set and takes precedence") {
		t.Errorf("stderr = %q", tf.ErrOut)
	}
}

func TestNewRunKeyringUnavailable(t *testing.T) {
	tf := cmdutil.NewTest(t) // EGIDE_NO_KEYRING=1
	err := newRun(context.Background(), newOptions(tf, &fakePrompter{}))
	if !errors.Is(err, keyring.ErrKeyringUnavailable) {
		t.Fatalf("err = %v, want ErrKeyringUnavailable", err)
	}
	var hinted *cmdutil.HintError
	if !errors.As(err, &hinted) || !strings.Contains(hinted.Hint, "--out") {
		t.Errorf("hint = %+v", hinted)
	}
	if tf.Out.Len() != 0 {
		t.Errorf("stdout = %q", tf.Out)
	}
}

func mustSecret(t *testing.T) string {
	t.Helper()
	_, secret, err := vault.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
