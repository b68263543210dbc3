package pki

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/pki"
	"github.com/spf13/cobra"
)

// trustStore is a system trust store: where anchors go and the command
// that rebuilds the store.
type trustStore struct {
	name string
	// dir holds anchor files (Linux); empty on macOS.
	dir string
	ext string
	// update rebuilds the store after a change (Linux).
	update []string
	// macOS: the keychain.
	keychain string
}

// systemStores returns the trust stores egide knows, by OS (a function, so
// that no command pays for building it at start-up).
func systemStores() map[string][]trustStore {
	return map[string][]trustStore{
		"linux": {
			{name: "Debian/Ubuntu", dir: "/usr/local/share/ca-certificates", ext: ".crt", update: []string{"update-ca-certificates"}},
			{name: "Fedora/RHEL", dir: "/etc/pki/ca-trust/source/anchors", ext: ".pem", update: []string{"update-ca-trust", "extract"}},
		},
		"darwin": {{name: "macOS", keychain: "/Library/Keychains/System.keychain"}},
	}
}

// detectStore finds this machine's trust store.
func detectStore(goos string) (*trustStore, error) {
	for _, s := range systemStores()[goos] {
		if s.keychain != "" {
			return &s, nil
		}
		if _, err := exec.LookPath(s.update[0]); err != nil {
			continue
		}
		if fi, err := os.Stat(s.dir); err == nil && fi.IsDir() {
			return &s, nil
		}
	}
	return nil, cmdutil.WithHint(fmt.Errorf("no supported system trust store found on %s (Debian/Ubuntu's update-ca-certificates, Fedora/RHEL's update-ca-trust, macOS's keychain)", goos),
		"on Debian/Ubuntu install the ca-certificates package; elsewhere import ca.pem ('egide pki ca show CA --pem') by hand")
}

// trustStep is one change to the system, printed before it is made.
type trustStep struct {
	say string
	// argv runs a command (through sudo when not root); file, when set,
	// is written with data (through sudo tee-like install when needed).
	argv []string
	file string
	data []byte
	rm   string
}

// plan lists the steps that add (or, with uninstall, remove) cert in s.
func (s *trustStore) plan(cert *x509.Certificate, name string, uninstall bool) []trustStep {
	sum := sha256.Sum256(cert.Raw)
	cn := cert.Subject.CommonName
	if s.keychain != "" {
		sha := sha1.Sum(cert.Raw) // the keychain's own certificate id
		if uninstall {
			return []trustStep{
				{say: fmt.Sprintf("remove the trust setting of %q", cn),
					argv: []string{"security", "remove-trusted-cert", "-d", "{cert}"}, data: pki.PEMCert(cert.Raw)},
				{say: fmt.Sprintf("remove %q from %s", cn, s.keychain),
					argv: []string{"security", "delete-certificate", "-Z", strings.ToUpper(hex.EncodeToString(sha[:])), s.keychain}}}
		}
		return []trustStep{{say: fmt.Sprintf("add %q to %s as a trusted root", cn, s.keychain),
			argv: []string{"security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k", s.keychain, "{cert}"}, data: pki.PEMCert(cert.Raw)}}
	}
	path := filepath.Join(s.dir, "egide-"+name+"-"+hex.EncodeToString(sum[:4])+s.ext)
	upd := trustStep{say: "rebuild the system trust store: " + strings.Join(s.update, " "), argv: s.update}
	if uninstall {
		return []trustStep{{say: "remove " + path, rm: path}, upd}
	}
	return []trustStep{{say: fmt.Sprintf("write %s (%q, SHA-256 %s)", path, cn, hex.EncodeToString(sum[:])), file: path, data: pki.PEMCert(cert.Raw)}, upd}
}

// runStep makes one change. Without root, writes and commands go through
// sudo, which asks for a password on the terminal.
func runStep(ctx context.Context, st trustStep, sudo bool, stdout, stderr io.Writer) error {
	run := func(argv ...string) error {
		if sudo {
			argv = append([]string{"sudo", "--"}, argv...)
		}
		c := exec.CommandContext(ctx, argv[0], argv[1:]...)
		c.Stdin, c.Stdout, c.Stderr = os.Stdin, stdout, stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
		}
		return nil
	}
	switch {
	case st.rm != "":
		if !sudo {
			return os.Remove(st.rm)
		}
		return run("rm", "--", st.rm)
	case st.file != "":
		if !sudo {
			return writeAtomic(st.file, st.data, 0o644)
		}
		tmp, err := tempPEM(st.data)
		if err != nil {
			return err
		}
		defer os.Remove(tmp)
		return run("install", "-m", "0644", tmp, st.file)
	}
	argv := st.argv
	if st.data != nil { // a command that reads the certificate from a file
		tmp, err := tempPEM(st.data)
		if err != nil {
			return err
		}
		defer os.Remove(tmp)
		argv = append([]string(nil), argv...)
		for i, a := range argv {
			if a == "{cert}" {
				argv[i] = tmp
			}
		}
	}
	return run(argv...)
}

func tempPEM(data []byte) (string, error) {
	f, err := os.CreateTemp("", "egide-ca-*.pem")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	return f.Name(), err
}

