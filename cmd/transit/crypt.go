package transit

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/transit"
	"github.com/spf13/cobra"
)

// cryptFlags are the flags encrypt, decrypt and rewrap share.
type cryptFlags struct {
	context string
	in      string
	batch   string
	version int
	json    bool
}

func (c *cryptFlags) add(cmd *cobra.Command, version bool) {
	fl := cmd.Flags()
	fl.StringVar(&c.context, "context", "", "derivation context, standard base64 (derived keys only; required for them)")
	fl.StringVar(&c.batch, "batch", "", "JSON array of items to process (a file, or - for stdin); prints a JSON array")
	fl.BoolVar(&c.json, "json", false, "print a JSON object")
	if version {
		fl.IntVar(&c.version, "key-version", 0, "encrypt with this key version (default: the latest)")
	}
}

// printCiphertext prints an encrypt or rewrap result: the ciphertext, or
// with --json {"ciphertext", "key_version"}.
func (c *cryptFlags) printCiphertext(f *cmdutil.Factory, r transit.Result) error {
	if c.json {
		return cmdutil.PrintJSON(f.IO.Out, transit.BatchResult{Ciphertext: r.Ciphertext, KeyVersion: r.Version})
	}
	_, err := fmt.Fprintln(f.IO.Out, r.Ciphertext)
	return err
}

func newCmdEncrypt(f *cmdutil.Factory) *cobra.Command {
	var c cryptFlags
	cmd := &cobra.Command{
		Use:   "encrypt NAME [--in FILE] [--context B64] [--batch FILE.json]",
		Short: "Encrypt data with a transit key",
		Long: `Encrypt the bytes read from stdin (or --in FILE, at most 32 MiB) with the
latest version of key NAME and print the ciphertext, vault:v<N>:<base64>.
aes256-gcm96 and chacha20-poly1305 keys use a fresh random 96-bit nonce per
call; rsa keys use RSA-OAEP with SHA-256 (small inputs: encrypt a data key).

--batch FILE.json takes a JSON array of {"plaintext": B64, "context": B64,
"key_version": N, "reference": S} and prints an array of {"ciphertext",
"key_version", "reference"} or {"error", "reference"}, in the same order; an
item's failure does not stop the others (exit code 3 when any failed).`,
		Example: cmdutil.Examples(
			"echo -n 'card 4111 1111 1111 1111' | egide transit encrypt payments",
			"egide transit encrypt payments --in invoice.pdf > invoice.pdf.enc",
			"echo -n data | egide transit encrypt per-user --context $(printf user-42 | base64)",
			`echo '[{"plaintext":"aGVsbG8="},{"plaintext":"d29ybGQ="}]' | egide transit encrypt payments --batch -`),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			keyContext, err := decodeContext(c.context)
			if err != nil {
				return err
			}
			if c.batch != "" && (c.in != "" || c.context != "" || c.version != 0) {
				return cmdutil.FlagErrorf("--batch items carry their own data, context and key_version")
			}
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			if c.batch != "" {
				return runBatch(ctx, f, c.batch, transit.OpEncrypt, func(items []transit.Item) ([]transit.Result, error) {
					return e.Encrypt(ctx, args[0], items)
				})
			}
			pt, err := readInput(f, c.in, transit.MaxPlaintext)
			if err != nil {
				return err
			}
			r, err := one(e.Encrypt(ctx, args[0], []transit.Item{{Plaintext: pt, Context: keyContext, Version: c.version}}))
			clear(pt)
			if err != nil {
				return err
			}
			return c.printCiphertext(f, r)
		},
	}
	c.add(cmd, true)
	cmd.Flags().StringVar(&c.in, "in", "", "read the plaintext from FILE (- or none: stdin)")
	return cmd
}

// ciphertextArg returns the ciphertext from the argument, else from --in
// or stdin (surrounding white space removed).
func ciphertextArg(f *cmdutil.Factory, args []string, in string) (string, error) {
	if len(args) > 1 {
		if in != "" {
			return "", cmdutil.FlagErrorf("give the ciphertext as an argument or with --in, not both")
		}
		return args[1], nil
	}
	b, err := readInput(f, in, transit.MaxPlaintext/3*4+4096)
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(b)), nil
}

