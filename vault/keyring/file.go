package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/egide/egide/vault/internal/agekey"
)

const (
	// secretPrefix starts every age X25519 secret key (upper case only).
	secretPrefix = "AGE-SECRET-KEY-1"
	// binaryPrefix starts a binary age file.
	binaryPrefix = "age-encryption.org/"
	// maxFileSize bounds what ReadFile reads: an identity file is a few
	// hundred bytes, so anything larger is the wrong file.
	maxFileSize = 64 << 10
)

// ReadFile reads the identity secret from a file: either a plain identity
// file as age-keygen writes it ("#" comment lines and one AGE-SECRET-KEY-1…
// line) or an age file, binary or armored, encrypted with a passphrase and
// holding such text. passphrase is called only for an encrypted file; nil
// means there is no terminal to ask on, which fails with
// ErrPassphraseRequired.
//
// A plain file that group or others may access is still read, and warning
// tells the caller to say so (as ssh does for private keys).
func ReadFile(path string, passphrase func() ([]byte, error)) (secret, warning string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", fmt.Errorf("read identity file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", "", fmt.Errorf("read identity file: %w", err)
	}
	if fi.IsDir() {
		return "", "", fmt.Errorf("read identity file: %s is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return "", "", fmt.Errorf("read identity file: %w", err)
	}
	defer clear(data)
	if len(data) > maxFileSize {
		return "", "", fmt.Errorf("identity file %s: %w: larger than %d KiB, so not an identity file", path, ErrInvalidIdentity, maxFileSize>>10)
	}

	text := data
	encrypted := isEncrypted(data)
	if encrypted {
		text, err = decrypt(data, passphrase)
		if err != nil {
			return "", "", fmt.Errorf("identity file %s: %w", path, err)
		}
		defer clear(text)
	}
	secret, err = parseIdentity(text)
	if err != nil {
		return "", "", fmt.Errorf("identity file %s: %w", path, err)
	}
	// An encrypted file is made to be copied around (export, backup), so
	// only a plain one is held to ssh's standard; pipes such as
	// --identity <(pass show egide) are not files anyone else can read.
	if perm := fi.Mode().Perm(); !encrypted && fi.Mode().IsRegular() && perm&0o077 != 0 && runtime.GOOS != "windows" {
		warning = fmt.Sprintf("unprotected identity file %s: group or others may access it (mode %04o); run: chmod 600 %s", path, perm, path)
	}
	return secret, warning, nil
}

// WriteFile creates an identity file at path holding secret, an age
// X25519 secret key, with mode 0600. It refuses to replace an existing file
// (the error wraps fs.ErrExist).
//
// The content is what age-keygen writes: a "# created:" comment (left out
// when created is zero), a "# public key: age1…" comment and the key line.
// With a non-nil passphrase, that text is encrypted with it (age scrypt)
// and ASCII-armored; an empty passphrase is refused.
func WriteFile(path, secret string, passphrase []byte, created time.Time) (err error) {
	line, err := parseIdentity([]byte(secret))
	if err != nil {
		return fmt.Errorf("write identity file: %w", err)
	}
	id, err := age.ParseX25519Identity(line)
	if err != nil { // unreachable: parseIdentity checked it
		return fmt.Errorf("write identity file: %w", ErrInvalidIdentity)
	}
	var buf bytes.Buffer
	if !created.IsZero() {
		fmt.Fprintf(&buf, "# created: %s\n", created.Format(time.RFC3339))
	}
	fmt.Fprintf(&buf, "# public key: %s\n%s\n", id.Recipient(), line)
	data := buf.Bytes()
	defer clear(data)

	if passphrase != nil {
		if data, err = encrypt(data, passphrase); err != nil {
			return fmt.Errorf("write identity file: %w", err)
		}
	}

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write identity file %s: refusing to overwrite it: %w", path, fs.ErrExist)
	}
	if err != nil {
		return fmt.Errorf("write identity file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(path) // leave no half-written key behind
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write identity file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write identity file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write identity file: %w", err)
	}
	return nil
}

