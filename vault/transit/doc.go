// Package transit is Egide's transit engine: encryption as a service over
// named, versioned keys, shaped like HashiCorp Vault's transit engine so
// that its ciphertexts and tools carry over.
//
// # Keys
//
// A key has a type ([KeyType]: aes256-gcm96, chacha20-poly1305, ed25519,
// ecdsa-p256, ecdsa-p384, rsa-2048, rsa-4096, hmac) and versions. Rotation
// adds a version, which encryption and signing then use; ciphertexts,
// signatures and HMACs name their version ("vault:v<N>:<base64>") and are
// accepted down to the key's minimum decryption version. Derived keys
// derive a key per context with HKDF-SHA256. Key material never leaves the
// engine, except for keys created exportable ([Engine.Export]) and in
// backups, which the caller must seal ([Engine.Backup]).
//
// # Storage
//
// The engine keeps each key, every version and setting, as one value in a
// [Storage] ("policy/<name>"), changed only through Storage.Update, an
// atomic read-modify-write. The Storage must keep values sealed at rest.
//
// # Errors
//
// Every error wraps one of the sentinels in errors.go (ErrNotFound,
// ErrInvalid, ErrDecrypt, …), so that callers can map them to exit codes or
// HTTP statuses; messages never quote plaintexts, ciphertexts or keys.
// Batch calls report an item's failure in its [Result].
package transit
