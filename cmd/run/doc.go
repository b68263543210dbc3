// Package run is 'egide run': start a program with an environment's
// secrets in its environment.
//
// Without --mount (or the other supervising flags) egide replaces itself
// with the program (execve): no process stays behind, signals and the exit
// code are the program's own, and nothing is added to its start.
//
// With --mount egide supervises: it starts the program in a process group
// of its own and, on a terminal, makes that group the terminal's foreground
// group, so that keys like ^C reach the program from the terminal once, and
// never again through egide. Signals sent to egide itself (SIGINT, SIGTERM,
// SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH) are forwarded exactly once,
// including those that arrive before the program has started. egide exits
// with the program's code, or 128+N when it died of signal N, after
// removing what it wrote.
//
// Windows has no execve: there egide always supervises, and forwards no
// signal, the console having delivered its events to the child already
// (proc_windows.go).
package run
