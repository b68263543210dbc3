package cmd

import (
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/spf13/cobra"
)

// TestEveryCommandHasHelp: every command that runs has a one-line summary
// and examples in its --help.
func TestEveryCommandHasHelp(t *testing.T) {
	f := cmdutil.NewTest(t)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if !c.Runnable() || c.Hidden || c.Name() == "help" {
			return
		}
		n++
		if c.Short == "" {
			t.Errorf("%q has no Short", c.CommandPath())
		}
		if c.Example == "" {
			t.Errorf("%q has no examples", c.CommandPath())
		}
	}
	walk(NewCmdRoot(f.Factory))
	if n < 50 {
		t.Fatalf("walked only %d commands", n)
	}
}
