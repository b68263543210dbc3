package pki

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
)

// TestTrustSystemStore runs 'egide pki trust' and '--uninstall' against
// this machine's real trust store (Debian/Ubuntu), and checks with
// OpenSSL, which reads that store, that a dev certificate verifies in
// between and not after. It changes the machine, so it runs only when
// EGIDE_TEST_SYSTEM_TRUST=1 (CI sets it, on a throw-away machine, as
// root); then a missing store or root is a failure.
func TestTrustSystemStore(t *testing.T) {
	if os.Getenv("EGIDE_TEST_SYSTEM_TRUST") != "1" {
		t.Skip("changes the system trust store: set EGIDE_TEST_SYSTEM_TRUST=1 (on a throw-away machine) to run it")
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Fatalf("EGIDE_TEST_SYSTEM_TRUST=1 needs root on Linux (euid %d, %s)", os.Geteuid(), runtime.GOOS)
	}
	store, err := detectStore("linux")
	if err != nil || store.name != "Debian/Ubuntu" {
		t.Fatalf("EGIDE_TEST_SYSTEM_TRUST=1 needs Debian's update-ca-certificates: %v", err)
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal(err)
	}
	tf := cmdutil.NewTestRepo(t)
	pki := func(args ...string) string {
		t.Helper()
		cmd := NewCmdPKI(tf.Factory)
		cmd.SetArgs(args)
		cmd.SetOut(tf.ErrOut)
		cmd.SetErr(tf.ErrOut)
		tf.ErrOut.Reset()
		if err := cmd.Execute(); err != nil {
			t.Fatalf("pki %s: %v\n%s", strings.Join(args, " "), err, tf.ErrOut)
		}
		return tf.ErrOut.String()
	}
	out := filepath.Join(tf.Dir, "certs")
	pki("dev", "--out", out)
	chain := filepath.Join(out, "chain.pem")
	verify := func() (string, error) {
		b, err := exec.Command(openssl, "verify", "-CApath", "/etc/ssl/certs", chain).CombinedOutput()
		return string(b), err
	}
	if got, err := verify(); err == nil {
		t.Fatalf("the dev chain verifies before trust: %s", got)
	}
	t.Cleanup(func() { // never leave the root trusted
		cmd := NewCmdPKI(tf.Factory)
		cmd.SetArgs([]string{"trust", "--uninstall"})
		_ = cmd.Execute()
	})
	said := pki("trust")
	if !strings.Contains(said, "/usr/local/share/ca-certificates/egide-dev-") || !strings.Contains(said, "update-ca-certificates") {
		t.Errorf("trust did not say what it changed:\n%s", said)
	}
	if got, err := verify(); err != nil {
		t.Fatalf("the dev chain does not verify against the system store after trust: %v\n%s", err, got)
	}
	if said := pki("trust"); !strings.Contains(said, "already trusted") {
		t.Errorf("a second trust: %s", said)
	}
	said = pki("trust", "--uninstall")
	if !strings.Contains(said, "no longer trusts") {
		t.Errorf("uninstall: %s", said)
	}
	if got, err := verify(); err == nil {
		t.Fatalf("the dev chain still verifies after --uninstall: %s", got)
	}
}
