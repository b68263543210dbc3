// Package identity holds the 'egide identity' commands, which show, create,
// export and import the user's identity: one age X25519 secret key (its
// Ed25519 signing key is derived from it) kept in the OS keyring, or in a
// file the user names, or passed in EGIDE_IDENTITY.
//
// Public halves (the age recipient) are data and go to stdout; the secret
// goes to stdout only when the user asks for it ('identity export',
// 'identity new --out -'), and files holding it are created with mode 0600
// and never replaced.
//
// Like every command package, each verb has an Options struct, a
// NewCmdX(f, runF) constructor (runF replaces the run function in tests)
// and an xRun function.
package identity
