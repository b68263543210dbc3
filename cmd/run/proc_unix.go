//go:build unix

package run

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// canReplace: egide can become the program (execve).
const canReplace = true

// forwarded are the signals egide passes on to a supervised child.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// replaceWith replaces the process with the program; it returns only on
// failure.
func replaceWith(path string, argv, env []string) error {
	return syscall.Exec(path, argv, env)
}

// signalName is the signal's name as a shell prints it (SIGTERM).
func signalName(n syscall.Signal) string { return unix.SignalName(n) }

// prepareChild starts c in a process group of its own and, when egide is
// in the foreground of a terminal, gives the terminal to that group: the
// terminal's own signals (^C, ^\, resizes) go to it directly, and only to
// it. The returned function, called once the child is done, takes the
// terminal back.
func prepareChild(c *exec.Cmd) (after func()) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tty, fg := foreground()
	if !fg {
		return func() {}
	}
	c.SysProcAttr.Foreground = true
	c.SysProcAttr.Ctty = tty
	return func() { takeTerminal(tty) }
}

// forward sends sig, which was sent to egide and not by the terminal
// (which talks to the child's group), to the child's group.
func forward(c *exec.Cmd, sig os.Signal) {
	syscall.Kill(-c.Process.Pid, sig.(syscall.Signal))
}

// terminate asks the child's group to end (SIGTERM); kill makes it
// (SIGKILL).
func terminate(c *exec.Cmd) { syscall.Kill(-c.Process.Pid, syscall.SIGTERM) }
func kill(c *exec.Cmd)      { syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }

// signaled returns N when signal N killed the child.
func signaled(ps *os.ProcessState) (int, bool) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return int(ws.Signal()), true
	}
	return 0, false
}

// foreground reports whether egide runs in the foreground of a terminal on
// standard input, and that terminal's descriptor.
func foreground() (int, bool) {
	fd := int(os.Stdin.Fd())
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return fd, err == nil && pgrp == unix.Getpgrp()
}

// takeTerminal makes egide's group the terminal's foreground group again
// once the child is done. From the background this raises SIGTTOU, which
// is ignored for the call.
func takeTerminal(tty int) {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	unix.IoctlSetPointerInt(tty, unix.TIOCSPGRP, unix.Getpgrp())
}

// defaultShell runs --command when $SHELL is not set.
const defaultShell = "/bin/sh"

// pathSeparators make a command name a path rather than a name to look up.
const pathSeparators = "/"
