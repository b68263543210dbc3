package identity

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
)

// prompter asks for secrets on the terminal. ReadSecret prints prompt and
// reads one line without echo; it fails with iostreams.ErrNoTTY when there
// is no terminal. *iostreams.IOStreams implements it.
type prompter interface {
	ReadSecret(prompt string) ([]byte, error)
}

// newPassphrase asks for a new passphrase twice and returns it.
func newPassphrase(p prompter) ([]byte, error) {
	const hint = "run this in a terminal, or leave out --passphrase"
	pass, err := p.ReadSecret("Passphrase for the identity file: ")
	if err != nil {
		return nil, cmdutil.WithHint(fmt.Errorf("read passphrase: %w", err), hint)
	}
	if len(pass) == 0 {
		return nil, errors.New("empty passphrase: the file would not be protected")
	}
	again, err := p.ReadSecret("Confirm passphrase: ")
	if err != nil {
		clear(pass)
		return nil, cmdutil.WithHint(fmt.Errorf("read passphrase: %w", err), hint)
	}
	defer clear(again)
	if subtle.ConstantTimeCompare(pass, again) != 1 {
		clear(pass)
		return nil, errors.New("the passphrases do not match; nothing was written")
	}
	return pass, nil
}

// passphraseFunc returns the prompt keyring.ReadFile calls when a file is
// passphrase-encrypted.
func passphraseFunc(p prompter, what string) func() ([]byte, error) {
	return func() ([]byte, error) {
		return p.ReadSecret(fmt.Sprintf("Passphrase for %s: ", what))
	}
}

// encodeIdentity returns an identity file's content, as keyring.WriteFile
// would write it: comments, the public key and the secret key line; with
// a passphrase, that text encrypted with age scrypt and armored.
//
// keyring exports the encryption only through WriteFile, so an encrypted
// file is written to a private temporary folder and read back. Only
// ciphertext touches the disk; the plain text is built in memory.
func encodeIdentity(id *vault.Identity, secret string, pass []byte, created time.Time) ([]byte, error) {
	if pass == nil {
		var b bytes.Buffer
		if !created.IsZero() {
			fmt.Fprintf(&b, "# created: %s\n", created.Format(time.RFC3339))
		}
		fmt.Fprintf(&b, "# public key: %s\n%s\n", id.Recipient(), strings.TrimSpace(secret))
		return b.Bytes(), nil
	}
	dir, err := os.MkdirTemp("", "egide-identity-")
	if err != nil {
		return nil, fmt.Errorf("encrypt identity: %w", err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "identity.age")
	if err := keyring.WriteFile(p, secret, pass, created); err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// isEncrypted reports whether data is an age file, binary or armored.
func isEncrypted(data []byte) bool {
	return bytes.HasPrefix(data, []byte("age-encryption.org/")) ||
		bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN AGE ENCRYPTED FILE-----"))
}

// maxIdentitySize bounds what is read from stdin: an identity is a few
// hundred bytes.
const maxIdentitySize = 64 << 10

// decodeIdentity parses identity text read from stdin: the content of an
// identity file, plain or passphrase-encrypted. Errors name lines by
// number, never by content.
func decodeIdentity(data []byte, pass func() ([]byte, error)) (string, error) {
	if len(data) > maxIdentitySize {
		return "", fmt.Errorf("%w: more than %d KiB of input, so not an identity", keyring.ErrInvalidIdentity, maxIdentitySize>>10)
	}
	if isEncrypted(data) {
		// keyring decrypts files only: hand it the ciphertext in a
		// private temporary file.
		dir, err := os.MkdirTemp("", "egide-identity-")
		if err != nil {
			return "", fmt.Errorf("decrypt identity: %w", err)
		}
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "identity.age")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			return "", fmt.Errorf("decrypt identity: %w", err)
		}
		secret, _, err := keyring.ReadFile(p, pass)
		if err != nil {
			return "", &renamed{msg: strings.ReplaceAll(err.Error(), "identity file "+p+": ", ""), err: err}
		}
		return secret, nil
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	var found string
	n := 0
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "age1") {
			return "", fmt.Errorf("%w: line %d is a public key (age1…), not a secret key", keyring.ErrInvalidIdentity, i+1)
		}
		if _, err := vault.ParseIdentity(line); err != nil {
			return "", fmt.Errorf("%w: line %d is not an age X25519 secret key (AGE-SECRET-KEY-1…)", keyring.ErrInvalidIdentity, i+1)
		}
		n++
		found = line
	}
	switch {
	case n == 0:
		return "", fmt.Errorf("%w: no secret key (want one AGE-SECRET-KEY-1… line)", keyring.ErrInvalidIdentity)
	case n > 1:
		return "", fmt.Errorf("%w: %d secret keys, want exactly one", keyring.ErrInvalidIdentity, n)
	}
	return found, nil
}

