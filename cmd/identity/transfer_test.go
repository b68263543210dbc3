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

func TestNewCmdExport(t *testing.T) {
	tests := []struct {
		args    []string
		want    ExportOptions
		wantErr bool
	}{
		{args: nil},
		{args: []string{"--out", "f"}, want: ExportOptions{Out: "f"}},
		{args: []string{"--passphrase", "-o", "-"}, want: ExportOptions{Out: "-", Passphrase: true}},
		{args: []string{"f"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			var got *ExportOptions
			err := run(tf, NewCmdExport(tf.Factory, func(_ context.Context, o *ExportOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Out != tt.want.Out || got.Passphrase != tt.want.Passphrase {
				t.Errorf("got %+v", *got)
			}
		})
	}
}

func TestNewCmdImport(t *testing.T) {
	tests := []struct {
		args    []string
		want    ImportOptions
		wantErr string
	}{
		{args: nil},
		{args: []string{"id.age"}, want: ImportOptions{File: "id.age"}},
		{args: []string{"-", "--force"}, want: ImportOptions{File: "-", Force: true}},
		{args: []string{"id.age", "--out", "x"}, want: ImportOptions{File: "id.age", Out: "x"}},
		{args: []string{"--out", "-"}, wantErr: "identity export"},
		{args: []string{"--out", "x", "--force"}, wantErr: "--force"},
		{args: []string{"a", "b"}, wantErr: "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			var got *ImportOptions
			err := run(tf, NewCmdImport(tf.Factory, func(_ context.Context, o *ImportOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.File != tt.want.File || got.Out != tt.want.Out || got.Force != tt.want.Force {
				t.Errorf("got %+v", *got)
			}
		})
	}
}

func exportOptions(tf *cmdutil.TestFactory, p prompter) *ExportOptions {
	return &ExportOptions{IO: tf.IO, Prompter: p, KeyringOptions: tf.KeyringOptions, Now: tf.Now}
}

func importOptions(tf *cmdutil.TestFactory, p prompter) *ImportOptions {
	return &ImportOptions{IO: tf.IO, Prompter: p, KeyringOptions: tf.KeyringOptions, Now: tf.Now}
}

func TestExportRunStdout(t *testing.T) {
	tf := cmdutil.NewTest(t)
	if err := exportRun(context.Background(), exportOptions(tf, &fakePrompter{})); err != nil {
		t.Fatal(err)
	}
	secret := tf.Env["EGIDE_IDENTITY"]
	want := "# created: 2026-11-23T12:00:00Z\n# public key: " + tf.Identity.Recipient() + "\n" + secret + "\n"
	if tf.Out.String() != want {
		t.Errorf("stdout = %q, want %q", tf.Out, want)
	}
	if strings.Contains(tf.ErrOut.String(), secret) || !strings.Contains(tf.ErrOut.String(), "EGIDE_IDENTITY") {
		t.Errorf("stderr = %q", tf.ErrOut)
	}
}

func TestExportRunNoIdentity(t *testing.T) {
	tf := cmdutil.NewTest(t)
	delete(tf.Env, "EGIDE_IDENTITY")
	if err := exportRun(context.Background(), exportOptions(tf, &fakePrompter{})); !errors.Is(err, keyring.ErrNoIdentity) {
		t.Fatalf("err = %v", err)
	}
}

func TestExportImportPassphrase(t *testing.T) {
	ctx := context.Background()
	tf := cmdutil.NewTest(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "identity.age")
	opts := exportOptions(tf, &fakePrompter{answers: []string{"pw", "pw"}})
	opts.Out, opts.Passphrase = file, true
	if err := exportRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(data), "-----BEGIN AGE ENCRYPTED FILE-----") {
		t.Fatalf("not encrypted: %q", data)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", fi.Mode().Perm())
	}
	if err := exportRun(ctx, exportOptions(tf, &fakePrompter{answers: []string{"pw", "pw"}})); err != nil {
		t.Fatal(err)
	}

	// Import it on "another machine", into a file.
	tf2 := cmdutil.NewTest(t)
	delete(tf2.Env, "EGIDE_IDENTITY")
	p := &fakePrompter{answers: []string{"pw"}}
	in := importOptions(tf2, p)
	in.File, in.Out = file, filepath.Join(dir, "plain")
	if err := importRun(ctx, in); err != nil {
		t.Fatal(err)
	}
	if len(p.prompts) != 1 || !strings.Contains(p.prompts[0], file) {
		t.Errorf("prompts = %q", p.prompts)
	}
	if strings.TrimSpace(tf2.Out.String()) != tf.Identity.Recipient() {
		t.Errorf("stdout = %q, want %s", tf2.Out, tf.Identity.Recipient())
	}
	secret, _, err := keyring.ReadFile(in.Out, nil)
	if err != nil || secret != tf.Env["EGIDE_IDENTITY"] {
		t.Fatalf("imported file: %v", err)
	}

	// A wrong passphrase.
	in = importOptions(tf2, &fakePrompter{answers: []string{"nope"}})
	in.File, in.Out = file, filepath.Join(dir, "other")
	if err := importRun(ctx, in); !errors.Is(err, keyring.ErrWrongPassphrase) {
		t.Fatalf("err = %v, want ErrWrongPassphrase", err)
	}
	if _, err := os.Stat(in.Out); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a file was written")
	}
}

func TestExportPassphraseStdoutImportStdin(t *testing.T) {
	ctx := context.Background()
	tf := cmdutil.NewTest(t)
	opts := exportOptions(tf, &fakePrompter{answers: []string{"pw", "pw"}})
	opts.Passphrase = true
	if err := exportRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	armored := tf.Out.String()
	if !strings.HasPrefix(armored, "-----BEGIN AGE ENCRYPTED FILE-----") || strings.Contains(armored, "AGE-SECRET-KEY") {
		t.Fatalf("stdout = %q", armored)
	}

	for _, tc := range []struct {
		name, pass string
		wantErr    error
	}{{"right", "pw", nil}, {"wrong", "nope", keyring.ErrWrongPassphrase}} {
		t.Run(tc.name, func(t *testing.T) {
			tf2 := cmdutil.NewTest(t)
			tf2.In.WriteString(armored)
			in := importOptions(tf2, &fakePrompter{answers: []string{tc.pass}})
			in.Out = filepath.Join(t.TempDir(), "id")
			err := importRun(ctx, in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), os.TempDir()) {
					t.Errorf("err = %v names the temporary file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(tf2.Out.String()) != tf.Identity.Recipient() {
				t.Errorf("stdout = %q", tf2.Out)
			}
		})
	}
}

func TestImportRunStdin(t *testing.T) {
	secret := mustSecret(t)
	id, _ := vault.ParseIdentity(secret)
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{name: "bare key", input: secret},
		{name: "identity file", input: "\ufeff# created: x\n# public key: age1x\n\n" + secret + "\r\n"},
		{name: "empty", input: "", wantErr: "no secret key"},
		{name: "public key", input: id.Recipient() + "\n", wantErr: "line 1 is a public key"},
		{name: "garbage", input: "# c\nhunter2\n", wantErr: "line 2 is not an age X25519 secret key"},
		{name: "two keys", input: secret + "\n" + mustSecret(t) + "\n", wantErr: "2 secret keys"},
		{name: "damaged key", input: secret[:len(secret)-3] + "\n", wantErr: "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := cmdutil.NewTest(t)
			tf.In.WriteString(tt.input)
			in := importOptions(tf, &fakePrompter{})
			in.Out = filepath.Join(t.TempDir(), "id")
			err := importRun(context.Background(), in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, keyring.ErrInvalidIdentity) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), secret[16:40]) {
					t.Errorf("err = %v quotes the input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(tf.Out.String()) != id.Recipient() {
				t.Errorf("stdout = %q", tf.Out)
			}
		})
	}
}

