package repo

import (
	"errors"
	"fmt"

	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

var (
	// ErrNotFound means a key, environment or ref does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoRepository means no .egide folder was found.
	ErrNoRepository = errors.New("not in an egide repository")
	// ErrExists means something to be created already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid means an input failed validation.
	ErrInvalid = errors.New("invalid input")
	// ErrCorrupt means stored data failed an integrity check.
	ErrCorrupt = vault.ErrCorrupt
	// ErrNothingToCommit means the working state equals HEAD.
	ErrNothingToCommit = errors.New("nothing to commit")
	// ErrConflict means an operation could not be applied cleanly.
	ErrConflict = errors.New("conflict")
	// ErrDirty means uncommitted changes are in the way.
	ErrDirty = errors.New("uncommitted changes")
	// ErrSchemaTooNew re-exports the store's newer-schema error.
	ErrSchemaTooNew = sqlite.ErrSchemaTooNew
	// ErrReadOnly re-exports the store's read-only error.
	ErrReadOnly = sqlite.ErrReadOnly
	// ErrNotRecipient re-exports vault's error; see NotRecipientError.
	ErrNotRecipient = vault.ErrNotRecipient
)

// NotRecipientError says that the identity cannot open an environment.
type NotRecipientError struct {
	Env       string
	Recipient string
}

func (e *NotRecipientError) Error() string {
	return fmt.Sprintf("cannot decrypt env %q: identity %s is not a recipient", e.Env, e.Recipient)
}

// Unwrap returns vault.ErrNotRecipient.
func (e *NotRecipientError) Unwrap() error { return vault.ErrNotRecipient }

// CorruptObjectError names an object that failed an integrity check.
type CorruptObjectError struct {
	ID  string
	Why string
}

func (e *CorruptObjectError) Error() string {
	return fmt.Sprintf("object %s is corrupt: %s", e.ID, e.Why)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptObjectError) Unwrap() error { return ErrCorrupt }

// ConflictError lists the keys an operation could not apply.
type ConflictError struct {
	Op   string
	Keys []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: conflicting changes to %d key(s): %v", e.Op, len(e.Keys), e.Keys)
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// NotFoundError names what was not found: an "env", a "key" (in Env) or a
// "ref".
type NotFoundError struct {
	What string
	Name string
	Env  string
	Why  string // optional detail
}

func (e *NotFoundError) Error() string {
	var s string
	switch e.What {
	case "key":
		s = fmt.Sprintf("key %s not found in env %q", e.Name, e.Env)
	case "env":
		s = fmt.Sprintf("env %q not found", e.Name)
	default:
		s = fmt.Sprintf("%s %q not found", e.What, e.Name)
	}
	if e.Why != "" {
		s += " (" + e.Why + ")"
	}
	return s
}

// Unwrap returns ErrNotFound.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// InvalidError is a rejected input: What is "key", "value", "env" or "ref".
// Msg never contains a value.
type InvalidError struct {
	What string
	Msg  string
}

func (e *InvalidError) Error() string { return e.Msg }

// Unwrap returns ErrInvalid.
func (e *InvalidError) Unwrap() error { return ErrInvalid }