// parseIdentity returns the one secret key line of an identity text:
// blank and "#" lines are skipped, every other line must be an age X25519
// secret key, and there must be exactly one. Errors wrap
// ErrInvalidIdentity and name lines by number, never by content.
func parseIdentity(text []byte) (string, error) {
	text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf")) // a UTF-8 BOM, as some Windows editors write
	var found string
	n := 0
	for i, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, secretPrefix):
			// Checked as age parses it, without deriving the public key
			// (~0.1 ms that 'egide run' would pay on every start).
			if !agekey.Valid(line) {
				return "", fmt.Errorf("%w: line %d is not a valid age secret key (damaged or truncated?)", ErrInvalidIdentity, i+1)
			}
			n++
			found = line
		case strings.HasPrefix(line, "age1"):
			return "", fmt.Errorf("%w: line %d is a public key (age1…), not a secret key", ErrInvalidIdentity, i+1)
		default:
			return "", fmt.Errorf("%w: line %d is not an age X25519 secret key (%s…)", ErrInvalidIdentity, i+1, secretPrefix)
		}
	}
	switch {
	case n == 0:
		return "", fmt.Errorf("%w: no secret key (want one %s… line)", ErrInvalidIdentity, secretPrefix)
	case n > 1:
		return "", fmt.Errorf("%w: %d secret keys, want exactly one", ErrInvalidIdentity, n)
	}
	return found, nil
}

// isEncrypted reports whether data is an age file, binary or armored.
func isEncrypted(data []byte) bool {
	return bytes.HasPrefix(data, []byte(binaryPrefix)) ||
		bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armor.Header))
}

// scryptLogN, when not 0, replaces age's default scrypt work factor in
// WriteFile; see SetTestScryptWorkFactor.
var scryptLogN atomic.Int32

// SetTestScryptWorkFactor makes WriteFile encrypt with a scrypt work factor
// of 2^logN instead of age's default 2^18 (about 1 s and 256 MiB per file).
// Only tests call it, from TestMain, to keep passphrase files cheap (15 is
// a good value); 0 restores the default. Reading is not affected: a file
// carries its own work factor. It panics if logN is outside 0..30.
func SetTestScryptWorkFactor(logN int) {
	if logN < 0 || logN > 30 {
		panic("vault/keyring: SetTestScryptWorkFactor called with illegal value")
	}
	scryptLogN.Store(int32(logN))
}

// encrypt encrypts data with passphrase (age scrypt), ASCII-armored.
func encrypt(data, passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("empty passphrase")
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if logN := scryptLogN.Load(); logN != 0 {
		r.SetWorkFactor(int(logN))
	}
	var out bytes.Buffer
	a := armor.NewWriter(&out)
	w, err := age.Encrypt(a, r)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := a.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return out.Bytes(), nil
}

// decrypt decrypts a passphrase-encrypted age file, binary or armored.
// Errors say what is wrong without quoting the file.
func decrypt(data []byte, passphrase func() ([]byte, error)) ([]byte, error) {
	var r io.Reader = bytes.NewReader(data)
	if !bytes.HasPrefix(data, []byte(binaryPrefix)) {
		r = armor.NewReader(r)
	}
	id := &lazyScrypt{passphrase: passphrase}
	d, err := age.Decrypt(r, id)
	if err == nil {
		var text []byte
		text, err = io.ReadAll(io.LimitReader(d, maxFileSize+1))
		if err == nil && len(text) > maxFileSize {
			return nil, fmt.Errorf("%w: encrypted content larger than %d KiB", ErrInvalidIdentity, maxFileSize>>10)
		}
		if err == nil {
			return text, nil
		}
		clear(text)
	}
	if id.err != nil && errors.Is(err, id.err) {
		return nil, err // our own, already clear
	}
	// age's parse errors quote lines of the file; keep them out.
	return nil, errors.New("damaged age-encrypted file (truncated, altered, or not an identity file)")
}

// lazyScrypt is an age.Identity that asks for the passphrase only once the
// header shows the file is passphrase-encrypted, as age's CLI does. Its
// errors do not wrap age.ErrIncorrectIdentity, so age.Decrypt returns them
// as they are.
type lazyScrypt struct {
	passphrase func() ([]byte, error)
	err        error // the last error Unwrap returned
}

var _ age.Identity = (*lazyScrypt)(nil)

func (i *lazyScrypt) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	key, err := i.unwrap(stanzas)
	i.err = err
	return key, err
}

func (i *lazyScrypt) unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if len(stanzas) != 1 || stanzas[0].Type != "scrypt" {
		return nil, fmt.Errorf("%w: age-encrypted to a key, not with a passphrase", ErrInvalidIdentity)
	}
	if i.passphrase == nil {
		return nil, fmt.Errorf("%w: the file is passphrase-encrypted and no terminal is available to ask for it", ErrPassphraseRequired)
	}
	pass, err := i.passphrase()
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	defer clear(pass)
	if len(pass) == 0 {
		return nil, fmt.Errorf("%w (empty)", ErrWrongPassphrase)
	}
	id, err := age.NewScryptIdentity(string(pass))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	key, err := id.Unwrap(stanzas)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		// A bad stanza or too high a work factor; the text names no secret.
		return nil, fmt.Errorf("decrypt: %v", err)
	}
	return key, nil
}
