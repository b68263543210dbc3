// Command egide is a local-first, end-to-end encrypted, git-like secrets
// manager. See README.md.
package main

import (
	"os"
	"runtime"

	"github.com/egide/egide/cmd"
)

func main() {
	// Egide's commands do their work on one goroutine: a single P spares
	// the 2-core machines they run on the extra threads and cross-CPU
	// wake-ups (about 0.1 ms of every command). $GOMAXPROCS still wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	os.Exit(cmd.Execute())
}
