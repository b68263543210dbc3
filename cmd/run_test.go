//go:build !race

package cmd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitFile polls until path holds want (bounded: 10 s), for a child that
// announces its progress through files.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s never held %q (has %q)", path, want, b)
}

func runSandbox(t *testing.T) *sandbox {
	s := newSandbox(t)
	s.must("", "init")
	s.must("", "set", "SECRET=s3cr3t")
	s.must("", "commit", "-m", "x")
	return s
}

// childScript counts the USR1 signals it receives, and on INT or TERM takes
// two seconds to clean up before exiting 0.
const childScript = `n=0
trap 'n=$((n+1)); echo $n > count' USR1
trap 'sleep 2; echo cleaned > cleaned; exit 0' INT TERM
echo ready > ready
while :; do sleep 0.05; done`

func TestRunForwardsSignalsOnce(t *testing.T) {
	s := runSandbox(t)
	c := s.cmd("", "run", "--mount", "m.env", "--", "sh", "-c", childScript)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(s.dir, "ready"), "ready")
	for i := 1; i <= 3; i++ {
		c.Process.Signal(syscall.SIGUSR1)
		waitFile(t, filepath.Join(s.dir, "count"), strconv.Itoa(i))
	}
	began := time.Now()
	c.Process.Signal(syscall.SIGINT)
	err := c.Wait()
	if err != nil {
		t.Fatalf("egide run: %v\n%s", err, out.String())
	}
	if d := time.Since(began); d < 2*time.Second {
		t.Fatalf("egide exited after %v, before the child's 2 s cleanup", d)
	}
	waitFile(t, filepath.Join(s.dir, "cleaned"), "cleaned")
	waitFile(t, filepath.Join(s.dir, "count"), "3") // no USR1 delivered twice
	if _, err := os.Lstat(filepath.Join(s.dir, "m.env")); !os.IsNotExist(err) {
		t.Fatalf("--mount link left behind: %v", err)
	}
}

func TestRunSignalDeathCodes(t *testing.T) {
	s := runSandbox(t)
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGTERM, 143}, {syscall.SIGKILL, 137}} {
		script := "echo ready > ready; kill -" + strconv.Itoa(int(tt.sig)) + " $$"
		_, _, code := s.run("", "run", "--mount", "m.env", "--", "sh", "-c", script)
		if code != tt.want {
			t.Errorf("child killed by %v: egide exited %d, want %d", tt.sig, code, tt.want)
		}
		os.Remove(filepath.Join(s.dir, "ready"))
	}
}

// TestRunExecReplacesEgide checks that without supervision the child is
// the egide process itself (execve): same PID, native exit status.
func TestRunExecReplacesEgide(t *testing.T) {
	s := runSandbox(t)
	c := s.cmd("", "run", "--", "sh", "-c", `echo $$; echo "$SECRET"; kill -TERM $$`)
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	pid := c.Process.Pid
	c.Wait()
	lines := strings.Fields(out.String())
	if len(lines) != 2 || lines[0] != strconv.Itoa(pid) || lines[1] != "s3cr3t" {
		t.Fatalf("child printed %q; egide's pid was %d", out.String(), pid)
	}
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("status %v, want death by SIGTERM", ws)
	}
}

// TestRunSecretsNotInArgv checks that no secret reaches the child's argv.
func TestRunSecretsNotInArgv(t *testing.T) {
	s := runSandbox(t)
	out := s.must("", "run", "--mount", "m.env", "--", "sh", "-c", `cat /proc/$PPID/cmdline /proc/$$/cmdline | tr '\0' ' '`)
	if strings.Contains(out, "s3cr3t") {
		t.Fatalf("a secret is in an argv: %q", out)
	}
}

// TestRunWatchRestarts commits from another process while a watched child
// runs: the child is stopped and started again with the new value; a child
// that ignores SIGTERM is killed after --grace.
func TestRunWatchRestarts(t *testing.T) {
	s := runSandbox(t)
	script := `echo "$SECRET" > "seen.$$"; echo "$SECRET" > current; trap 'echo stopped >> log; exit 0' TERM; while :; do sleep 0.05; done`
	c := s.cmd("", "run", "--watch", "--", "sh", "-c", script)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(s.dir, "current"), "s3cr3t")
	s.must("", "set", "SECRET=second")
	s.must("", "commit", "-m", "rotate")
	waitFile(t, filepath.Join(s.dir, "current"), "second")
	waitFile(t, filepath.Join(s.dir, "log"), "stopped")
	c.Process.Signal(syscall.SIGTERM)
	if err := c.Wait(); err != nil {
		t.Fatalf("egide run --watch: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "restarting") {
		t.Fatalf("no restart notice: %s", out.String())
	}

	// A child that ignores SIGTERM is killed after the grace period.
	os.Remove(filepath.Join(s.dir, "current"))
	stubborn := `echo "$SECRET" > current; trap '' TERM; while :; do sleep 0.05; done`
	c = s.cmd("", "run", "--watch", "--grace", "300ms", "--", "sh", "-c", stubborn)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(s.dir, "current"), "second")
	s.must("", "set", "SECRET=third")
	s.must("", "commit", "-m", "again")
	waitFile(t, filepath.Join(s.dir, "current"), "third")
	// SIGINT is forwarded, and the child does not trap it: egide exits 130.
	c.Process.Signal(syscall.SIGINT)
	c.Wait()
	if code := c.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
}
