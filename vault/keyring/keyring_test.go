package keyring_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/egide/egide/vault/keyring"
)

func TestMain(m *testing.M) {
	// Process-wide and permanent: no test in this package may reach a real
	// keyring (that test lives in ./realtest).
	gokeyring.MockInit()
	keyring.SetTestScryptWorkFactor(10)
	os.Exit(m.Run())
}

// newSecret returns a fresh identity secret.
func newSecret(t *testing.T) string {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// options returns Options reading env, with a session bus "present" and a
// keyring service of the test's own.
func options(t *testing.T, env map[string]string) keyring.Options {
	t.Helper()
	full := map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/egide-test-bus"}
	for k, v := range env {
		full[k] = v
	}
	return keyring.Options{
		Getenv:  func(k string) string { return full[k] },
		Service: "egide-test-" + t.Name(),
	}
}

// writeFile writes content at dir/name with mode and returns the path.
func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // beat the umask
		t.Fatal(err)
	}
	return p
}

// keyFile is an identity file as age-keygen writes it.
func keyFile(secret string) string {
	return "# created: 2026-01-02T03:04:05Z\n# public key: age1whatever\n" + secret + "\n"
}

// assertNoSecret fails if msg shows any part of secret past its prefix.
func assertNoSecret(t *testing.T, msg, secret string) {
	t.Helper()
	body := strings.TrimPrefix(secret, "AGE-SECRET-KEY-1")
	for i := 0; i+8 <= len(body); i += 4 {
		if strings.Contains(msg, body[i:i+8]) {
			t.Fatalf("message shows part of the secret: %q", msg)
		}
	}
}

// passphrase returns a Passphrase func that counts its calls.
func passphrase(p string, calls *int) func() ([]byte, error) {
	return func() ([]byte, error) {
		*calls++
		return []byte(p), nil
	}
}

// noKeyring is a backend that fails the test when called.
type noKeyring struct{ t *testing.T }

func (k noKeyring) Get(service, user string) (string, error) {
	k.t.Errorf("keyring Get(%q, %q) called", service, user)
	return "", errors.New("must not be called")
}

func (k noKeyring) Set(service, user, _ string) error {
	k.t.Errorf("keyring Set(%q, %q) called", service, user)
	return errors.New("must not be called")
}

func (k noKeyring) Delete(service, user string) error {
	k.t.Errorf("keyring Delete(%q, %q) called", service, user)
	return errors.New("must not be called")
}

func TestLoadOrder(t *testing.T) {
	dir := t.TempDir()
	flagKey, envKey, fileKey, ringKey := newSecret(t), newSecret(t), newSecret(t), newSecret(t)
	flagPath := writeFile(t, dir, "flag.txt", keyFile(flagKey), 0o600)
	filePath := writeFile(t, dir, "file.txt", keyFile(fileKey), 0o600)

	tests := []struct {
		name     string
		flag     bool
		env      map[string]string
		stored   bool
		want     keyring.Source
		wantKey  string
		wantPath string
	}{
		{"flag beats all", true, map[string]string{"EGIDE_IDENTITY": envKey, "EGIDE_IDENTITY_FILE": filePath}, true, keyring.SourceFlag, flagKey, flagPath},
		{"env beats file and keyring", false, map[string]string{"EGIDE_IDENTITY": envKey, "EGIDE_IDENTITY_FILE": filePath}, true, keyring.SourceEnv, envKey, ""},
		{"file beats keyring", false, map[string]string{"EGIDE_IDENTITY_FILE": filePath}, true, keyring.SourceFile, fileKey, filePath},
		{"keyring last", false, nil, true, keyring.SourceKeyring, ringKey, ""},
		{"flag alone", true, nil, false, keyring.SourceFlag, flagKey, flagPath},
		{"env with comments", false, map[string]string{"EGIDE_IDENTITY": keyFile(envKey)}, false, keyring.SourceEnv, envKey, ""},
		{"env with BOM and CRLF", false, map[string]string{"EGIDE_IDENTITY": "\ufeff# c\r\n" + envKey + "\r\n"}, false, keyring.SourceEnv, envKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options(t, tt.env)
			if tt.flag {
				o.IdentityFlag = flagPath
			}
			if tt.stored {
				if _, err := keyring.Store(context.Background(), o, ringKey); err != nil {
					t.Fatal(err)
				}
			}
			secret, loc, warning, err := keyring.Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if loc.Source != tt.want || loc.Path != tt.wantPath {
				t.Errorf("loc = %+v, want source %s path %q", loc, tt.want, tt.wantPath)
			}
			if secret != tt.wantKey {
				t.Errorf("got the secret of another source")
			}
			if warning != "" {
				t.Errorf("warning = %q", warning)
			}
		})
	}
}

