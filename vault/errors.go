package vault

import "errors"

var (
	// ErrNotRecipient means an envelope was not wrapped to this identity.
	ErrNotRecipient = errors.New("identity is not a recipient")
	// ErrCorrupt means sealed data failed authentication or is malformed:
	// it was damaged or tampered with.
	ErrCorrupt = errors.New("data is corrupt or was tampered with")
	// ErrBadSignature means a signature did not verify.
	ErrBadSignature = errors.New("signature does not verify")
)
