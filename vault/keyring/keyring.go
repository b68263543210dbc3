package keyring

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Names of the environment variables Load consults, read through
// [Options.Getenv].
const (
	// EnvIdentity holds the identity secret itself.
	EnvIdentity = "EGIDE_IDENTITY"
	// EnvIdentityFile holds the path of an identity file.
	EnvIdentityFile = "EGIDE_IDENTITY_FILE"
	// EnvNoKeyring, when true ("1"), keeps every function of this package
	// away from the OS keyring.
	EnvNoKeyring = "EGIDE_NO_KEYRING"
)

const (
	// DefaultService is the OS keyring service Egide stores its identity
	// under.
	DefaultService = "egide"
	// DefaultTimeout bounds each call into the OS keyring.
	DefaultTimeout = 3 * time.Second

	// keyringUser is the account name of the identity within the service.
	keyringUser = "identity"
)

// Source says where an identity secret came from.
type Source string

// The sources of an identity, in the order Load tries them.
const (
	SourceFlag    Source = "flag"    // --identity FILE
	SourceEnv     Source = "env"     // EGIDE_IDENTITY
	SourceFile    Source = "file"    // EGIDE_IDENTITY_FILE
	SourceKeyring Source = "keyring" // the OS keyring
)

// Location names the place an identity secret was loaded from or stored to.
type Location struct {
	Source  Source
	Path    string // file path, for SourceFlag and SourceFile
	Service string // keyring service, for SourceKeyring
}

// String describes the location for humans: "OS keyring (service egide)",
// "EGIDE_IDENTITY" or "file /x/y".
func (l Location) String() string {
	switch l.Source {
	case SourceKeyring:
		return fmt.Sprintf("OS keyring (service %s)", l.Service)
	case SourceEnv:
		return EnvIdentity
	case SourceFlag, SourceFile:
		return "file " + l.Path
	}
	return string(l.Source)
}

// Options carries everything this package would otherwise take from the
// process: the environment, the --identity flag and the passphrase prompt.
type Options struct {
	// Getenv reads an environment variable; required (os.Getenv in the
	// CLI, a map lookup in tests).
	Getenv func(string) string
	// IdentityFlag is the value of --identity FILE, or "".
	IdentityFlag string
	// Passphrase is called, at most once, when an identity file is
	// passphrase-encrypted; the returned slice is zeroed after use. Nil
	// means no terminal is available to ask.
	Passphrase func() ([]byte, error)
	// Service is the OS keyring service; "" means DefaultService. Tests use
	// a throw-away name.
	Service string
	// Timeout bounds each OS keyring call; 0 means DefaultTimeout.
	Timeout time.Duration
}

