package pki

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
)

// devRoot makes a development CA in a new project repository and returns
// its certificate.
func devRoot(t *testing.T) *x509.Certificate {
	t.Helper()
	f := cmdutil.NewTestRepo(t)
	e, err := engine(context.Background(), f.Factory, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Dev(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Chain[len(res.Chain)-1]
}

// TestTrustStoreLinux adds and removes a root in a Linux-style anchor
// folder, running a real update command, as 'egide pki trust' does as root.
func TestTrustStoreLinux(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(t.TempDir(), "updates")
	s := &trustStore{name: "test", dir: dir, ext: ".crt", update: []string{"sh", "-c", "echo updated >> " + log}}
	root := devRoot(t)
	ctx := context.Background()

	steps := s.plan(root, "dev", false)
	if len(steps) != 2 || steps[0].file == "" || !strings.HasPrefix(filepath.Base(steps[0].file), "egide-dev-") {
		t.Fatalf("install plan: %+v", steps)
	}
	for _, st := range steps {
		if err := runStep(ctx, st, false, os.Stderr, os.Stderr); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(steps[0].file)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" || string(b.Bytes) != string(root.Raw) {
		t.Fatalf("anchor file does not hold the root certificate")
	}
	if fi, _ := os.Stat(steps[0].file); fi.Mode().Perm() != 0o644 {
		t.Fatalf("anchor mode %v, want 0644 (readable by the update tool)", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(log); string(got) != "updated\n" {
		t.Fatalf("update command ran %q", got)
	}

	un := s.plan(root, "dev", true)
	if un[0].rm != steps[0].file {
		t.Fatalf("uninstall removes %q, install wrote %q", un[0].rm, steps[0].file)
	}
	for _, st := range un {
		if err := runStep(ctx, st, false, os.Stderr, os.Stderr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(steps[0].file); !os.IsNotExist(err) {
		t.Fatalf("anchor still there after uninstall: %v", err)
	}
	if got, _ := os.ReadFile(log); string(got) != "updated\nupdated\n" {
		t.Fatalf("update command ran %q", got)
	}
}

// TestTrustStoreMacOSPlan checks the keychain commands (they run only on
// macOS).
func TestTrustStoreMacOSPlan(t *testing.T) {
	s := systemStores()["darwin"][0]
	root := devRoot(t)
	add := s.plan(root, "dev", false)
	if got := strings.Join(add[0].argv, " "); got != "security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {cert}" || add[0].data == nil {
		t.Fatalf("add: %q", got)
	}
	rm := s.plan(root, "dev", true)
	if len(rm) != 2 || strings.Join(rm[0].argv, " ") != "security remove-trusted-cert -d {cert}" || rm[0].data == nil ||
		rm[1].argv[1] != "delete-certificate" || len(rm[1].argv[3]) != 40 {
		t.Fatalf("remove: %q", rm)
	}
}
