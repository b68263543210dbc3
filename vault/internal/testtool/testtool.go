// Package testtool finds the external programs the engines' tests check
// their output with (openssl, curl).
package testtool

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Require returns the path of the named program. Without it the test is
// skipped, unless EGIDE_REQUIRE_<NAME> is set (CI sets it), which makes the
// absence a failure.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		env := "EGIDE_REQUIRE_" + strings.ToUpper(name)
		if os.Getenv(env) != "" {
			t.Fatalf("%s is set and %s is not on PATH: %v", env, name, err)
		}
		t.Skipf("%s is not on PATH (set %s=1 to make this a failure)", name, env)
	}
	return path
}
