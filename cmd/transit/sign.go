package transit

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/vault/transit"
	"github.com/spf13/cobra"
)

type signFlags struct {
	hash, algorithm, context, in string
	version                      int
	json                         bool
}

func (s *signFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.hash, "hash", "", "digest for ecdsa and rsa keys: sha2-256 (default), sha2-384, sha2-512")
	fl.StringVar(&s.algorithm, "algorithm", "", "rsa keys: pss (default) or pkcs1v15")
	fl.StringVar(&s.context, "context", "", "derivation context, standard base64 (derived ed25519 keys only)")
	fl.StringVar(&s.in, "in", "", "read the input from FILE (- or none: stdin)")
	fl.BoolVar(&s.json, "json", false, "print a JSON object")
}

func (s *signFlags) options() (transit.SignOptions, error) {
	ctx, err := decodeContext(s.context)
	return transit.SignOptions{Hash: s.hash, Algorithm: s.algorithm, Context: ctx, Version: s.version}, err
}

func newCmdSign(f *cmdutil.Factory) *cobra.Command {
	var s signFlags
	cmd := &cobra.Command{
		Use:   "sign NAME [--in FILE] [--hash sha2-256|sha2-384|sha2-512] [--algorithm pss|pkcs1v15]",
		Short: "Sign data with a transit key",
		Long: `Sign the bytes read from stdin (or --in FILE, at most 32 MiB) with the latest
version of key NAME and print the signature, vault:v<N>:<base64>.

ed25519 keys sign the input itself (pure Ed25519, RFC 8032). ecdsa keys sign
its --hash digest and give an ASN.1 DER signature. rsa keys use RSA-PSS (salt
as long as the key allows) or, with --algorithm pkcs1v15, PKCS #1 v1.5. The
public keys are in 'egide transit key show NAME --json' (PEM), for checking
signatures elsewhere (openssl, Go, …).`,
		Example: cmdutil.Examples(
			"egide transit sign release --in egide.tar.gz > egide.tar.gz.sig",
			"egide transit sign api-rsa --algorithm pkcs1v15 --hash sha2-512 --in token.json"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			o, err := s.options()
			if err != nil {
				return err
			}
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			input, err := readInput(f, s.in, transit.MaxPlaintext)
			if err != nil {
				return err
			}
			sig, err := e.Sign(ctx, args[0], input, o)
			if err != nil {
				return err
			}
			if s.json {
				return cmdutil.PrintJSON(f.IO.Out, map[string]string{"signature": sig})
			}
			_, err = fmt.Fprintln(f.IO.Out, sig)
			return err
		},
	}
	s.add(cmd)
	cmd.Flags().IntVar(&s.version, "key-version", 0, "sign with this key version (default: the latest)")
	return cmd
}

func newCmdVerify(f *cmdutil.Factory) *cobra.Command {
	var (
		s              signFlags
		signature, mac string
	)
	cmd := &cobra.Command{
		Use:   "verify NAME (--signature SIG | --hmac MAC) [--in FILE] [--hash …] [--algorithm …]",
		Short: "Check a signature or an HMAC made by a transit key",
		Long: `Check that --signature (or --hmac) was made by key NAME over the bytes read
from stdin (or --in FILE), with the key version it names; versions below the
key's minimum decryption version are refused. Prints "valid" and exits 0, or
exits 1 with "does not verify". Pass the --hash and --algorithm used to sign.`,
		Example: cmdutil.Examples(
			"egide transit verify release --signature \"$(cat egide.tar.gz.sig)\" --in egide.tar.gz",
			"echo -n hello | egide transit verify webhooks --hmac vault:v1:3k9…"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if (signature == "") == (mac == "") {
				return cmdutil.FlagErrorf("give one of --signature or --hmac")
			}
			o, err := s.options()
			if err != nil {
				return err
			}
			if mac != "" && (s.algorithm != "" || s.context != "") {
				return cmdutil.FlagErrorf("--algorithm and --context are for signatures, not HMACs")
			}
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			input, err := readInput(f, s.in, transit.MaxPlaintext)
			if err != nil {
				return err
			}
			var ok bool
			what := "signature"
			if mac != "" {
				what = "HMAC"
				ok, err = e.VerifyHMAC(ctx, args[0], input, mac, transit.HMACOptions{Hash: s.hash})
			} else {
				ok, err = e.Verify(ctx, args[0], input, signature, o)
			}
			if err != nil {
				return err
			}
			if s.json {
				if err := cmdutil.PrintJSON(f.IO.Out, map[string]bool{"valid": ok}); err != nil {
					return err
				}
			} else if ok {
				fmt.Fprintln(f.IO.Out, "valid")
			}
			if !ok {
				return &cmdutil.ExitError{Code: 1, Message: fmt.Sprintf("the %s does not verify with key %q (wrong key, data, --hash or --algorithm, or it was altered)", what, args[0])}
			}
			return nil
		},
	}
	s.add(cmd)
	cmd.Flags().StringVar(&signature, "signature", "", "the signature, vault:v<N>:<base64>")
	cmd.Flags().StringVar(&mac, "hmac", "", "the HMAC, vault:v<N>:<base64>")
	return cmd
}