func newCmdTrust(f *cmdutil.Factory) *cobra.Command {
	var (
		caName            string
		uninstall, dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "trust [--ca CA] [--uninstall] [--dry-run]",
		Short: "Add the root CA to this machine's trust store (or remove it)",
		Long: `Add the root of --ca (default: the development CA "dev" when there is one,
else the default issuer's root) to the system trust store, or remove it with
--uninstall, and say exactly what changed:

  Debian/Ubuntu  writes /usr/local/share/ca-certificates/egide-CA-XXXXXXXX.crt,
                 runs update-ca-certificates
  Fedora/RHEL    writes /etc/pki/ca-trust/source/anchors/egide-CA-XXXXXXXX.pem,
                 runs update-ca-trust extract
  macOS          security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain

Without root, egide runs those steps through sudo, which asks for your
password. --dry-run prints the steps and changes nothing. Browsers that keep
their own store (Firefox; Chrome on Linux, through NSS) are not changed:
import ca.pem there by hand.`,
		Example: cmdutil.Examples("egide pki trust", "egide pki trust --dry-run", "egide pki trust --uninstall"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			root, name, err := trustedRoot(ctx, e, caName)
			if err != nil {
				return err
			}
			store, err := detectStore(runtime.GOOS)
			if err != nil {
				return err
			}
			steps := store.plan(root, name, uninstall)
			scope := "any name: every project member can issue certificates this machine will then trust for any site"
			if len(root.PermittedDNSDomains) > 0 || len(root.PermittedIPRanges) > 0 {
				var parts []string
				parts = append(parts, root.PermittedDNSDomains...)
				for _, r := range root.PermittedIPRanges {
					parts = append(parts, r.String())
				}
				scope = "names under " + strings.Join(parts, ", ") + " only (the CA's name constraints)"
			}
			if !uninstall {
				fmt.Fprintf(f.IO.ErrOut, "Trusting %q means trusting every certificate it signs, for %s.\n", root.Subject.CommonName, scope)
			}
			if dryRun {
				fmt.Fprintf(f.IO.Out, "Trust store: %s. Would:\n", store.name)
				for _, st := range steps {
					fmt.Fprintf(f.IO.Out, "  %s\n", st.say)
				}
				return nil
			}
			if uninstall && steps[0].rm != "" {
				if _, err := os.Stat(steps[0].rm); errors.Is(err, os.ErrNotExist) {
					fmt.Fprintf(f.IO.ErrOut, "%s is not there: CA %s was not added by egide on this machine; nothing changed.\n", steps[0].rm, name)
					return nil
				}
			}
			if !uninstall && steps[0].file != "" {
				if cur, err := os.ReadFile(steps[0].file); err == nil && bytes.Equal(cur, steps[0].data) {
					fmt.Fprintf(f.IO.ErrOut, "CA %s is already trusted (%s); nothing changed.\n", name, steps[0].file)
					return nil
				}
			}
			sudo := os.Geteuid() != 0
			if sudo {
				if _, err := exec.LookPath("sudo"); err != nil {
					return cmdutil.WithHint(errors.New("changing the system trust store needs root, and sudo is not installed"),
						"run 'egide pki trust' as root, or see the steps with --dry-run and make them by hand")
				}
			}
			for _, st := range steps {
				fmt.Fprintf(f.IO.ErrOut, "%s %s\n", map[bool]string{true: "Running as root through sudo:", false: "Now:"}[sudo], st.say)
				if err := runStep(ctx, st, sudo, f.IO.ErrOut, f.IO.ErrOut); err != nil {
					return cmdutil.WithHint(err, "the steps before this one were made; run the command again, or undo with --uninstall")
				}
			}
			if uninstall {
				fmt.Fprintf(f.IO.ErrOut, "Done: this machine (%s store) no longer trusts %q.\n", store.name, root.Subject.CommonName)
			} else {
				fmt.Fprintf(f.IO.ErrOut, "Done: this machine (%s store) trusts %q; undo with 'egide pki trust --uninstall'.\n", store.name, root.Subject.CommonName)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&caName, "ca", "", "the CA whose root to trust (default: dev, else the default issuer)")
	cmd.Flags().BoolVar(&uninstall, "uninstall", false, "remove the root instead")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the steps, change nothing")
	return cmd
}

// trustedRoot picks the root certificate to trust and the name of its CA.
func trustedRoot(ctx context.Context, e *pki.Engine, caName string) (*x509.Certificate, string, error) {
	if caName == "" {
		if _, err := e.CA(ctx, pki.DevCA); err == nil {
			caName = pki.DevCA
		} else if !errors.Is(err, pki.ErrNotFound) {
			return nil, "", err
		}
	}
	if caName == "" {
		cas, err := e.CAs(ctx)
		if err != nil {
			return nil, "", err
		}
		for _, c := range cas {
			if c.Default {
				caName = c.Name
			}
		}
		if caName == "" {
			return nil, "", cmdutil.WithHint(fmt.Errorf("no CA yet: %w", pki.ErrNotFound), "run 'egide pki dev' or 'egide pki root create --cn NAME' first")
		}
	}
	c, err := e.CA(ctx, caName)
	if err != nil {
		return nil, "", err
	}
	root := c.Chain[len(c.Chain)-1]
	name := caName
	for p := c; p.Parent != ""; {
		if p, err = e.CA(ctx, p.Parent); err != nil {
			return nil, "", err
		}
		name = p.Name
	}
	return root, name, nil
}
