// Package vault holds Egide's keys and cryptography.
//
// # Identities
//
// A user's [Identity] is one age X25519 secret key (the familiar
// "AGE-SECRET-KEY-1…" string). It receives wrapped environment keys, and it
// deterministically derives the user's Ed25519 signing key with HKDF-SHA256,
// so one secret string is all a machine has to keep (in the OS keyring, or in
// a 0600 file where no keyring exists; see package vault/keyring).
//
// # Environment keys and epochs
//
// Every environment has a random 256-bit [Key] per epoch. The key is wrapped
// with age to each recipient allowed to read the environment; an [Envelope]
// holds one such wrapping together with the granter's Ed25519 signature over
// (environment, epoch, recipient, wrapped key), so nobody who can merely write
// to the store can slip a key of their choosing to a reader.
//
// From a Key, HKDF derives independent subkeys: one for XChaCha20-Poly1305
// sealing (a fresh random 24-byte nonce per object; the object's clear header
// is the associated data), one for the tree layout (an HMAC of key names, so
// the tree's shape does not reveal names), and one for indexing the
// uncommitted working state.
//
// vault imports no other Egide package.
package vault
