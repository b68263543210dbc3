// Package pki is 'egide pki': the project's certificate authority, over
// the vault/pki engine kept in the project repository.
package pki

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault/pki"
	"github.com/spf13/cobra"
)

// The repository's engine store is the engine's Storage.
var _ pki.Storage = (*repo.EngineStore)(nil)

// engineName is the PKI engine's store in the repository.
const engineName = "pki"

// NewCmdPKI returns 'egide pki' and its subcommands.
func NewCmdPKI(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pki",
		Short: "Run a project certificate authority: CAs, roles, certificates, CRLs",
		Long: `The PKI engine is a certificate authority kept in the project repository,
like HashiCorp Vault's PKI engine: a root and intermediates, roles that limit
what may be issued, issuance, CSR signing, revocation and CRLs. CA private
keys are sealed in .egide/ like any secret, wrapped to the project's members.

For local HTTPS, one command does it all, like mkcert:

  egide pki dev                  # a dev CA if none, a leaf for localhost, 127.0.0.1, ::1
  egide pki trust                # make this machine trust the dev CA

Certificates follow RFC 5280's profiles; serials are random 128-bit numbers,
shown as colon-separated hex (3f:a0:…). TTLs are written 90d, 10y, 36h.`,
		Example: cmdutil.Examples(
			"egide pki root create --cn 'Acme Root CA'",
			"egide pki intermediate create --cn 'Acme Services CA'",
			"egide pki role create web --allowed-domains acme.internal --allow-subdomains --max-ttl 90d",
			"egide pki issue web --cn api.acme.internal --out certs/api",
			"egide pki revoke 3f:a0:19:… --reason keyCompromise",
			"egide pki dev localhost 127.0.0.1"),
	}
	cmd.AddCommand(newCmdRoot(f), newCmdIntermediate(f), newCmdCA(f), newCmdRole(f),
		newCmdIssue(f), newCmdSign(f), newCmdRevoke(f), newCmdCRL(f), newCmdList(f), newCmdShow(f),
		newCmdDev(f), newCmdTrust(f), newCmdTidy(f))
	return cmd
}

// engine opens the repository (for writing when write is set) and returns
// the PKI engine over it.
func engine(ctx context.Context, f *cmdutil.Factory, write bool) (*pki.Engine, error) {
	r, err := f.OpenRepo(ctx, write)
	if err != nil {
		return nil, err
	}
	return pki.New(r.Engine(engineName), pki.Options{Now: f.Now}), nil
}

// ttlFlag parses a TTL flag value ("" is 0: the default).
func ttlFlag(name, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := pki.ParseTTL(v)
	if err != nil {
		return 0, cmdutil.FlagErrorf("--%s: %v", name, err)
	}
	return d, nil
}

// keyTypeFlag parses --key-type.
func keyTypeFlag(v string) (pki.KeyType, error) {
	t, err := pki.ParseKeyType(v)
	if err != nil {
		return "", cmdutil.FlagErrorf("--key-type: %v", err)
	}
	return t, nil
}

const keyTypeHelp = "key type: ec-p256, ec-p384, ed25519, rsa-2048, rsa-4096"

// outFile is one file a command writes.
type outFile struct {
	name string
	data []byte
	mode os.FileMode
}

// writeFiles writes files into dir (made 0755 if missing), each through a
// temporary file (created 0600, given its mode, synced) renamed over its
// name, so that a crash leaves a file whole or absent. Callers check with
// checkOut first, before anything is issued.
func writeFiles(dir string, files []outFile) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, len(files))
	for i, fl := range files {
		paths[i] = filepath.Join(dir, fl.name)
		if err := writeAtomic(paths[i], fl.data, fl.mode); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// checkOut makes the output folder and refuses, before anything is
// issued, to write over existing files without --force. undo removes the
// folder again if checkOut made it (for when nothing gets issued).
func checkOut(dir string, names []string, force bool) (undo func(), err error) {
	undo = func() {}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		undo = func() { os.Remove(dir) } // only if still empty
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w; nothing was issued", err)
	}
	if force {
		return undo, nil
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Lstat(p); err == nil {
			undo()
			return nil, cmdutil.WithHint(fmt.Errorf("%s already exists; nothing was issued", p),
				"choose another --out folder, or replace the files with --force")
		}
	}
	return undo, nil
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*") // 0600
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return nil
}

// date prints a time for humans, in UTC.
func date(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }
