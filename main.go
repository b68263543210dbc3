// Command egide is a local-first, end-to-end encrypted, git-like secrets
// manager. See README.md.
package main

import (
	"os"

	"github.com/egide/egide/cmd"
)

func main() { os.Exit(cmd.Execute()) }
