//go:build !race && unix

// The end-to-end tests re-run this test binary as egide in hundreds of
// processes; under -race each would carry the race runtime (40 times
// slower). .ci/test.sh runs them without -race, and everything else with.

package cmd_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/egide/egide/vault"
)

// sandbox runs the real egide binary (this test binary, linked as "egide"
// in $PATH by testscript.Main) in a project folder of its own.
type sandbox struct {
	t      *testing.T
	dir    string
	env    []string
	secret string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	_, secret, err := vault.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "EGIDE_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "EGIDE_NO_KEYRING=1", "EGIDE_IDENTITY="+secret, "EGIDE_AUTHOR=Sys Test <sys@example.com>")
	project := filepath.Join(dir, "project")
	if err := os.Mkdir(project, 0o755); err != nil {
		t.Fatal(err)
	}
	return &sandbox{t: t, dir: project, env: env, secret: secret}
}

func (s *sandbox) cmd(stdin string, args ...string) *exec.Cmd {
	c := exec.Command("egide", args...)
	c.Dir, c.Env = s.dir, s.env
	c.Stdin = strings.NewReader(stdin)
	return c
}

// run runs egide and returns stdout, stderr and the exit code.
func (s *sandbox) run(stdin string, args ...string) (string, string, int) {
	s.t.Helper()
	c := s.cmd(stdin, args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("egide %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// must runs egide and fails the test unless it exits 0.
func (s *sandbox) must(stdin string, args ...string) string {
	s.t.Helper()
	out, errs, code := s.run(stdin, args...)
	if code != 0 {
		s.t.Fatalf("egide %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// TestPlantAndGrep plants a value, a key name, a commit message, a large
// value, an author and an uncommitted value, then searches every byte under
// .egide/ for each of them.
func TestPlantAndGrep(t *testing.T) {
	s := newSandbox(t)
	s.must("", "init")
	big := "PLANTED-BIG-5d1e" + strings.Repeat("x", 2000)
	planted := map[string]string{
		"value":          "PLANTED-VALUE-7f3a9c",
		"key name":       "PLANTED_KEY_b81d",
		"commit message": "PLANTED-MESSAGE-c2e4",
		"big value":      "PLANTED-BIG-5d1e",
		"author":         "PLANTED-AUTHOR-0a9f",
		"working value":  "PLANTED-WORKING-91ab",
		"working key":    "PLANTED_WORKKEY_33c0",
		"local value":    "PLANTED-LOCAL-77d2",
		"local key":      "PLANTED_LOCALKEY_e5a1",
		"identity":       s.secret,
	}
	s.env = append(s.env, "EGIDE_AUTHOR=PLANTED-AUTHOR-0a9f <a@example.com>")
	s.must(planted["value"], "set", planted["key name"])
	s.must(big, "set", "BIG")
	s.must("", "commit", "-m", planted["commit message"])
	s.must("", "env", "rotate-key", "dev")
	s.must(planted["working value"], "set", planted["working key"])
	s.must(planted["local value"], "set", "--local", planted["local key"])
	if got := s.must("", "get", planted["key name"]); got != planted["value"] {
		t.Fatalf("get = %q", got)
	}
	files := 0
	err := filepath.WalkDir(filepath.Join(s.dir, ".egide"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for what, p := range planted {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("%s found in clear in %s", what, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no files under .egide")
	}
}

// TestTenWriters starts ten processes that set different keys of one
// environment at the same moment: all ten changes must land, and no
// "database is locked" may reach a user.
func TestTenWriters(t *testing.T) {
	s := newSandbox(t)
	s.must("", "init")
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		errs := make([]string, 10)
		codes := make([]int, 10)
		start := make(chan struct{})
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := s.cmd("", "set", fmt.Sprintf("W%d_%d=value-%d-%d", round, i, round, i))
				var eb bytes.Buffer
				c.Stderr = &eb
				<-start
				err := c.Run()
				if ee, ok := err.(*exec.ExitError); ok {
					codes[i] = ee.ExitCode()
				} else if err != nil {
					codes[i] = -1
				}
				errs[i] = eb.String()
			}(i)
		}
		close(start)
		wg.Wait()
		for i := 0; i < 10; i++ {
			if codes[i] != 0 || strings.Contains(strings.ToLower(errs[i]), "locked") || strings.Contains(strings.ToLower(errs[i]), "busy") {
				t.Errorf("round %d writer %d: exit %d: %s", round, i, codes[i], errs[i])
			}
		}
		out := s.must("", "export")
		for i := 0; i < 10; i++ {
			if !strings.Contains(out, fmt.Sprintf("W%d_%d=value-%d-%d\n", round, i, round, i)) {
				t.Errorf("round %d: key W%d_%d missing after concurrent sets", round, round, i)
			}
		}
		s.must("", "commit", "-m", fmt.Sprintf("round %d", round))
	}
}

// TestKillDuringCommit kills 'egide commit' of 5,000 changed keys with
// SIGKILL at random moments. After every kill the repository must pass
// fsck and hold either the old state or the new one, never a mix.
func TestKillDuringCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 loop skipped in -short mode")
	}
	const keys = 5000
	s := newSandbox(t)
	s.must("", "init")
	file := filepath.Join(s.dir, "..", "values.env")
	stage := func(round int) {
		var b strings.Builder
		for i := 0; i < keys; i++ {
			fmt.Fprintf(&b, "K%04d=round-%d-value-%d\n", i, round, i)
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		s.must("", "import", file)
	}
	// Rounds -1 and 0 commit normally; round 0 (not a root commit) measures
	// how long a commit of every key takes.
	stage(-1)
	s.must("", "commit", "-m", "round -1")
	stage(0)
	began := time.Now()
	s.must("", "commit", "-m", "round 0")
	full := time.Since(began)
	committed := 0
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	killed, completed := 0, 0
	for round := 1; round <= 20; round++ {
		stage(round)
		c := s.cmd("", "commit", "-m", fmt.Sprintf("round %d", round))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(3 * int64(full)))
		timer := time.AfterFunc(delay, func() { c.Process.Signal(syscall.SIGKILL) })
		err := c.Wait()
		timer.Stop()
		if err == nil {
			completed++
		} else {
			killed++
		}
		if out, errs, code := s.run("", "fsck"); code != 0 {
			t.Fatalf("round %d (killed after %v): fsck failed:\n%s%s", round, delay, out, errs)
		}
		head := s.must("", "get", "K0000", "--at", "HEAD")
		switch head {
		case fmt.Sprintf("round-%d-value-0", round):
			committed = round
		case fmt.Sprintf("round-%d-value-0", committed):
			// Not committed: the staged values must all still be there.
			if v := s.must("", "get", "K4999"); v != fmt.Sprintf("round-%d-value-4999", round) {
				t.Fatalf("round %d: staged value lost after kill: %q", round, v)
			}
		default:
			t.Fatalf("round %d: HEAD holds %q, neither the old nor the new state", round, head)
		}
		state := s.must("", "export", "--at", "HEAD")
		if n := strings.Count(state, "\n"); n != keys {
			t.Fatalf("round %d: HEAD has %d keys, want %d", round, n, keys)
		}
		want := fmt.Sprintf("round-%d-value-", committed)
		if strings.Count(state, want) != keys {
			t.Fatalf("round %d: HEAD mixes states (want all values from round %d)", round, committed)
		}
	}
	t.Logf("commit of %d keys took %v; %d commits killed, %d completed", keys, full, killed, completed)
	if killed == 0 || completed == 0 {
		t.Fatalf("the kill moments did not cover both outcomes (%d killed, %d completed): the test proved nothing", killed, completed)
	}
}
