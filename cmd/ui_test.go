//go:build !race && unix

package cmd_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmux drives a real terminal: one tmux server of the test's own on a
// private socket, started with the sandbox's environment (which egide ui
// then inherits: the identity never appears in an argv).
type tmux struct {
	t    *testing.T
	s    *sandbox
	sock string
}

func newTmux(t *testing.T, s *sandbox) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("EGIDE_REQUIRE_TMUX") != "" {
			t.Fatal("tmux is not installed and EGIDE_REQUIRE_TMUX is set")
		}
		t.Skip("tmux is not installed (CI installs it and sets EGIDE_REQUIRE_TMUX)")
	}
	x := &tmux{t: t, s: s, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	t.Cleanup(func() { exec.Command("tmux", "-S", x.sock, "kill-server").Run() })
	return x
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	c := exec.Command("tmux", append([]string{"-S", x.sock}, args...)...)
	c.Dir, c.Env = x.s.dir, append(x.s.env, "TERM=xterm-256color")
	out, err := c.CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (x *tmux) screen() string { return x.run("capture-pane", "-p", "-t", "ui") }

// waitFor polls the screen until it shows want (10 s at most).
func (x *tmux) waitFor(want string) string {
	x.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := x.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("the screen never showed %q; it shows:\n%s", want, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestUIInTmux runs the real binary in a real terminal: adds a key, commits
// it from the UI, and checks that 'egide log' and 'egide get' see it.
func TestUIInTmux(t *testing.T) {
	s := newSandbox(t)
	s.must("", "init")
	s.must("", "set", "DB_PASSWORD=pa55-in-tmux")
	s.must("", "commit", "-m", "first")
	x := newTmux(t, s)
	x.run("new-session", "-d", "-s", "ui", "-x", "100", "-y", "30", "egide ui; sleep 30")
	first := x.waitFor("History · dev")
	if !strings.Contains(first, "DB_PASSWORD") || strings.Contains(first, "pa55-in-tmux") {
		t.Fatalf("first screen: want the key, masked:\n%s", first)
	}
	x.run("send-keys", "-t", "ui", "a")
	x.waitFor("new key:")
	x.run("send-keys", "-t", "ui", "-l", "API_TOKEN")
	x.run("send-keys", "-t", "ui", "Enter")
	x.waitFor("value of API_TOKEN")
	x.run("send-keys", "-t", "ui", "-l", "tok-from-tmux")
	x.run("send-keys", "-t", "ui", "C-s")
	x.waitFor("staged API_TOKEN")
	x.run("send-keys", "-t", "ui", "c")
	x.waitFor("commit message:")
	x.run("send-keys", "-t", "ui", "-l", "added from the terminal UI")
	x.run("send-keys", "-t", "ui", "Enter")
	after := x.waitFor("committed")
	if strings.Contains(after, "tok-from-tmux") {
		t.Fatalf("the new value is shown unmasked:\n%s", after)
	}
	x.run("send-keys", "-t", "ui", "q")

	log := s.must("", "log")
	if !strings.Contains(log, "added from the terminal UI") {
		t.Fatalf("egide log does not show the UI's commit:\n%s", log)
	}
	if got := s.must("", "get", "API_TOKEN"); strings.TrimSpace(got) != "tok-from-tmux" {
		t.Fatalf("egide get API_TOKEN = %q", got)
	}
	if st := s.must("", "status"); strings.Contains(st, "API_TOKEN") {
		t.Fatalf("still uncommitted after the UI's commit:\n%s", st)
	}
}
