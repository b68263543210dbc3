// Package iostreams carries a command's standard streams and what is known
// about them (terminals, colour), so that every command runs the same way
// in a terminal, in a pipe and in tests.
package iostreams

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are a command's input, output and error streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	noColor   bool

	// tty opens the controlling terminal for prompts; nil: none.
	tty func() (io.ReadWriteCloser, int, error)

	// outBuf buffers Out (one write per 64 KiB instead of one per line);
	// outFile is the file under it, for child processes.
	outBuf  *bufio.Writer
	outFile *os.File
}

// Flush writes what Out has buffered. The process calls it before it exits,
// and commands before they hand the terminal to a child process.
func (s *IOStreams) Flush() error {
	if s.outBuf == nil {
		return nil
	}
	return s.outBuf.Flush()
}

// StdoutFile returns the file under Out (nil in tests), after flushing, so
// a child process can write to the terminal itself.
func (s *IOStreams) StdoutFile() *os.File {
	s.Flush()
	return s.outFile
}

// ErrNoTTY means a prompt was needed but no terminal is available.
var ErrNoTTY = errors.New("no terminal to prompt on")

// System returns the process's streams.
func System(getenv func(string) string) *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	return &IOStreams{
		In: os.Stdin, Out: out, ErrOut: os.Stderr, outBuf: out, outFile: os.Stdout,
		stdinTTY: isTTY(os.Stdin), stdoutTTY: isTTY(os.Stdout), stderrTTY: isTTY(os.Stderr),
		noColor: getenv("NO_COLOR") != "" || getenv("TERM") == "dumb",
		tty: func() (io.ReadWriteCloser, int, error) {
			f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
			if err != nil {
				return nil, 0, ErrNoTTY
			}
			return f, int(f.Fd()), nil
		},
	}
}

// Test returns streams over buffers, with no terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, noColor: true}, in, out, errOut
}

// SetTTY marks the streams as terminals (tests).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// ColorEnabled reports whether output may use colour: stdout is a terminal
// and NO_COLOR is not set.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// CanPrompt reports whether a terminal is available for prompts.
func (s *IOStreams) CanPrompt() bool { return s.tty != nil && s.stdinTTY }

// ReadSecret prompts on the terminal and reads a line without echo.
func (s *IOStreams) ReadSecret(prompt string) ([]byte, error) {
	if s.tty == nil {
		return nil, ErrNoTTY
	}
	t, fd, err := s.tty()
	if err != nil {
		return nil, err
	}
	defer t.Close()
	fmt.Fprint(t, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(t)
	if err != nil {
		return nil, fmt.Errorf("read from terminal: %w", err)
	}
	return b, nil
}

// ReadLine prompts on the terminal and reads one line with echo.
func (s *IOStreams) ReadLine(prompt string) (string, error) {
	if s.tty == nil {
		return "", ErrNoTTY
	}
	t, _, err := s.tty()
	if err != nil {
		return "", err
	}
	defer t.Close()
	fmt.Fprint(t, prompt)
	line, err := bufio.NewReader(t).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read from terminal: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
