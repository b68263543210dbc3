//go:build !race

// The end-to-end tests re-run this test binary as egide in hundreds of
// processes; under -race each would carry the race runtime (40 times
// slower). .ci/test.sh runs them without -race, and everything else with.

package cmd_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/egide/egide/cmd"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// Passphrase-encrypted identity files use scrypt; its default cost
	// (about 1 s and 256 MiB) is pointless in tests. Never an env var.
	keyring.SetTestScryptWorkFactor(10)
	testscript.Main(m, map[string]func(){
		"egide": func() { os.Exit(cmd.Execute()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real egide binary (this test binary re-executed as egide).
//
// Each script starts with: HOME and XDG folders inside $WORK, the OS keyring
// off (EGIDE_NO_KEYRING=1), a fresh identity in EGIDE_IDENTITY (its
// recipient in $RECIPIENT) and a fixed author. Scripts that test the
// no-identity path unset EGIDE_IDENTITY themselves.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("EGIDE_UPDATE_SCRIPTS") == "1",
		Setup: func(e *testscript.Env) error {
			id, secret, err := vault.GenerateIdentity()
			if err != nil {
				return err
			}
			home := filepath.Join(e.WorkDir, "home")
			for _, kv := range [][2]string{
				{"HOME", home},
				{"XDG_CONFIG_HOME", filepath.Join(home, ".config")},
				{"XDG_DATA_HOME", filepath.Join(home, ".local", "share")},
				{"XDG_RUNTIME_DIR", filepath.Join(e.WorkDir, "run")},
				{"EGIDE_NO_KEYRING", "1"},
				{"EGIDE_IDENTITY", secret},
				{"RECIPIENT", id.Recipient()},
				{"EGIDE_AUTHOR", "Test <test@example.com>"},
				{"NO_COLOR", "1"},
				{"GIT_CONFIG_NOSYSTEM", "1"},
			} {
				e.Setenv(kv[0], kv[1])
			}
			if err := os.MkdirAll(filepath.Join(e.WorkDir, "run"), 0o700); err != nil {
				return err
			}
			return os.MkdirAll(home, 0o700)
		},
	})
}
