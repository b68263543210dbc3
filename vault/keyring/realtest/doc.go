// Package realtest holds only a test: it stores, loads and deletes an
// identity through the real OS keyring (the Secret Service over D-Bus on
// Linux), under a throw-away service name.
//
// It lives apart from package keyring because go-keyring's mocks, which
// those unit tests install, are process-wide and cannot be undone.
//
// The test skips when no Secret Service answers, unless
// EGIDE_REQUIRE_KEYRING=1 is set, as CI does; then it fails. To run it on
// a headless Linux box:
//
//	EGIDE_REQUIRE_KEYRING=1 vault/keyring/realtest/with-keyring.sh go test ./vault/keyring/...
//
// with-keyring.sh installs dbus and gnome-keyring if they are missing,
// starts a private session bus with an unlocked gnome-keyring, runs the
// command inside it and passes its exit code through.
package realtest