// Explicit sources must not touch the keyring at all (CI has no D-Bus).
func TestExplicitSourcesSkipKeyring(t *testing.T) {
	keyring.SetBackend(t, noKeyring{t})
	dir := t.TempDir()
	path := writeFile(t, dir, "id.txt", keyFile(newSecret(t)), 0o600)
	for _, env := range []map[string]string{
		{"EGIDE_IDENTITY": newSecret(t)},
		{"EGIDE_IDENTITY_FILE": path},
		{"EGIDE_IDENTITY": "garbage"}, // broken explicit sources do not fall through
		{"EGIDE_IDENTITY_FILE": filepath.Join(dir, "missing")},
	} {
		o := options(t, env)
		_, loc, _, err := keyring.Load(context.Background(), o)
		if loc.Source == keyring.SourceKeyring {
			t.Errorf("env %v: loaded from the keyring (err %v)", env, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	secret := newSecret(t)
	pub := mustIdentity(t, secret).Recipient().String()

	encrypted := filepath.Join(dir, "enc.age")
	if err := keyring.WriteFile(encrypted, secret, []byte("right horse"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	toKey := filepath.Join(dir, "to-key.age")
	writeAgeFile(t, toKey, keyFile(secret), mustIdentity(t, newSecret(t)).Recipient())
	damaged := filepath.Join(dir, "damaged.age")
	data, err := os.ReadFile(encrypted)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[2] = strings.Repeat("A", len(lines[2])) // corrupt the middle of the armor
	writeFile(t, dir, "damaged.age", strings.Join(lines, "\n"), 0o600)

	tests := []struct {
		name       string
		flag       string // file content for --identity; "-" for none
		env        map[string]string
		pass       func() ([]byte, error)
		storeText  string // raw text put in the (mock) keyring
		wantIs     error
		wantSubstr string
	}{
		{name: "missing file", env: map[string]string{"EGIDE_IDENTITY_FILE": filepath.Join(dir, "nope")}, wantIs: fs.ErrNotExist, wantSubstr: "nope"},
		{name: "directory", env: map[string]string{"EGIDE_IDENTITY_FILE": dir}, wantSubstr: "is a directory"},
		{name: "empty file", flag: "", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "no secret key"},
		{name: "comments only", flag: "# nothing\n\n", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "no secret key"},
		{name: "two keys", flag: keyFile(secret) + newSecret(t) + "\n", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "2 secret keys"},
		{name: "same key twice", flag: secret + "\n" + secret + "\n", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "2 secret keys"},
		{name: "stray line", flag: "# c\nhello " + secret + "\n", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "line 2 is not an age X25519"},
		{name: "public key", flag: pub + "\n", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "line 1 is a public key"},
		{name: "truncated key", flag: secret[:len(secret)-1] + "\n", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "line 1 is not a valid age secret key"},
		{name: "lowercase key", flag: strings.ToLower(secret) + "\n", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "line 1 is not an age X25519"},
		{name: "too large", flag: strings.Repeat("#\n", 40<<10), wantIs: keyring.ErrInvalidIdentity, wantSubstr: "larger than 64 KiB"},
		{name: "env garbage", env: map[string]string{"EGIDE_IDENTITY": "not-a-key"}, wantIs: keyring.ErrInvalidIdentity, wantSubstr: "EGIDE_IDENTITY: "},
		{name: "env two keys", env: map[string]string{"EGIDE_IDENTITY": secret + "\n" + newSecret(t)}, wantIs: keyring.ErrInvalidIdentity, wantSubstr: "2 secret keys"},
		{name: "encrypted, no passphrase func", env: map[string]string{"EGIDE_IDENTITY_FILE": encrypted}, wantIs: keyring.ErrPassphraseRequired, wantSubstr: "no terminal"},
		{name: "wrong passphrase", env: map[string]string{"EGIDE_IDENTITY_FILE": encrypted}, pass: constPass("wrong horse"), wantIs: keyring.ErrWrongPassphrase, wantSubstr: "incorrect passphrase"},
		{name: "empty passphrase", env: map[string]string{"EGIDE_IDENTITY_FILE": encrypted}, pass: constPass(""), wantIs: keyring.ErrWrongPassphrase},
		{name: "prompt fails", env: map[string]string{"EGIDE_IDENTITY_FILE": encrypted}, pass: func() ([]byte, error) { return nil, errInterrupted }, wantIs: errInterrupted, wantSubstr: "read passphrase"},
		{name: "encrypted to a key", env: map[string]string{"EGIDE_IDENTITY_FILE": toKey}, pass: failPass(t), wantIs: keyring.ErrInvalidIdentity, wantSubstr: "not with a passphrase"},
		{name: "damaged armor", env: map[string]string{"EGIDE_IDENTITY_FILE": damaged}, pass: constPass("right horse"), wantSubstr: "damaged age-encrypted file"},
		{name: "keyring holds garbage", flag: "-", storeText: "garbage", wantIs: keyring.ErrInvalidIdentity, wantSubstr: "OS keyring (service egide-test-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options(t, tt.env)
			o.Passphrase = tt.pass
			if tt.flag != "-" && tt.env == nil && tt.storeText == "" {
				o.IdentityFlag = writeFile(t, t.TempDir(), "id.txt", tt.flag, 0o600)
			}
			if tt.storeText != "" {
				if err := gokeyring.Set(o.Service, "identity", tt.storeText); err != nil {
					t.Fatal(err)
				}
			}
			got, _, _, err := keyring.Load(context.Background(), o)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if got != "" {
				t.Error("Load returned a secret with its error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			if errors.Is(err, keyring.ErrNoIdentity) {
				t.Errorf("err = %v: a broken explicit source is not ErrNoIdentity", err)
			}
			if !strings.Contains(err.Error(), tt.wantSubstr) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantSubstr)
			}
			assertNoSecret(t, err.Error(), secret)
		})
	}
}

var errInterrupted = errors.New("interrupted")

func constPass(p string) func() ([]byte, error) {
	return func() ([]byte, error) { return []byte(p), nil }
}

func failPass(t *testing.T) func() ([]byte, error) {
	return func() ([]byte, error) {
		t.Error("passphrase asked for a file that is not passphrase-encrypted")
		return nil, errors.New("no")
	}
}

func mustIdentity(t *testing.T, secret string) *age.X25519Identity {
	t.Helper()
	id, err := age.ParseX25519Identity(secret)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// writeAgeFile writes text encrypted to r as a binary age file.
func writeAgeFile(t *testing.T, path, text string, r age.Recipient) {
	t.Helper()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEncryptedFiles(t *testing.T) {
	dir := t.TempDir()
	secret := newSecret(t)

	armored := filepath.Join(dir, "armored.age")
	if err := keyring.WriteFile(armored, secret, []byte("right horse"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(armored, 0o644); err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(dir, "binary.age")
	sr, err := age.NewScryptRecipient("right horse")
	if err != nil {
		t.Fatal(err)
	}
	sr.SetWorkFactor(10)
	writeAgeFile(t, binary, keyFile(secret), sr)

	for _, path := range []string{armored, binary} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			calls := 0
			o := options(t, map[string]string{"EGIDE_IDENTITY_FILE": path})
			o.Passphrase = passphrase("right horse", &calls)
			got, loc, warning, err := keyring.Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if got != secret {
				t.Error("decrypted secret differs")
			}
			if calls != 1 {
				t.Errorf("passphrase asked %d times, want 1", calls)
			}
			if loc != (keyring.Location{Source: keyring.SourceFile, Path: path}) {
				t.Errorf("loc = %+v", loc)
			}
			if warning != "" {
				t.Errorf("encrypted file warned: %q", warning)
			}
		})
	}
}

func TestLooseFileModeWarns(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	secret := newSecret(t)
	tests := []struct {
		mode os.FileMode
		warn bool
	}{
		{0o600, false},
		{0o400, false},
		{0o640, true},
		{0o644, true},
		{0o602, true},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "id.txt", keyFile(secret), tt.mode)
			o := options(t, nil)
			o.IdentityFlag = path
			got, _, warning, err := keyring.Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if got != secret {
				t.Error("wrong secret")
			}
			if (warning != "") != tt.warn {
				t.Fatalf("warning = %q, want one: %v", warning, tt.warn)
			}
			if tt.warn && (!strings.Contains(warning, path) || !strings.Contains(warning, "chmod 600")) {
				t.Errorf("warning = %q, want the path and the fix", warning)
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	secret := newSecret(t)
	created := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

	plain := filepath.Join(dir, "plain.txt")
	if err := keyring.WriteFile(plain, secret, nil, created); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	want := "# created: 2026-11-22T10:30:00Z\n# public key: " + mustIdentity(t, secret).Recipient().String() + "\n" + secret + "\n"
	if string(data) != want {
		t.Errorf("content differs from age-keygen's format")
	}
	checkMode(t, plain)

	t.Run("refuses to overwrite", func(t *testing.T) {
		err := keyring.WriteFile(plain, newSecret(t), nil, created)
		if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("err = %v, want fs.ErrExist", err)
		}
		if again, _ := os.ReadFile(plain); !bytes.Equal(again, data) {
			t.Error("existing file was changed")
		}
	})

	t.Run("no created line", func(t *testing.T) {
		p := filepath.Join(dir, "nocreated.txt")
		if err := keyring.WriteFile(p, secret, nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(p)
		if strings.Contains(string(data), "# created") {
			t.Error("zero time wrote a created line")
		}
	})

	t.Run("encrypted", func(t *testing.T) {
		p := filepath.Join(dir, "enc.age")
		if err := keyring.WriteFile(p, secret, []byte("pw"), created); err != nil {
			t.Fatal(err)
		}
		checkMode(t, p)
		data, _ := os.ReadFile(p)
		if !strings.HasPrefix(string(data), "-----BEGIN AGE ENCRYPTED FILE-----\n") {
			t.Error("not ASCII-armored")
		}
		assertNoSecret(t, string(data), secret)
		got, warning, err := keyring.ReadFile(p, constPass("pw"))
		if err != nil || got != secret || warning != "" {
			t.Errorf("ReadFile: same secret %v, warning %q, err %v", got == secret, warning, err)
		}
	})

	for _, tt := range []struct {
		name, secret string
		pass         []byte
		wantIs       error
	}{
		{"invalid secret", "AGE-SECRET-KEY-1NOTVALID", nil, keyring.ErrInvalidIdentity},
		{"two secrets", secret + "\n" + newSecret(t), nil, keyring.ErrInvalidIdentity},
		{"empty passphrase", secret, []byte{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad-"+strings.ReplaceAll(tt.name, " ", "-"))
			err := keyring.WriteFile(p, tt.secret, tt.pass, created)
			if err == nil {
				t.Fatal("WriteFile succeeded")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			assertNoSecret(t, err.Error(), tt.secret)
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("file left behind: %v", err)
			}
		})
	}
}

func checkMode(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
}

func TestKeyringStoreLoadDelete(t *testing.T) {
	ctx := context.Background()
	o := options(t, nil)
	secret := newSecret(t)

	if ok, reason := keyring.KeyringStatus(ctx, o); !ok {
		t.Fatalf("KeyringStatus = false, %q", reason)
	}
	_, _, _, err := keyring.Load(ctx, o)
	var nie *keyring.NoIdentityError
	if !errors.As(err, &nie) || nie.KeyringReason != "" {
		t.Fatalf("Load of empty keyring: %v, want NoIdentityError without reason", err)
	}

	// Comments are accepted and dropped: the keyring holds the key line.
	loc, err := keyring.Store(ctx, o, keyFile(secret))
	if err != nil {
		t.Fatal(err)
	}
	if want := "OS keyring (service " + o.Service + ")"; loc.String() != want {
		t.Errorf("loc = %q, want %q", loc, want)
	}
	if raw, _ := gokeyring.Get(o.Service, "identity"); raw != secret {
		t.Error("keyring does not hold exactly the key line")
	}
	got, loc, _, err := keyring.Load(ctx, o)
	if err != nil || got != secret || loc.Source != keyring.SourceKeyring {
		t.Fatalf("Load: same %v, loc %v, err %v", got == secret, loc, err)
	}

	// Store replaces.
	other := newSecret(t)
	if _, err := keyring.Store(ctx, o, other); err != nil {
		t.Fatal(err)
	}
	if got, _, _, _ := keyring.Load(ctx, o); got != other {
		t.Error("Store did not replace the identity")
	}

	if err := keyring.Delete(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := keyring.Load(ctx, o); !errors.Is(err, keyring.ErrNoIdentity) {
		t.Errorf("Load after Delete: %v", err)
	}
	if err := keyring.Delete(ctx, o); !errors.Is(err, keyring.ErrNoIdentity) {
		t.Errorf("second Delete: %v, want ErrNoIdentity", err)
	}

	_, err = keyring.Store(ctx, o, "AGE-SECRET-KEY-1BROKEN")
	if !errors.Is(err, keyring.ErrInvalidIdentity) {
		t.Errorf("Store of a broken key: %v", err)
	}
	if _, err := gokeyring.Get(o.Service, "identity"); !errors.Is(err, gokeyring.ErrNotFound) {
		t.Error("a broken key was stored")
	}
}

// The keyring is unusable: every way to supply an identity is named, and
// so is the reason.
func TestKeyringUnavailable(t *testing.T) {
	ctx := context.Background()
	noBus := filepath.Join(t.TempDir(), "run-user-bus")

	tests := []struct {
		name   string
		env    map[string]string
		setup  func(t *testing.T)
		reason string
	}{
		{
			name:   "EGIDE_NO_KEYRING",
			env:    map[string]string{"EGIDE_NO_KEYRING": "1"},
			setup:  func(t *testing.T) { keyring.SetBackend(t, noKeyring{t}) },
			reason: "disabled by EGIDE_NO_KEYRING=1",
		},
		{
			name: "go-keyring error",
			setup: func(t *testing.T) {
				gokeyring.MockInitWithError(errors.New("the name org.freedesktop.secrets was not provided"))
				t.Cleanup(gokeyring.MockInit)
			},
			reason: "org.freedesktop.secrets was not provided",
		},
		{
			name: "timeout",
			setup: func(t *testing.T) {
				b := &blockingKeyring{release: make(chan struct{})}
				t.Cleanup(func() { close(b.release) })
				keyring.SetBackend(t, b)
			},
			reason: "no answer within 10ms",
		},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, []struct {
			name   string
			env    map[string]string
			setup  func(t *testing.T)
			reason string
		}{
			{
				name: "no session bus",
				env:  map[string]string{"DBUS_SESSION_BUS_ADDRESS": ""},
				setup: func(t *testing.T) {
					keyring.SetBackend(t, noKeyring{t})
					keyring.SetUserBusPath(t, noBus)
				},
				reason: "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and " + noBus + " does not exist)",
			},
			{
				name: "autolaunch",
				env:  map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"},
				setup: func(t *testing.T) {
					keyring.SetBackend(t, noKeyring{t})
					keyring.SetUserBusPath(t, noBus)
				},
				reason: "DBUS_SESSION_BUS_ADDRESS is autolaunch:",
			},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			o := options(t, tt.env)
			o.Timeout = 10 * time.Millisecond

			_, loc, _, err := keyring.Load(ctx, o)
			var nie *keyring.NoIdentityError
			if !errors.As(err, &nie) || !errors.Is(err, keyring.ErrNoIdentity) {
				t.Fatalf("Load: %v, want *NoIdentityError", err)
			}
			if loc.Source != keyring.SourceKeyring {
				t.Errorf("loc = %+v", loc)
			}
			if !strings.Contains(nie.KeyringReason, tt.reason) {
				t.Errorf("reason = %q, want %q", nie.KeyringReason, tt.reason)
			}
			for _, want := range []string{tt.reason, "EGIDE_IDENTITY ", "EGIDE_IDENTITY_FILE", "--identity FILE", "OS keyring (service " + o.Service + ")"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}

			if ok, reason := keyring.KeyringStatus(ctx, o); ok || !strings.Contains(reason, tt.reason) {
				t.Errorf("KeyringStatus = %v, %q", ok, reason)
			}
			_, err = keyring.Store(ctx, o, newSecret(t))
			if !errors.Is(err, keyring.ErrKeyringUnavailable) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("Store: %v", err)
			}
			err = keyring.Delete(ctx, o)
			if !errors.Is(err, keyring.ErrKeyringUnavailable) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("Delete: %v", err)
			}
		})
	}
}

// With /run/user/<uid>/bus present the keyring is used even without
// DBUS_SESSION_BUS_ADDRESS.
func TestUserBusSocket(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("session bus check is Linux-only")
	}
	bus := writeFile(t, t.TempDir(), "bus", "", 0o600)
	keyring.SetUserBusPath(t, bus)
	o := options(t, map[string]string{"DBUS_SESSION_BUS_ADDRESS": ""})
	if ok, reason := keyring.KeyringStatus(context.Background(), o); !ok {
		t.Errorf("KeyringStatus = false, %q", reason)
	}
}

// blockingKeyring never answers until release is closed.
type blockingKeyring struct{ release chan struct{} }

func (b *blockingKeyring) Get(string, string) (string, error) {
	<-b.release
	return "", gokeyring.ErrNotFound
}

func (b *blockingKeyring) Set(string, string, string) error {
	<-b.release
	return nil
}

func (b *blockingKeyring) Delete(string, string) error {
	<-b.release
	return nil
}

func TestCancel(t *testing.T) {
	b := &blockingKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(b.release) })
	keyring.SetBackend(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := options(t, nil)
	if _, _, _, err := keyring.Load(ctx, o); !errors.Is(err, context.Canceled) || errors.Is(err, keyring.ErrNoIdentity) {
		t.Errorf("Load: %v, want context.Canceled", err)
	}
	if _, err := keyring.Store(ctx, o, newSecret(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Store: %v, want context.Canceled", err)
	}
	if err := keyring.Delete(ctx, o); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete: %v, want context.Canceled", err)
	}
}

func TestCall(t *testing.T) {
	got, err := keyring.Call(context.Background(), time.Hour, func() (string, error) { return "v", nil })
	if got != "v" || err != nil {
		t.Errorf("Call = %q, %v", got, err)
	}
	want := errors.New("x")
	if _, err := keyring.Call(context.Background(), time.Hour, func() (string, error) { return "", want }); err != want {
		t.Errorf("Call err = %v", err)
	}
}

func TestNilGetenv(t *testing.T) {
	ctx := context.Background()
	if _, _, _, err := keyring.Load(ctx, keyring.Options{}); err == nil {
		t.Error("Load without Getenv succeeded")
	}
	if _, err := keyring.Store(ctx, keyring.Options{}, newSecret(t)); err == nil {
		t.Error("Store without Getenv succeeded")
	}
	if err := keyring.Delete(ctx, keyring.Options{}); err == nil {
		t.Error("Delete without Getenv succeeded")
	}
	if ok, _ := keyring.KeyringStatus(ctx, keyring.Options{}); ok {
		t.Error("KeyringStatus without Getenv succeeded")
	}
}

func TestLocationString(t *testing.T) {
	for _, tt := range []struct {
		loc  keyring.Location
		want string
	}{
		{keyring.Location{Source: keyring.SourceKeyring, Service: "egide"}, "OS keyring (service egide)"},
		{keyring.Location{Source: keyring.SourceEnv}, "EGIDE_IDENTITY"},
		{keyring.Location{Source: keyring.SourceFile, Path: "/x/y"}, "file /x/y"},
		{keyring.Location{Source: keyring.SourceFlag, Path: "/x/y"}, "file /x/y"},
	} {
		if got := tt.loc.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.loc, got, tt.want)
		}
	}
}

func ExampleLoad() {
	id, _ := age.GenerateX25519Identity()
	env := map[string]string{"EGIDE_IDENTITY": id.String()}
	secret, loc, _, err := keyring.Load(context.Background(), keyring.Options{
		Getenv: func(k string) string { return env[k] },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(loc, strings.HasPrefix(secret, "AGE-SECRET-KEY-1"))
	// Output: EGIDE_IDENTITY true
}
