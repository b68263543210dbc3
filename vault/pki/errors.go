package pki

import "errors"

// The errors every engine operation wraps, so that callers (the CLI, later
// the server) can map them to exit codes or HTTP statuses. Messages name
// CAs, roles, serials and the rule that refused a request; they never quote
// private keys.
var (
	// ErrNotFound: no CA, role or certificate of that name or serial.
	ErrNotFound = errors.New("not found")
	// ErrExists: a CA or role of that name is already there.
	ErrExists = errors.New("already exists")
	// ErrInvalid: a bad argument (name, key type, TTL, SAN, CSR, option).
	ErrInvalid = errors.New("invalid input")
	// ErrNotAllowed: the role (or the issuer) does not allow the request;
	// the message names the rule.
	ErrNotAllowed = errors.New("not allowed")
	// ErrIssuerExpired: the issuing CA is expired (or not yet valid).
	ErrIssuerExpired = errors.New("issuer is not valid now")
	// ErrIssuerRevoked: the issuing CA, or a CA above it, was revoked.
	ErrIssuerRevoked = errors.New("issuer was revoked")
	// ErrRevoked: the certificate is already revoked.
	ErrRevoked = errors.New("certificate already revoked")
	// ErrBadCSR: the CSR does not parse or its signature does not verify.
	ErrBadCSR = errors.New("bad certificate signing request")
	// ErrCorrupt: stored engine data failed to decode.
	ErrCorrupt = errors.New("stored PKI data is corrupt")
)