func newCmdHMAC(f *cmdutil.Factory) *cobra.Command {
	var (
		hash, in string
		version  int
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "hmac NAME [--in FILE] [--hash sha2-256|sha2-384|sha2-512]",
		Short: "HMAC data with a transit key",
		Long: `Print the HMAC of the bytes read from stdin (or --in FILE) under the latest
version of key NAME, vault:v<N>:<base64>. Every key has an HMAC key per
version; hmac keys have nothing else. Check one with 'egide transit verify
NAME --hmac MAC'.`,
		Example: cmdutil.Examples(
			"echo -n 'user@example.com' | egide transit hmac lookup",
			"egide transit hmac webhooks --hash sha2-512 --in payload.json"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, _, err := engine(ctx, f, false)
			if err != nil {
				return err
			}
			input, err := readInput(f, in, transit.MaxPlaintext)
			if err != nil {
				return err
			}
			mac, err := e.HMAC(ctx, args[0], input, transit.HMACOptions{Hash: hash, Version: version})
			if err != nil {
				return err
			}
			if asJSON {
				return cmdutil.PrintJSON(f.IO.Out, map[string]string{"hmac": mac})
			}
			_, err = fmt.Fprintln(f.IO.Out, mac)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&hash, "hash", "", "sha2-256 (default), sha2-384 or sha2-512")
	fl.StringVar(&in, "in", "", "read the input from FILE (- or none: stdin)")
	fl.IntVar(&version, "key-version", 0, "use this key version (default: the latest)")
	fl.BoolVar(&asJSON, "json", false, `print {"hmac": MAC}`)
	return cmd
}

func newCmdRandom(f *cmdutil.Factory) *cobra.Command {
	var (
		n      int
		format string
	)
	cmd := &cobra.Command{
		Use:   "random [--bytes N] [--format base64|hex]",
		Short: "Print random bytes from the OS's CSPRNG",
		Long: `Print --bytes N (32 by default, at most 1 MiB) random bytes from the operating
system's CSPRNG, in standard base64 or hex. It needs no repository.`,
		Example: cmdutil.Examples(
			"egide transit random",
			"egide transit random --bytes 16 --format hex"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "base64" && format != "hex" {
				return cmdutil.FlagErrorf("--format is base64 or hex")
			}
			b, err := transit.Random(n)
			if err != nil {
				return err
			}
			defer clear(b)
			s := base64.StdEncoding.EncodeToString(b)
			if format == "hex" {
				s = hex.EncodeToString(b)
			}
			_, err = fmt.Fprintln(f.IO.Out, s)
			return err
		},
	}
	cmd.Flags().IntVar(&n, "bytes", 32, "how many bytes")
	cmd.Flags().StringVar(&format, "format", "base64", "base64 or hex")
	return cmd
}
