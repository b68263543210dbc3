package pki

import "context"

// Storage is where the engine keeps its CAs, roles, certificates and CRLs,
// one value per storage key ("ca/<name>", "role/<name>", "cert/<serial>",
// "crl/<ca>", "config"). CA values hold private keys: an implementation
// must keep values sealed at rest (the CLI seals them in the project
// repository; the server will keep them in its own storage).
//
// Contracts (the same as the transit engine's, so one store serves both):
//   - Get returns ok=false, without error, when nothing is stored at key.
//   - Update runs fn with the current value (ok=false when absent) and,
//     atomically with that read, stores what fn returns: next when keep is
//     true, nothing (the key is deleted) when keep is false. When fn returns
//     an error nothing changes and Update returns that error. Concurrent
//     Updates of one key, also from other processes, are serialized.
//   - List returns the stored keys that start with prefix, sorted.
//
// Values passed to fn and returned by Get may be retained by the engine;
// an implementation must not modify them afterwards.
type Storage interface {
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	Update(ctx context.Context, key string, fn func(cur []byte, ok bool) (next []byte, keep bool, err error)) error
	List(ctx context.Context, prefix string) ([]string, error)
}

// Storage key prefixes.
const (
	caPrefix   = "ca/"
	rolePrefix = "role/"
	certPrefix = "cert/"
	crlPrefix  = "crl/"
	configKey  = "config"
)