// renamed is an error whose message leaves out the temporary file the
// input was decrypted from; it still wraps the original.
type renamed struct {
	msg string
	err error
}

func (e *renamed) Error() string { return e.msg }
func (e *renamed) Unwrap() error { return e.err }

// stored is what the OS keyring already holds.
type stored struct {
	ID  *vault.Identity // nil when the entry cannot be parsed
	Err error           // why ID is nil
}

// keyringIdentity returns the identity the OS keyring holds, ignoring
// --identity, EGIDE_IDENTITY and EGIDE_IDENTITY_FILE; nil when it holds
// none or cannot be used (Store then says why).
func keyringIdentity(ctx context.Context, o keyring.Options) (*stored, error) {
	getenv := o.Getenv
	o.Getenv = func(k string) string {
		if k == keyring.EnvIdentity || k == keyring.EnvIdentityFile {
			return ""
		}
		return getenv(k)
	}
	o.IdentityFlag = ""
	secret, _, _, err := keyring.Load(ctx, o)
	switch {
	case errors.Is(err, keyring.ErrNoIdentity):
		return nil, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return &stored{Err: err}, nil
	}
	id, err := vault.ParseIdentity(secret)
	if err != nil {
		return &stored{Err: err}, nil
	}
	return &stored{ID: id}, nil
}

// explicitSource names the identity source that takes precedence over the
// OS keyring, or "" when none is set.
func explicitSource(o keyring.Options) string {
	switch {
	case o.IdentityFlag != "":
		return "--identity " + o.IdentityFlag
	case o.Getenv(keyring.EnvIdentity) != "":
		return keyring.EnvIdentity
	case o.Getenv(keyring.EnvIdentityFile) != "":
		return keyring.EnvIdentityFile
	}
	return ""
}

// writeIdentityFile creates path (and its missing parent folders, 0700)
// holding the identity, mode 0600; it never replaces a file.
func writeIdentityFile(path, secret string, pass []byte, created time.Time) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("write identity file: %w", err)
		}
	}
	return keyring.WriteFile(path, secret, pass, created)
}

// overwriteHint is the next step when a keyring identity would be replaced.
const overwriteHint = "environments wrapped only to it would become unreadable: back it up with 'egide identity export --passphrase --out FILE', then add --force"

// keyringStore words what storeInKeyring says for one command.
type keyringStore struct {
	replaced    string // before the recipient of the identity in the way
	stored      string // success line: %[1]s recipient, %[2]s location
	unavailable string // hint when no keyring answers
	shadowed    string // what an explicit EGIDE_IDENTITY* would shadow
}

// storeInKeyring stores secret (identity id) in the OS keyring. It refuses
// to replace another identity there unless force, and warns when an
// explicit source (flag or environment) would still take precedence.
func storeInKeyring(ctx context.Context, io *iostreams.IOStreams, ko keyring.Options, id *vault.Identity, secret string, force bool, w keyringStore) error {
	old, err := keyringIdentity(ctx, ko)
	if err != nil {
		return err
	}
	if old != nil && old.ID != nil && old.ID.Recipient() == id.Recipient() {
		fmt.Fprintln(io.Out, id.Recipient())
		fmt.Fprintf(io.ErrOut, "The OS keyring already holds identity %s; nothing changed.\n", id.Recipient())
		return nil
	}
	if old != nil {
		if !force {
			what := "an unreadable identity"
			if old.ID != nil {
				what = w.replaced + old.ID.Recipient()
			}
			return cmdutil.WithHint(fmt.Errorf("the OS keyring already holds %s; not replacing it", what), "%s", overwriteHint)
		}
		if old.ID != nil {
			fmt.Fprintf(io.ErrOut, "egide: warning: replacing identity %s in the OS keyring: environments wrapped only to it become unreadable\n", old.ID.Recipient())
		}
	}
	loc, err := keyring.Store(ctx, ko, secret)
	if err != nil {
		if errors.Is(err, keyring.ErrKeyringUnavailable) {
			return cmdutil.WithHint(err, "%s", w.unavailable)
		}
		return err
	}
	fmt.Fprintln(io.Out, id.Recipient())
	fmt.Fprintf(io.ErrOut, w.stored+"\n", id.Recipient(), loc)
	if src := explicitSource(ko); src != "" {
		fmt.Fprintf(io.ErrOut, "egide: warning: %s is set and takes precedence over the OS keyring; unset it to use %s\n", src, w.shadowed)
	}
	return nil
}
