package transit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault/transit"
	"github.com/spf13/cobra"
)

// The repository's engine store is the engine's Storage.
var _ transit.Storage = (*repo.EngineStore)(nil)

// engineName is the transit engine's store in the repository.
const engineName = "transit"

// ExitBatchPartial is the exit code of a batch in which some items failed
// (all results are printed).
const ExitBatchPartial = 3

// NewCmdTransit returns 'egide transit' and its subcommands.
func NewCmdTransit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "transit",
		Short: "Encrypt, sign and HMAC with project keys that never leave the engine",
		Long: `The transit engine is encryption as a service, like HashiCorp Vault's transit
engine: you hand it data, it hands back ciphertext, signatures or HMACs, and
the keys stay sealed in the project repository (.egide/), wrapped to the
project's members. Ciphertexts look like vault:v<N>:<base64>, where N is the
key version, with Vault's byte layout, so tools written for Vault carry over.

Plaintext is read from stdin (or --in FILE) as raw bytes, up to 32 MiB; batch
files are JSON arrays, with base64 plaintexts and contexts as in Vault's API.

Exit codes: 0 success, 1 error, 2 usage, 3 a batch in which some items
failed (every result is printed, each failure in its "error" field).`,
		Example: cmdutil.Examples(
			"egide transit key create payments",
			"echo -n 4111111111111111 | egide transit encrypt payments",
			"egide transit decrypt payments vault:v1:8SDd3WHDOjf7mq69...",
			"egide transit key rotate payments",
			"egide transit encrypt payments --batch items.json > out.json"),
	}
	cmd.AddCommand(
		newCmdKey(f),
		newCmdEncrypt(f), newCmdDecrypt(f), newCmdRewrap(f), newCmdDataKey(f),
		newCmdSign(f), newCmdVerify(f), newCmdHMAC(f), newCmdRandom(f),
	)
	return cmd
}

// engine opens the repository (for writing when write is set, which key
// management needs) and returns the transit engine over it.
func engine(ctx context.Context, f *cmdutil.Factory, write bool) (*transit.Engine, *repo.Repository, error) {
	r, err := f.OpenRepo(ctx, write)
	if err != nil {
		return nil, nil, err
	}
	return transit.New(r.Engine(engineName), transit.Options{Now: f.Now}), r, nil
}

// readInput reads the data to work on from path ("" or "-": stdin), at
// most limit bytes.
func readInput(f *cmdutil.Factory, path string, limit int64) ([]byte, error) {
	return cmdutil.ReadInput(f, path, limit, transit.ErrTooLarge)
}

// decodeContext decodes --context (standard base64).
func decodeContext(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--context is standard base64 (e.g. $(printf user-42 | base64))")
	}
	return b, nil
}

// maxBatchFile bounds a batch file: 32 MiB plaintexts in base64, and room.
const maxBatchFile = 256 << 20

// runBatch reads a batch file for op, runs it and prints the results as a
// JSON array; some failed items end the process with ExitBatchPartial.
func runBatch(ctx context.Context, f *cmdutil.Factory, path string, op transit.Op, run func([]transit.Item) ([]transit.Result, error)) error {
	data, err := readInput(f, path, maxBatchFile)
	if err != nil {
		return err
	}
	items, err := transit.ParseBatch(data, op)
	clear(data)
	if err != nil {
		return err
	}
	rs, err := run(items)
	if err != nil {
		return err
	}
	out, failed := transit.Results(op, rs)
	if err := cmdutil.PrintJSON(f.IO.Out, out); err != nil {
		return err
	}
	if failed > 0 {
		return &cmdutil.ExitError{Code: ExitBatchPartial,
			Message: fmt.Sprintf("%d of %d batch items failed; see their \"error\" fields (the others succeeded)", failed, len(out))}
	}
	return nil
}

// one returns the single result of a one-item call as an error or value.
func one(rs []transit.Result, err error) (transit.Result, error) {
	if err != nil {
		return transit.Result{}, err
	}
	if len(rs) != 1 {
		return transit.Result{}, errors.New("transit: no result")
	}
	return rs[0], rs[0].Err
}