func TestImportRunTerminalPrompt(t *testing.T) {
	secret := mustSecret(t)
	tf := cmdutil.NewTest(t)
	tf.IO.SetTTY(true, true, true)
	p := &fakePrompter{answers: []string{secret}}
	in := importOptions(tf, p)
	in.Out = filepath.Join(t.TempDir(), "id")
	if err := importRun(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if len(p.prompts) != 1 || !strings.Contains(p.prompts[0], "Secret key") {
		t.Errorf("prompts = %q", p.prompts)
	}
	// No terminal to ask on.
	tf = cmdutil.NewTest(t)
	tf.IO.SetTTY(true, true, true)
	in = importOptions(tf, &fakePrompter{})
	in.Out = filepath.Join(t.TempDir(), "id")
	var hinted *cmdutil.HintError
	if err := importRun(context.Background(), in); !errors.As(err, &hinted) {
		t.Fatalf("err = %v, want a hint", err)
	}
}

func TestImportRunKeyring(t *testing.T) {
	ctx := context.Background()
	tf := cmdutil.NewTest(t)
	useMockKeyring(t, tf, nil)
	secret := mustSecret(t)
	id, _ := vault.ParseIdentity(secret)
	file := filepath.Join(t.TempDir(), "id")
	if err := keyring.WriteFile(file, secret, nil, tf.Now()); err != nil {
		t.Fatal(err)
	}
	in := importOptions(tf, &fakePrompter{})
	in.File = file
	if err := importRun(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, loc, _, err := keyring.Load(ctx, tf.KeyringOptions())
	if err != nil || got != secret || loc.Source != keyring.SourceKeyring {
		t.Fatalf("keyring: %v %v", loc, err)
	}
	if !strings.Contains(tf.ErrOut.String(), "Imported identity "+id.Recipient()+" into the OS keyring") {
		t.Errorf("stderr = %q", tf.ErrOut)
	}

	// The same one again: nothing to do.
	tf.ErrOut.Reset()
	if err := importRun(ctx, in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.ErrOut.String(), "nothing changed") {
		t.Errorf("stderr = %q", tf.ErrOut)
	}

	// Another one: only with --force.
	other := mustSecret(t)
	tf.In.WriteString(other)
	in.File = ""
	if err := importRun(ctx, in); err == nil || !strings.Contains(err.Error(), id.Recipient()) {
		t.Fatalf("err = %v, want a refusal", err)
	}
	tf.In.Reset()
	tf.In.WriteString(other)
	in.Force = true
	if err := importRun(ctx, in); err != nil {
		t.Fatal(err)
	}
	if got, _, _, _ := keyring.Load(ctx, tf.KeyringOptions()); got != other {
		t.Error("--force did not replace the identity")
	}
}

func TestImportRunKeyringUnavailable(t *testing.T) {
	tf := cmdutil.NewTest(t)
	tf.In.WriteString(mustSecret(t))
	err := importRun(context.Background(), importOptions(tf, &fakePrompter{}))
	if !errors.Is(err, keyring.ErrKeyringUnavailable) {
		t.Fatalf("err = %v", err)
	}
	var hinted *cmdutil.HintError
	if !errors.As(err, &hinted) || !strings.Contains(hinted.Hint, "--out") {
		t.Errorf("hint = %+v", hinted)
	}
}

func TestImportRunMissingFile(t *testing.T) {
	tf := cmdutil.NewTest(t)
	in := importOptions(tf, &fakePrompter{})
	in.File = filepath.Join(t.TempDir(), "missing")
	if err := importRun(context.Background(), in); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}
