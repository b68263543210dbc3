package envcmd

import (
	"errors"
	"strings"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
	"github.com/spf13/cobra"
)

// NewCmdEnv returns 'egide env' with its subcommands.
func NewCmdEnv(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Manage environments (dev, staging, prod, …)",
		Args:  cobra.NoArgs,
		Long: `An environment is a set of KEY=VALUE secrets with its own history, like a git
branch, and its own key, wrapped to each identity allowed to read it.
Commands that take -e/--env use, in order: the flag, $EGIDE_ENV, the
environment chosen with 'egide env use', the default from 'egide init'.`,
		Example: cmdutil.Examples(
			"egide env list",
			"egide env create staging --from dev",
			"egide env use staging",
			"egide env grant prod age1qz…",
			"egide env rotate-key prod"),
	}
	cmd.AddCommand(
		NewCmdList(f, nil),
		NewCmdCreate(f, nil),
		NewCmdDelete(f, nil),
		NewCmdRename(f, nil),
		NewCmdUse(f, nil),
		NewCmdRotateKey(f, nil),
		NewCmdGrant(f, nil),
		NewCmdMap(f, nil),
	)
	return cmd
}

// validName checks an environment name given on the command line; a bad
// one is a usage error.
func validName(name string) error {
	if err := repo.ValidateEnvName(name); err != nil {
		return cmdutil.WithHint(&cmdutil.FlagError{Err: err}, "environment names look like dev, staging or prod-eu")
	}
	return nil
}

// validRecipient checks a recipient given on the command line; a bad one
// is a usage error. A secret key pasted by mistake is refused without
// being quoted.
func validRecipient(flag, s string) error {
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), "AGE-SECRET-KEY-") {
		return cmdutil.WithHint(&cmdutil.FlagError{Err: errors.New(flag + "that is a secret key, not a recipient")},
			"give the public age1… recipient from 'egide identity show'; and since the secret key is now in your shell history, consider it exposed")
	}
	if err := vault.ValidateRecipient(s); err != nil {
		return cmdutil.WithHint(&cmdutil.FlagError{Err: errors.New(flag + err.Error())},
			"give the public age1… recipient that its owner prints with 'egide identity show'")
	}
	return nil
}