// onCiphertext runs decrypt or rewrap: over a batch file, printing the
// results (then it returns a nil Result), or over one ciphertext, whose
// Result it returns for printing.
func (c *cryptFlags) onCiphertext(ctx context.Context, f *cmdutil.Factory, args []string, op transit.Op,
	call func(*transit.Engine, context.Context, string, []transit.Item) ([]transit.Result, error)) (*transit.Result, error) {
	keyContext, err := decodeContext(c.context)
	if err != nil {
		return nil, err
	}
	if c.batch != "" && (c.in != "" || c.context != "" || c.version != 0 || len(args) > 1) {
		return nil, cmdutil.FlagErrorf("--batch items carry their own ciphertext, context and key_version")
	}
	e, _, err := engine(ctx, f, false)
	if err != nil {
		return nil, err
	}
	if c.batch != "" {
		return nil, runBatch(ctx, f, c.batch, op, func(items []transit.Item) ([]transit.Result, error) {
			return call(e, ctx, args[0], items)
		})
	}
	ct, err := ciphertextArg(f, args, c.in)
	if err != nil {
		return nil, err
	}
	r, err := one(call(e, ctx, args[0], []transit.Item{{Ciphertext: ct, Context: keyContext, Version: c.version}}))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func newCmdDecrypt(f *cmdutil.Factory) *cobra.Command {
	var c cryptFlags
	cmd := &cobra.Command{
		Use:   "decrypt NAME [CIPHERTEXT] [--in FILE] [--context B64] [--batch FILE.json]",
		Short: "Decrypt a transit ciphertext",
		Long: `Decrypt a ciphertext (vault:v<N>:<base64>) with version N of key NAME and write
the plaintext bytes to stdout, as they were encrypted (no newline added). The
ciphertext is the argument, else read from --in FILE or stdin. Versions below
the key's minimum decryption version are refused.

--json prints {"plaintext": B64, "key_version": N} instead. --batch
FILE.json takes [{"ciphertext": S, "context": B64, "reference": S}] and prints
[{"plaintext": B64, "key_version": N, "reference": S} or {"error": S}].`,
		Example: cmdutil.Examples(
			"egide transit decrypt payments vault:v1:8SDd3WHDOjf7mq69...",
			"egide transit decrypt payments --in invoice.pdf.enc > invoice.pdf",
			"egide transit decrypt payments --batch out.json | jq -r '.[].plaintext'"),
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := c.onCiphertext(cmd.Context(), f, args, transit.OpDecrypt, (*transit.Engine).Decrypt)
			if err != nil || r == nil {
				return err
			}
			defer clear(r.Plaintext)
			if c.json {
				p := base64.StdEncoding.EncodeToString(r.Plaintext)
				return cmdutil.PrintJSON(f.IO.Out, transit.BatchResult{Plaintext: &p, KeyVersion: r.Version})
			}
			_, err = f.IO.Out.Write(r.Plaintext)
			return err
		},
	}
	c.add(cmd, false)
	cmd.Flags().StringVar(&c.in, "in", "", "read the ciphertext from FILE (- or none: stdin)")
	return cmd
}

func newCmdRewrap(f *cmdutil.Factory) *cobra.Command {
	var c cryptFlags
	cmd := &cobra.Command{
		Use:   "rewrap NAME [CIPHERTEXT] [--in FILE] [--context B64] [--batch FILE.json]",
		Short: "Re-encrypt a ciphertext with the latest key version",
		Long: `Decrypt a ciphertext inside the engine and encrypt it again with the latest
version of key NAME (or --key-version N); print the new ciphertext. The
plaintext is never printed. Use it after 'egide transit key rotate', before
raising the minimum decryption version.

--batch FILE.json takes [{"ciphertext": S, "context": B64, "reference": S}]
and prints [{"ciphertext": S, "key_version": N, "reference": S} or {"error"}].`,
		Example: cmdutil.Examples(
			"egide transit rewrap payments vault:v1:8SDd3WHDOjf7mq69...",
			"egide transit rewrap payments --batch old.json > new.json"),
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := c.onCiphertext(cmd.Context(), f, args, transit.OpRewrap, (*transit.Engine).Rewrap)
			if err != nil || r == nil {
				return err
			}
			return c.printCiphertext(f, *r)
		},
	}
	c.add(cmd, true)
	cmd.Flags().StringVar(&c.in, "in", "", "read the ciphertext from FILE (- or none: stdin)")
	return cmd
}

func newCmdDataKey(f *cmdutil.Factory) *cobra.Command {
	var (
		plaintext, wrapped, asJSON bool
		bits                       int
		contextB64                 string
	)
	cmd := &cobra.Command{
		Use:   "datakey NAME [--plaintext|--wrapped] [--bits 128|256|512] [--context B64]",
		Short: "Make a random data key, encrypted with a transit key",
		Long: `Make a random key of --bits bits (256 by default) for encrypting data yourself
(envelope encryption), and print it encrypted with key NAME. Keep that
ciphertext beside your data; 'egide transit decrypt NAME' gives the key back.

--wrapped (the default) prints only the ciphertext. --plaintext also prints
the key itself, in base64: on the second line, or in --json's "plaintext".`,
		Example: cmdutil.Examples(
			"egide transit datakey payments",
			"egide transit datakey payments --plaintext --json | jq -r .plaintext"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if plaintext && wrapped {
				return cmdutil.FlagErrorf("--plaintext and --wrapped exclude each other")
			}
			keyContext, err := decodeContext(contextB64)
			if err != nil {
				return err
			}
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			pt, ct, ver, err := e.DataKey(ctx, args[0], bits, keyContext)
			if err != nil {
				return err
			}
			defer clear(pt)
			out := transit.BatchResult{Ciphertext: ct, KeyVersion: ver}
			if plaintext {
				p := base64.StdEncoding.EncodeToString(pt)
				out.Plaintext = &p
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, out)
			}
			fmt.Fprintln(f.IO.Out, ct)
			if out.Plaintext != nil {
				fmt.Fprintln(f.IO.Out, *out.Plaintext)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&plaintext, "plaintext", false, "also print the key itself (base64)")
	fl.BoolVar(&wrapped, "wrapped", false, "print only the encrypted key (the default)")
	fl.IntVar(&bits, "bits", 256, "key size: 128, 256 or 512")
	fl.StringVar(&contextB64, "context", "", "derivation context, standard base64 (derived keys only)")
	fl.BoolVar(&asJSON, "json", false, `print {"ciphertext", "key_version"[, "plaintext"]}`)
	return cmd
}
