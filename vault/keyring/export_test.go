package keyring

import (
	"context"
	"testing"
	"time"
)

// Backend is the keyring interface, for tests that replace the backend.
type Backend = store

// SetBackend makes every function use b until the test ends.
func SetBackend(t testing.TB, b Backend) {
	old := backend
	backend = b
	t.Cleanup(func() { backend = old })
}

// SetUserBusPath replaces /run/user/<uid>/bus until the test ends.
func SetUserBusPath(t testing.TB, path string) {
	old := userBusPath
	userBusPath = func() string { return path }
	t.Cleanup(func() { userBusPath = old })
}

// Call exposes the timeout wrapper.
func Call(ctx context.Context, timeout time.Duration, f func() (string, error)) (string, error) {
	return call(ctx, timeout, f)
}
