package transit

import "errors"

// The errors every engine operation wraps, so that callers (the CLI, later
// the server) can map them to exit codes or HTTP statuses. Messages never
// quote plaintext, ciphertext or key material.
var (
	// ErrNotFound: no key of that name.
	ErrNotFound = errors.New("no such transit key")
	// ErrExists: a key of that name is already there.
	ErrExists = errors.New("transit key already exists")
	// ErrInvalid: a bad argument (name, type, size, context, base64, option).
	ErrInvalid = errors.New("invalid input")
	// ErrUnsupported: the key's type cannot do the operation.
	ErrUnsupported = errors.New("operation not supported by the key type")
	// ErrVersion: the key version named is below the minimum allowed or
	// newer than the key's latest.
	ErrVersion = errors.New("key version not allowed")
	// ErrDecrypt: authentication failed (wrong key or context, or the
	// ciphertext was damaged or tampered with).
	ErrDecrypt = errors.New("decryption failed")
	// ErrTooLarge: a plaintext or input above MaxPlaintext.
	ErrTooLarge = errors.New("input too large")
	// ErrNotExportable: the key was not created exportable.
	ErrNotExportable = errors.New("key is not exportable")
	// ErrDeletionNotAllowed: delete without deletion_allowed set first.
	ErrDeletionNotAllowed = errors.New("deletion is not allowed for this key")
	// ErrCorrupt: a stored key or a backup failed to decode.
	ErrCorrupt = errors.New("stored key data is corrupt")
)
