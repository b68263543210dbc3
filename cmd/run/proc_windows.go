//go:build windows

package run

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// canReplace: Windows has no execve; egide always supervises.
const canReplace = false

// forwarded are the signals egide watches while a child runs: ^C and
// ^Break (os.Interrupt) and the console's close, log-off and shut-down
// events (SIGTERM). The console delivers each to every process attached
// to it, the child included, so egide forwards none of them: it only
// keeps them from ending egide before the child.
var forwarded = []os.Signal{os.Interrupt, syscall.SIGTERM}

func replaceWith(string, []string, []string) error {
	return errors.New("replacing the process is not supported on Windows")
}

func signalName(n syscall.Signal) string {
	switch n {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return n.String()
}

func prepareChild(*exec.Cmd) (after func()) { return func() {} }

// forward does nothing: the console has already delivered the event to
// the child.
func forward(*exec.Cmd, os.Signal) {}

// terminate and kill both end the child at once: Windows has no signal a
// console program can be asked to end with from outside its console group.
func terminate(c *exec.Cmd) { c.Process.Kill() }
func kill(c *exec.Cmd)      { c.Process.Kill() }

func signaled(*os.ProcessState) (int, bool) { return 0, false }

// defaultShell is empty: cmd.exe does not take a command line the way
// "sh -c" does, so --command needs $SHELL.
const defaultShell = ""

const pathSeparators = `/\`
