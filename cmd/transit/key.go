package transit

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/transit"
	"github.com/spf13/cobra"
)

// backupDomain separates transit key backups from other sealed files.
const backupDomain = "transit key backup"

func newCmdKey(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Create, list, show, rotate, configure, back up and delete transit keys",
		Example: cmdutil.Examples(
			"egide transit key create payments",
			"egide transit key list",
			"egide transit key rotate payments"),
	}
	cmd.AddCommand(newCmdKeyCreate(f), newCmdKeyList(f), newCmdKeyShow(f), newCmdKeyRotate(f), newCmdKeyConfig(f),
		newCmdKeyDelete(f), newCmdKeyBackup(f), newCmdKeyRestore(f), newCmdKeyExport(f))
	return cmd
}

func typeNames() string {
	names := make([]string, len(transit.KeyTypes))
	for i, t := range transit.KeyTypes {
		names[i] = string(t)
	}
	return strings.Join(names, "|")
}

func newCmdKeyCreate(f *cmdutil.Factory) *cobra.Command {
	var (
		typ                 string
		derived, exportable bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME [--type " + typeNames() + "] [--derived] [--exportable]",
		Short: "Create a transit key",
		Long: `Create key NAME with version 1, sealed in the project repository.

Types: aes256-gcm96 (default) and chacha20-poly1305 encrypt; ed25519,
ecdsa-p256, ecdsa-p384 sign; rsa-2048 and rsa-4096 do both (RSA-OAEP,
RSA-PSS/PKCS #1 v1.5); hmac keys only HMAC (every key can HMAC).

--derived makes a key per context (HKDF-SHA256 of the key with the context):
every call then needs --context, and a ciphertext only opens with the context
it was made with (aes256-gcm96, chacha20-poly1305, ed25519).
--exportable allows 'egide transit key export' of the key material, for
good; without it the material never leaves the engine except in sealed
backups.`,
		Example: cmdutil.Examples(
			"egide transit key create payments",
			"egide transit key create per-user --derived",
			"egide transit key create release --type ed25519"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			t, err := transit.ParseKeyType(typ)
			if err != nil {
				return cmdutil.FlagErrorf("--type: %v", err)
			}
			e, _, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			if t == transit.RSA4096 {
				fmt.Fprintln(f.IO.ErrOut, "Generating an RSA-4096 key; this can take a few seconds…")
			}
			k, err := e.CreateKey(ctx, args[0], transit.CreateOptions{Type: t, Derived: derived, Exportable: exportable})
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Created transit key %s (%s, version 1).\n", k.Name, k.Type)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&typ, "type", string(transit.AES256GCM96), "key type: "+typeNames())
	fl.BoolVar(&derived, "derived", false, "derive a key per context (HKDF-SHA256); --context is then required")
	fl.BoolVar(&exportable, "exportable", false, "allow exporting the key material (cannot be undone)")
	return cmd
}

func newCmdKeyList(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list [--json]",
		Aliases: []string{"ls"},
		Short:   "List transit keys",
		Long: `List the transit keys with their type and latest version. --json prints an
array of {"name", "type", "latest_version", "min_decryption_version",
"derived", "exportable"}.`,
		Example: cmdutil.Examples("egide transit key list", "egide transit key list --json | jq -r '.[].name'"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			names, err := e.Keys(ctx)
			if err != nil {
				return err
			}
			type listed struct {
				Name                 string          `json:"name"`
				Type                 transit.KeyType `json:"type"`
				LatestVersion        int             `json:"latest_version"`
				MinDecryptionVersion int             `json:"min_decryption_version"`
				Derived              bool            `json:"derived"`
				Exportable           bool            `json:"exportable"`
			}
			out := make([]listed, 0, len(names))
			for _, n := range names {
				k, err := e.Key(ctx, n)
				if err != nil {
					return err
				}
				out = append(out, listed{k.Name, k.Type, k.LatestVersion, k.MinDecryptionVersion, k.Derived, k.Exportable})
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "No transit keys yet. Create one with 'egide transit key create NAME'.")
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTYPE\tVERSION\tMIN DECRYPT\tFLAGS")
			for _, k := range out {
				var flags []string
				if k.Derived {
					flags = append(flags, "derived")
				}
				if k.Exportable {
					flags = append(flags, "exportable")
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", k.Name, k.Type, k.LatestVersion, k.MinDecryptionVersion, strings.Join(flags, ","))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCmdKeyShow(f *cmdutil.Factory) *cobra.Command {
	var (
		asJSON, asPEM bool
		version       int
	)
	cmd := &cobra.Command{
		Use:   "show NAME [--json] [--pem [--key-version N]]",
		Short: "Show a transit key's settings, versions and public keys",
		Long: `Show key NAME: type, settings, and each version with its creation time and,
for ed25519, ecdsa and rsa keys, the SHA-256 fingerprint of its public key.
--pem prints only the public key of the latest version (or --key-version N)
as PEM, for verifying signatures elsewhere. --json prints everything, public
keys as PEM. Private key material is never shown.`,
		Example: cmdutil.Examples(
			"egide transit key show payments",
			"egide transit key show release --pem > release.pub.pem"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			k, err := e.Key(ctx, args[0])
			if err != nil {
				return err
			}
			switch {
			case asPEM:
				if version == 0 {
					version = k.LatestVersion
				}
				if version < 1 || version > k.LatestVersion {
					return fmt.Errorf("key %q: %w: version %d does not exist (latest is %d)", k.Name, transit.ErrVersion, version, k.LatestVersion)
				}
				pub := k.Versions[version-1].PublicKey
				if pub == "" {
					return fmt.Errorf("key %q: %w: %s keys have no public key to show", k.Name, transit.ErrUnsupported, k.Type)
				}
				_, err := fmt.Fprint(f.IO.Out, pub)
				return err
			case asJSON:
				return cmdutil.PrintJSON(f.IO.Out, k)
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "name\t%s\ntype\t%s\n", k.Name, k.Type)
			fmt.Fprintf(tw, "derived\t%v\nexportable\t%v\ndeletion allowed\t%v\n", k.Derived, k.Exportable, k.DeletionAllowed)
			fmt.Fprintf(tw, "latest version\t%d\nmin decryption version\t%d\n", k.LatestVersion, k.MinDecryptionVersion)
			minEnc := "none"
			if k.MinEncryptionVersion > 0 {
				minEnc = fmt.Sprint(k.MinEncryptionVersion)
			}
			fmt.Fprintf(tw, "min encryption version\t%s\n", minEnc)
			tw.Flush()
			fmt.Fprintln(f.IO.Out)
			tw = tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tCREATED\tPUBLIC KEY")
			for _, v := range k.Versions {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", v.Version, v.Created.Format("2006-01-02 15:04:05Z"), fingerprint(v.PublicKey))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&asPEM, "pem", false, "print only a version's public key, PEM")
	cmd.Flags().IntVar(&version, "key-version", 0, "with --pem: this version (default: the latest)")
	return cmd
}

// fingerprint is "SHA256:<hex>" of a PEM public key's DER, or "-".
func fingerprint(p string) string {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		return "-"
	}
	if _, err := x509.ParsePKIXPublicKey(b.Bytes); err != nil {
		return "-"
	}
	sum := sha256.Sum256(b.Bytes)
	return "SHA256:" + hex.EncodeToString(sum[:])
}

func newCmdKeyRotate(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate NAME",
		Short: "Add a new version to a transit key",
		Long: `Add a version to key NAME. Encryption, signing and HMACs use it from now on;
ciphertexts and signatures of older versions still decrypt and verify, down
to the minimum decryption version. Move old ciphertexts to the new version
with 'egide transit rewrap', then raise the minimum with 'egide transit key
config NAME --min-decryption-version N'. Prints the new version.`,
		Example: cmdutil.Examples("egide transit key rotate payments"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, _, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			k, err := e.RotateKey(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(f.IO.Out, k.LatestVersion)
			fmt.Fprintf(f.IO.ErrOut, "Key %s is at version %d; versions %d to %d still decrypt.\n", k.Name, k.LatestVersion, k.MinDecryptionVersion, k.LatestVersion)
			return nil
		},
	}
}

func newCmdKeyConfig(f *cmdutil.Factory) *cobra.Command {
	var (
		minDec, minEnc int
		deletion       bool
	)
	cmd := &cobra.Command{
		Use:   "config NAME [--min-decryption-version N] [--min-encryption-version N] [--deletion-allowed[=false]]",
		Short: "Change a transit key's settings",
		Long: `Change key NAME's settings; the others stay as they are.

--min-decryption-version N refuses ciphertexts, signatures and HMACs of
versions below N (from 1 to the latest). --min-encryption-version N is the
oldest version --key-version may ask for (0: no floor). --deletion-allowed
permits 'egide transit key delete'. Nothing changes if any value is refused.`,
		Example: cmdutil.Examples(
			"egide transit key config payments --min-decryption-version 3",
			"egide transit key config old-key --deletion-allowed"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var c transit.Config
			fl := cmd.Flags()
			if fl.Changed("min-decryption-version") {
				c.MinDecryptionVersion = &minDec
			}
			if fl.Changed("min-encryption-version") {
				c.MinEncryptionVersion = &minEnc
			}
			if fl.Changed("deletion-allowed") {
				c.DeletionAllowed = &deletion
			}
			if c == (transit.Config{}) {
				return cmdutil.FlagErrorf("give at least one of --min-decryption-version, --min-encryption-version, --deletion-allowed")
			}
			e, _, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			k, err := e.ConfigureKey(ctx, args[0], c)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Key %s: min decryption version %d, min encryption version %d, deletion allowed %v.\n",
				k.Name, k.MinDecryptionVersion, k.MinEncryptionVersion, k.DeletionAllowed)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&minDec, "min-decryption-version", 0, "refuse ciphertexts and signatures of older versions")
	fl.IntVar(&minEnc, "min-encryption-version", 0, "oldest version --key-version may use (0: no floor)")
	fl.BoolVar(&deletion, "deletion-allowed", false, "allow 'egide transit key delete'")
	return cmd
}

func newCmdKeyDelete(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a transit key and every version of it",
		Long: `Delete key NAME. Whatever it encrypted can no longer be decrypted, unless you
restore a backup. It must be allowed first with 'egide transit key config
NAME --deletion-allowed'.`,
		Example: cmdutil.Examples(
			"egide transit key config old-key --deletion-allowed",
			"egide transit key delete old-key"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, _, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			if err := e.DeleteKey(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Deleted transit key %s.\n", args[0])
			return nil
		},
	}
}

func newCmdKeyBackup(f *cmdutil.Factory) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup NAME [--out FILE]",
		Short: "Write a sealed backup of a transit key",
		Long: `Write key NAME, every version and setting, as an age-encrypted file (ASCII
armor) sealed to the project's members and signed by you. Only a member's
identity opens it, and 'egide transit key restore' accepts it only when a
member signed it. It goes to stdout, or to --out FILE (created 0600).`,
		Example: cmdutil.Examples(
			"egide transit key backup payments > payments.key.age",
			"egide transit key backup payments --out payments.key.age"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, r, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			id, _, err := f.Identity(ctx)
			if err != nil {
				return err
			}
			members, err := r.Members(ctx)
			if err != nil {
				return err
			}
			rcpts := make([]string, len(members))
			for i, m := range members {
				rcpts[i] = m.Recipient
			}
			sealed, err := e.Backup(ctx, args[0], func(plain []byte) ([]byte, error) {
				return id.SealSigned(backupDomain, plain, rcpts)
			})
			if err != nil {
				return err
			}
			if out == "" {
				_, err = f.IO.Out.Write(sealed)
				return err
			}
			if err := writeNew(out, sealed); err != nil {
				if errors.Is(err, fs.ErrExist) {
					return cmdutil.WithHint(fmt.Errorf("write the backup to %s: the file exists; nothing was written", out), "choose another --out, or move the old backup away first")
				}
				return fmt.Errorf("write the backup to %s: %w", out, err)
			}
			fmt.Fprintf(f.IO.ErrOut, "Wrote a backup of %s to %s, sealed to %d member(s).\n", args[0], out, len(rcpts))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write to FILE (0600) instead of stdout")
	return cmd
}

// writeNew writes data to a new file, 0600, refusing to replace one.
func writeNew(path string, data []byte) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		os.Remove(path)
		return err
	}
	return file.Close()
}

func newCmdKeyRestore(f *cmdutil.Factory) *cobra.Command {
	var (
		name  string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "restore FILE [--name NAME] [--force]",
		Short: "Restore a transit key from a sealed backup",
		Long: `Restore a key from a file written by 'egide transit key backup' (- reads
stdin). The file must open with your identity and be signed by a project
member. It refuses to replace an existing key unless --force; --name restores
under another name.`,
		Example: cmdutil.Examples(
			"egide transit key restore payments.key.age",
			"egide transit key restore payments.key.age --name payments-old"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			data, err := readInput(f, args[0], vault.MaxSealed)
			if err != nil {
				return err
			}
			e, r, err := engine(ctx, f, true)
			if err != nil {
				return err
			}
			id, _, err := f.Identity(ctx)
			if err != nil {
				return err
			}
			members, err := r.Members(ctx)
			if err != nil {
				return err
			}
			k, err := e.Restore(ctx, data, func(sealed []byte) ([]byte, error) {
				plain, signer, err := id.OpenSigned(backupDomain, sealed)
				if errors.Is(err, vault.ErrNotRecipient) {
					return nil, cmdutil.WithHint(fmt.Errorf("backup: %w", err), "the backup was sealed to the members when it was made; ask one of them to restore it")
				}
				if err != nil {
					return nil, cmdutil.WithHint(fmt.Errorf("backup: %w", err),
						"the file is not a backup made by 'egide transit key backup', or it was damaged; nothing was restored")
				}
				for _, m := range members {
					if bytes.Equal(m.SigningKey, signer) {
						return plain, nil
					}
				}
				return nil, fmt.Errorf("backup: signed by %s, who is not a member of this project: %w", vault.Fingerprint(signer), repo.ErrNotMember)
			}, transit.RestoreOptions{Name: name, Force: force})
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Restored transit key %s (%s, %d version(s)).\n", k.Name, k.Type, k.LatestVersion)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "restore under this name")
	cmd.Flags().BoolVar(&force, "force", false, "replace a key of the same name")
	return cmd
}

func newCmdKeyExport(f *cmdutil.Factory) *cobra.Command {
	var (
		version int
		hmacKey bool
	)
	cmd := &cobra.Command{
		Use:   "export NAME [--key-version N] [--hmac]",
		Short: "Print an exportable transit key's material",
		Long: `Print the key material of one version (the latest by default) of key NAME,
which must have been created --exportable: base64 for aes256-gcm96,
chacha20-poly1305 and hmac keys, a PKCS #8 PEM private key for the others.
--hmac prints the version's HMAC key instead. This prints a secret: mind
where it goes.`,
		Example: cmdutil.Examples("egide transit key export legacy-aes --key-version 2"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			s, err := e.Export(ctx, args[0], version, hmacKey)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(f.IO.Out, strings.TrimRight(s, "\n"))
			return err
		},
	}
	cmd.Flags().IntVar(&version, "key-version", 0, "the version (default: the latest)")
	cmd.Flags().BoolVar(&hmacKey, "hmac", false, "print the version's HMAC key")
	return cmd
}
