package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/dotenv"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/egide/egide/vault/pki"
	"github.com/egide/egide/vault/transit"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// HandleError prints err as at most two lines on w, "egide: error: …" and
// "egide: hint: …", and returns the exit code. It is the only place that
// chooses hints and exit codes.
func HandleError(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var exit *cmdutil.ExitError
	if errors.As(err, &exit) {
		if exit.Message != "" {
			fmt.Fprintf(w, "egide: error: %s\n", exit.Message)
		}
		return exit.Code
	}
	code := exitError
	var run *runError
	var flagErr *cmdutil.FlagError
	if !errors.As(err, &run) || errors.As(err, &flagErr) {
		code = exitUsage
	}
	fmt.Fprintf(w, "egide: error: %s\n", err)
	if hint := hintFor(err, code); hint != "" {
		fmt.Fprintf(w, "egide: hint: %s\n", hint)
	}
	return code
}

func hintFor(err error, code int) string {
	var (
		refErr   *repo.RefError
		invalid  *repo.InvalidError
		hinted   *cmdutil.HintError
		notRcpt  *repo.NotRecipientError
		notFound *repo.NotFoundError
		parse    *dotenv.ParseError
		conflict *repo.ConflictError
	)
	switch {
	case errors.As(err, &hinted):
		return hinted.Hint
	case errors.As(err, &refErr):
		return "fix the values with 'egide set' (write $${ for a literal ${); nothing was started"
	case errors.As(err, &invalid):
		switch invalid.What {
		case "key":
			return "key names look like API_KEY: letters, digits and _, not starting with a digit"
		case "value":
			return "a value holds no NUL byte and at most 128 KiB; nothing was changed"
		case "branch":
			return "give the branch's name as git shows it, e.g. main or release/2.0"
		case "ref":
			return "REF is a commit id or a prefix of 4+ hex digits, HEAD, HEAD~N, ENV or ENV~N; see 'egide log'"
		default:
			return "environment names look like prod or eu-west.staging: lowercase letters, digits, '-', '_' and '.'"
		}
	case code == exitUsage:
		return "see 'egide --help' or 'egide COMMAND --help'"
	case errors.Is(err, keyring.ErrNoIdentity):
		return "create one with 'egide identity new' (OS keyring), or 'egide identity new --out FILE' and export EGIDE_IDENTITY_FILE=FILE"
	case errors.As(err, &notRcpt):
		return fmt.Sprintf("ask someone who can read it to run 'egide env grant %s %s'", notRcpt.Env, notRcpt.Recipient)
	case errors.As(err, &notFound):
		switch notFound.What {
		case "env":
			if repo.ValidateEnvName(notFound.Name) != nil {
				return "list environments with 'egide env list' (names are lowercase letters, digits, '-', '_' and '.')"
			}
			return "list environments with 'egide env list', or create it with 'egide env create " + notFound.Name + "'"
		case "key":
			return "list keys with 'egide list -e " + notFound.Env + "'"
		default:
			return "see 'egide log' for commit ids; REF is a commit id prefix, HEAD, HEAD~N, ENV or ENV~N"
		}
	case errors.Is(err, repo.ErrNotMember):
		return "ask a member to run 'egide env grant ENV <your recipient>' (see 'egide identity')"
	case errors.Is(err, transit.ErrNotFound):
		return "list keys with 'egide transit key list', or create one with 'egide transit key create NAME'"
	case errors.Is(err, transit.ErrExists):
		return "pick another name (see 'egide transit key list'); restore over a key only with --force"
	case errors.Is(err, transit.ErrUnsupported):
		return "aes256-gcm96, chacha20-poly1305 and rsa keys encrypt; ed25519, ecdsa and rsa keys sign; see the key's type with 'egide transit key show NAME'"
	case errors.Is(err, transit.ErrVersion):
		return "see the key's versions with 'egide transit key show NAME'; nothing was changed"
	case errors.Is(err, transit.ErrDecrypt):
		return "check the key name and, for derived keys, --context; nothing was decrypted"
	case errors.Is(err, transit.ErrMalformed):
		return "a transit ciphertext or signature looks like vault:v1:<base64>; pass it whole"
	case errors.Is(err, transit.ErrDeletionNotAllowed):
		return "allow it first with 'egide transit key config NAME --deletion-allowed'; what the key encrypted is lost with it"
	case errors.Is(err, transit.ErrNotExportable):
		return "only keys created with --exportable can be exported; 'egide transit key backup' writes a sealed copy"
	case errors.Is(err, transit.ErrTooLarge):
		return "at most 32 MiB per call: encrypt large files with a data key ('egide transit datakey NAME --plaintext')"
	case errors.Is(err, transit.ErrInvalid):
		return "see 'egide transit COMMAND --help'; nothing was changed"
	case errors.Is(err, transit.ErrCorrupt):
		return "the backup file or the stored key is damaged: run 'egide fsck', or restore the key from a good backup"
	case errors.Is(err, pki.ErrNotFound):
		return "see 'egide pki ca list', 'egide pki role list' and 'egide pki list'; 'egide pki ca default CA' sets the default issuer"
	case errors.Is(err, pki.ErrExists):
		return "pick another name (see 'egide pki ca list' and 'egide pki role list')"
	case errors.Is(err, pki.ErrNotAllowed):
		return "nothing was issued or changed; 'egide pki role show ROLE' and 'egide pki ca show CA' show the rules"
	case errors.Is(err, pki.ErrIssuerExpired):
		return "an expired CA signs nothing: create a new one ('egide pki root create', 'egide pki intermediate create'), make it the default ('egide pki ca default CA') and create roles on it"
	case errors.Is(err, pki.ErrIssuerRevoked):
		return "nothing was issued; a revoked CA signs nothing: use a role on another CA ('egide pki role create … --issuer CA')"
	case errors.Is(err, pki.ErrRevoked):
		return "nothing changed; see 'egide pki list --revoked'"
	case errors.Is(err, pki.ErrBadCSR):
		return "nothing was issued; make the CSR again (e.g. openssl req -new … -out req.csr) and pass the file whole"
	case errors.Is(err, pki.ErrInvalid):
		return "see 'egide pki COMMAND --help'; nothing was changed"
	case errors.Is(err, pki.ErrCorrupt):
		return "run 'egide fsck'; restore .egide/ from a backup if it was tampered with"
	case errors.Is(err, repo.ErrNoEngineKey):
		return "the engine's key was wrapped to the project's members when it was first used; ask one of them to run the command"
	case errors.Is(err, repo.ErrNoRepository):
		return "run 'egide init' in your project folder"
	case errors.Is(err, repo.ErrSchemaTooNew):
		return "this repository was written by a newer egide: upgrade egide"
	case errors.Is(err, repo.ErrReadOnly):
		return "make .egide/ writable (chmod -R u+w .egide), or use a read-only command (get, list, export, log, diff)"
	case errors.Is(err, vault.ErrBadSignature), errors.Is(err, repo.ErrCorrupt):
		return "run 'egide fsck' to list every damaged object; restore .egide/ from a backup if it was tampered with"
	case errors.As(err, &parse):
		return "fix the file and try again; nothing was changed"
	case errors.Is(err, fs.ErrNotExist):
		return "check the file's path"
	case errors.Is(err, repo.ErrNothingToCommit):
		return "stage changes first with 'egide set', 'egide unset' or 'egide import'"
	case errors.Is(err, repo.ErrDirty):
		return "commit them with 'egide commit -m MSG', or discard them with 'egide reset --hard HEAD'"
	case errors.As(err, &conflict):
		return "later commits changed those keys: set them by hand with 'egide set' and commit"
	}
	return ""
}
