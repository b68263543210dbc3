package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// store is the part of go-keyring this package uses.
//
// Get returns gokeyring.ErrNotFound when nothing is stored; any other
// error means the keyring could not be used. Calls may block for as long
// as a desktop prompt stays open, so they are made through call.
type store interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// osKeyring forwards to go-keyring's process-wide provider, so that
// gokeyring.MockInit in tests takes effect.
type osKeyring struct{}

var _ store = osKeyring{}

func (osKeyring) Get(service, user string) (string, error) { return gokeyring.Get(service, user) }
func (osKeyring) Set(service, user, secret string) error   { return gokeyring.Set(service, user, secret) }
func (osKeyring) Delete(service, user string) error        { return gokeyring.Delete(service, user) }

// backend is the keyring every function uses; only tests replace it.
var backend store = osKeyring{}

func isNotFound(err error) bool { return errors.Is(err, gokeyring.ErrNotFound) }

// call runs f in its own goroutine and waits at most timeout (or until ctx
// ends) for it. go-keyring has no deadline of its own, and a desktop
// unlock prompt can block it indefinitely; on timeout the goroutine is
// abandoned and finishes, or not, on its own.
func call[T any](ctx context.Context, timeout time.Duration, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned f never blocks
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var zero T
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-timer.C:
		return zero, fmt.Errorf("no answer within %s (is an unlock prompt waiting?)", timeout)
	}
}

// userBusPath is where systemd-logind puts a user's session bus; a
// variable so that tests can point it at a file that does not exist.
var userBusPath = func() string { return fmt.Sprintf("/run/user/%d/bus", os.Getuid()) }

// sessionBusMissing returns why no D-Bus session bus can be reached, or ""
// when one can (or the platform does not use D-Bus for its keyring).
//
// Without a session bus, godbus would run dbus-launch, which (with
// dbus-x11 installed) starts a bus and a keyring daemon that outlive the
// process, so the keyring must not be called at all then.
func sessionBusMissing(getenv func(string) string) string {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return "" // Keychain, Credential Manager, or go-keyring's quick "unsupported"
	}
	addr := getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr != "" && addr != "autolaunch:" {
		return ""
	}
	path := userBusPath()
	if _, err := os.Stat(path); err == nil {
		return ""
	}
	what := "is unset"
	if addr != "" {
		what = "is autolaunch:"
	}
	return fmt.Sprintf("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS %s and %s does not exist)", what, path)
}