func (o Options) service() string {
	if o.Service == "" {
		return DefaultService
	}
	return o.Service
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

func (o Options) check() error {
	if o.Getenv == nil {
		return errors.New("vault/keyring: Options.Getenv is nil")
	}
	return nil
}

var (
	// ErrNoIdentity means no source holds an identity. Load returns it
	// inside a *NoIdentityError.
	ErrNoIdentity = errors.New("no identity")
	// ErrKeyringUnavailable means the OS keyring could not be used; the
	// error wrapping it says why.
	ErrKeyringUnavailable = errors.New("OS keyring unavailable")
	// ErrInvalidIdentity means a file, variable or keyring entry does not
	// hold exactly one age X25519 secret key.
	ErrInvalidIdentity = errors.New("invalid identity")
	// ErrPassphraseRequired means an identity file is passphrase-encrypted
	// and no way to ask for the passphrase was given.
	ErrPassphraseRequired = errors.New("passphrase required")
	// ErrWrongPassphrase means the passphrase does not decrypt the file.
	ErrWrongPassphrase = errors.New("incorrect passphrase")
)

// NoIdentityError is returned by Load when no source holds an identity. It
// wraps ErrNoIdentity, and its message names every way to supply one.
type NoIdentityError struct {
	// Service is the OS keyring service that was searched.
	Service string
	// KeyringReason says why the OS keyring could not be used. It is empty
	// when the keyring answered but holds no identity.
	KeyringReason string
}

// Error names every way to supply an identity, and why the keyring could
// not be used if it could not.
func (e *NoIdentityError) Error() string {
	keyring := fmt.Sprintf("none stored in the OS keyring (service %s)", e.Service)
	if e.KeyringReason != "" {
		keyring = fmt.Sprintf("the OS keyring (service %s) is unavailable: %s", e.Service, e.KeyringReason)
	}
	return fmt.Sprintf("no identity: %s; and none of %s (the secret key), %s or --identity FILE is set",
		keyring, EnvIdentity, EnvIdentityFile)
}

// Unwrap returns ErrNoIdentity.
func (e *NoIdentityError) Unwrap() error { return ErrNoIdentity }

// Load finds the identity secret, trying in order: o.IdentityFlag, the
// EGIDE_IDENTITY variable, the file named by EGIDE_IDENTITY_FILE, and last
// the OS keyring (unless EGIDE_NO_KEYRING=1). The first source that is set
// decides: if it is broken, Load fails rather than falling through.
//
// It returns the secret (one AGE-SECRET-KEY-1… string), where it came from,
// and a warning for the caller to print (a file readable by others), or "".
// When nothing holds an identity the error is a *NoIdentityError. On error
// loc still names the source that failed, if one was chosen.
func Load(ctx context.Context, o Options) (secret string, loc Location, warning string, err error) {
	if err := o.check(); err != nil {
		return "", Location{}, "", err
	}
	if path := o.IdentityFlag; path != "" {
		loc = Location{Source: SourceFlag, Path: path}
		secret, warning, err = ReadFile(path, o.Passphrase)
		return secret, loc, warning, err
	}
	if text := o.Getenv(EnvIdentity); text != "" {
		loc = Location{Source: SourceEnv}
		secret, err = parseIdentity([]byte(text))
		if err != nil {
			return "", loc, "", fmt.Errorf("%s: %w", EnvIdentity, err)
		}
		return secret, loc, "", nil
	}
	if path := o.Getenv(EnvIdentityFile); path != "" {
		loc = Location{Source: SourceFile, Path: path}
		secret, warning, err = ReadFile(path, o.Passphrase)
		return secret, loc, warning, err
	}

	svc := o.service()
	loc = Location{Source: SourceKeyring, Service: svc}
	if reason := unusable(o); reason != "" {
		return "", loc, "", &NoIdentityError{Service: svc, KeyringReason: reason}
	}
	b := backend
	text, err := call(ctx, o.timeout(), func() (string, error) { return b.Get(svc, keyringUser) })
	switch {
	case err == nil:
	case isNotFound(err):
		return "", loc, "", &NoIdentityError{Service: svc}
	case ctx.Err() != nil:
		return "", loc, "", fmt.Errorf("read identity from %s: %w", loc, ctx.Err())
	default:
		return "", loc, "", &NoIdentityError{Service: svc, KeyringReason: err.Error()}
	}
	secret, err = parseIdentity([]byte(text))
	if err != nil {
		return "", loc, "", fmt.Errorf("%s: %w", loc, err)
	}
	return secret, loc, "", nil
}

// Store saves secret, an age X25519 secret key, in the OS keyring,
// replacing any identity stored there. It fails, saying why, when the
// keyring is unavailable or disabled; it never falls back to a file.
func Store(ctx context.Context, o Options, secret string) (Location, error) {
	if err := o.check(); err != nil {
		return Location{}, err
	}
	svc := o.service()
	loc := Location{Source: SourceKeyring, Service: svc}
	line, err := parseIdentity([]byte(secret))
	if err != nil {
		return loc, fmt.Errorf("store identity: %w", err)
	}
	if reason := unusable(o); reason != "" {
		return loc, fmt.Errorf("store identity: %w (service %s): %s", ErrKeyringUnavailable, svc, reason)
	}
	b := backend
	_, err = call(ctx, o.timeout(), func() (struct{}, error) { return struct{}{}, b.Set(svc, keyringUser, line) })
	if err != nil {
		return loc, keyringError(ctx, "store identity", svc, err)
	}
	return loc, nil
}

// Delete removes the identity from the OS keyring. When none is stored the
// error wraps ErrNoIdentity.
func Delete(ctx context.Context, o Options) error {
	if err := o.check(); err != nil {
		return err
	}
	svc := o.service()
	if reason := unusable(o); reason != "" {
		return fmt.Errorf("delete identity: %w (service %s): %s", ErrKeyringUnavailable, svc, reason)
	}
	b := backend
	_, err := call(ctx, o.timeout(), func() (struct{}, error) { return struct{}{}, b.Delete(svc, keyringUser) })
	if isNotFound(err) {
		return fmt.Errorf("delete identity: %w in the OS keyring (service %s)", ErrNoIdentity, svc)
	}
	if err != nil {
		return keyringError(ctx, "delete identity", svc, err)
	}
	return nil
}

// KeyringStatus reports whether the OS keyring answers, and if not, why.
// It looks up an entry that never exists, so it does not read the
// identity; it still costs a few D-Bus round trips on Linux.
func KeyringStatus(ctx context.Context, o Options) (available bool, reason string) {
	if err := o.check(); err != nil {
		return false, err.Error()
	}
	if reason := unusable(o); reason != "" {
		return false, reason
	}
	svc := o.service()
	b := backend
	_, err := call(ctx, o.timeout(), func() (string, error) { return b.Get(svc, probeUser) })
	if err == nil || isNotFound(err) {
		return true, ""
	}
	return false, err.Error()
}

// probeUser is an account name KeyringStatus looks up and nothing stores.
const probeUser = "egide-keyring-probe"

// keyringError wraps a failed keyring call: the caller's cancellation as
// such, anything else as ErrKeyringUnavailable with its reason.
func keyringError(ctx context.Context, op, svc string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	return fmt.Errorf("%s: %w (service %s): %s", op, ErrKeyringUnavailable, svc, err.Error())
}

// disabled reports whether EGIDE_NO_KEYRING asks to skip the keyring.
func disabled(getenv func(string) string) bool {
	v, err := strconv.ParseBool(getenv(EnvNoKeyring))
	return err == nil && v
}

// unusable returns why the keyring must not be called, or "" if it may be.
func unusable(o Options) string {
	if disabled(o.Getenv) {
		return "disabled by " + EnvNoKeyring + "=1"
	}
	return sessionBusMissing(o.Getenv)
}
