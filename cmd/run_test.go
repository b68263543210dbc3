//go:build !race && unix

package cmd_test

import (
	"bytes"
	"os"
	"os/exec"
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

// TestRunSignalBeforeStart sends signals to egide while it is still
// reading its identity (from a FIFO the test holds), before the child
// exists. TERM ends the run with 143 and the program never starts, with or
// without supervision; supervised, USR1 is not lost: egide delivers it once
// the child runs, which kills this child (it has no handler yet), so egide
// exits 128+10.
func TestRunSignalBeforeStart(t *testing.T) {
	for _, tt := range []struct {
		name    string
		sig     syscall.Signal
		flags   []string
		code    int
		started bool
	}{
		{"TERM, execve", syscall.SIGTERM, nil, 143, false},
		{"TERM, supervised", syscall.SIGTERM, []string{"--redact"}, 143, false},
		{"USR1, supervised", syscall.SIGUSR1, []string{"--mount", "m.env"}, 138, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := runSandbox(t)
			fifo := filepath.Join(t.TempDir(), "identity")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			// The program outlives any scheduling delay: if the signal were
			// lost it would run 5 s and exit 0. (A program that ends before
			// egide forwards the signal cannot get it; that is no loss.)
			args := append(append([]string{"run"}, tt.flags...), "--", "sh", "-c", "echo ran > ran; exec sleep 5")
			c := s.cmd("", args...)
			c.Env = nil
			for _, kv := range s.env {
				if !strings.HasPrefix(kv, "EGIDE_IDENTITY=") {
					c.Env = append(c.Env, kv)
				}
			}
			c.Env = append(c.Env, "EGIDE_IDENTITY_FILE="+fifo)
			var out bytes.Buffer
			c.Stdout, c.Stderr = &out, &out
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			// Opening the FIFO for writing succeeds once egide has it open
			// for reading: egide is then waiting for its identity.
			var w *os.File
			deadline := time.Now().Add(10 * time.Second)
			for {
				f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
				if err == nil {
					w = f
					break
				}
				if time.Now().After(deadline) {
					c.Process.Kill()
					t.Fatalf("egide never opened its identity file: %v", err)
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := c.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // let the signal land before the identity does
			w.WriteString(s.secret + "\n")
			w.Close()
			err := c.Wait()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != tt.code {
				t.Fatalf("egide: %v (status %v), want exit code %d\n%s", err, c.ProcessState, tt.code, out.String())
			}
			if !tt.started {
				if !strings.Contains(out.String(), "before the program started") {
					t.Errorf("no message saying the program did not start: %q", out.String())
				}
				if _, err := os.Stat(filepath.Join(s.dir, "ran")); !os.IsNotExist(err) {
					t.Errorf("the program ran after SIGTERM: %v", err)
				}
			}
		})
	}
}
