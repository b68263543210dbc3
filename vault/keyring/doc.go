// Package keyring finds, stores and moves the user's identity secret: one
// age X25519 secret key, the text "AGE-SECRET-KEY-1…". Package vault parses
// that text and derives the signing key from it; this package only knows
// where the text lives. It checks no more than that the text starts with
// AGE-SECRET-KEY-1 and that age accepts it.
//
// # Sources
//
// [Load] takes the identity from the first of these that is set:
//
//  1. --identity FILE ([Options.IdentityFlag]),
//  2. EGIDE_IDENTITY, the secret text itself,
//  3. EGIDE_IDENTITY_FILE, the path of an identity file,
//  4. the OS keyring (macOS Keychain, Windows Credential Manager, Secret
//     Service on Linux) through go-keyring: service "egide", user
//     "identity". EGIDE_NO_KEYRING=1 skips it.
//
// Explicit sources beat the keyring. Whoever sets a flag or a variable
// means that identity, not whatever the keyring happens to hold; and CI,
// containers and SSH sessions, which pass the identity explicitly, never
// touch D-Bus at all. A source that is set but broken (a missing file, a
// wrong passphrase) is an error, never a reason to try the next one. When
// nothing holds an identity, Load returns a [*NoIdentityError] that names
// every way to supply one and, if the keyring could not be used, why.
//
// # The OS keyring
//
// Every go-keyring call runs in its own goroutine under [Options.Timeout]
// (3 s by default), because go-keyring has no deadline and a desktop unlock
// prompt can block it. On Linux the keyring is not called at all unless a
// session bus is reachable (DBUS_SESSION_BUS_ADDRESS is set and not
// "autolaunch:", or /run/user/<uid>/bus exists): otherwise godbus would
// autolaunch a bus and a keyring daemon that outlive the process.
// go-keyring's ErrNotFound means "nothing stored"; any other error means
// "unavailable" and its text becomes the reason shown to the user.
// [Store] writes only to the keyring and fails if it is unavailable.
//
// # Files
//
// An identity file is what age-keygen writes: "#" comment lines and exactly
// one AGE-SECRET-KEY-1… line; [WriteFile] creates one with mode 0600 and
// never replaces an existing file. [ReadFile] warns, without failing, when
// a plain file is accessible by group or others, like ssh's "unprotected
// private key file". Errors about a file name the file and line numbers,
// never its content.
//
// A file may instead be an age file (binary, or armored "-----BEGIN AGE
// ENCRYPTED FILE-----") encrypted with a passphrase, holding that same
// text. The passphrase is asked for through [Options.Passphrase] only once
// the header shows a passphrase stanza. scrypt makes each unlock cost about
// a second and 256 MiB, so such files suit export and backup rather than
// every command; tests lower the cost with [SetTestScryptWorkFactor].
//
// Nothing here reads the process environment, flags or terminal, or
// prints: everything comes through [Options], and warnings are returned.
package keyring
