//go:build !race && unix

// The end-to-end tests re-run this test binary as egide in hundreds of
// processes; under -race each would carry the race runtime (40 times
// slower). .ci/test.sh runs them without -race, and everything else with.

package cmd_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/object"
	_ "modernc.org/sqlite"
)

// The bad-input cases that scripts cannot reach: damaged bytes in the
// database, a newer schema, a read-only .egide/ and values with a NUL byte
// or over 128 KiB. Each runs the real egide binary (see sandbox) and checks
// the message, the hint, the exit code, that no value leaks into stderr and
// that nothing changed. The scripts testdata/script/bad_*.txtar cover the
// rest of the same requirement.

// dbPath returns the sandbox's database file.
func (s *sandbox) dbPath() string {
	return filepath.Join(s.dir, repo.DirName, repo.DBName)
}

// dbBytes returns the database file's bytes.
func (s *sandbox) dbBytes() []byte {
	s.t.Helper()
	b, err := os.ReadFile(s.dbPath())
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// openDB opens the sandbox's database behind egide's back.
func (s *sandbox) openDB() *sql.DB {
	s.t.Helper()
	db, err := sql.Open("sqlite", s.dbPath())
	if err != nil {
		s.t.Fatal(err)
	}
	return db
}

// result is what one egide run printed.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int
}

func (s *sandbox) result(stdin string, args ...string) result {
	s.t.Helper()
	out, errs, code := s.run(stdin, args...)
	return result{args: args, stdout: out, stderr: errs, code: code}
}

func (r result) String() string {
	return fmt.Sprintf("egide %s: exit %d\nstdout: %q\nstderr: %q", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// refused fails the test unless r exited 1, printed nothing on stdout and
// printed "egide: error: …" matching msg and "egide: hint: …" matching hint.
func refused(t *testing.T, r result, msg, hint string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("%v\nwant exit 1", r)
	}
	if r.stdout != "" {
		t.Errorf("%v\nwant nothing on stdout", r)
	}
	if !regexp.MustCompile(`(?m)^egide: error: .*(` + msg + `)`).MatchString(r.stderr) {
		t.Errorf("%v\nwant an error matching %q", r, msg)
	}
	if !regexp.MustCompile(`(?m)^egide: hint: .*(` + hint + `)`).MatchString(r.stderr) {
		t.Errorf("%v\nwant a hint matching %q", r, hint)
	}
}

// noLeak fails the test if any of values appears in r's stderr.
func noLeak(t *testing.T, r result, values ...string) {
	t.Helper()
	for _, v := range values {
		if strings.Contains(r.stderr, v) {
			t.Errorf("%v\nstderr holds the secret value %q", r, v)
		}
	}
}

// Values planted by corruptionSandbox.
const (
	smallValue   = "small-secret-4b1e"
	workingValue = "working-secret-9c07"
)

var bigValue = "big-secret-77d2-" + strings.Repeat("0123456789abcdef", 32) // a blob: over 256 bytes

// corruptionSandbox makes a repository with two commits (SMALL inline in
// its tree, BIG in a blob of its own) and one staged change (W).
func corruptionSandbox(t *testing.T) *sandbox {
	s := newSandbox(t)
	s.must("", "init")
	s.must("", "set", "SMALL=old-small-value")
	s.must("", "commit", "-m", "first")
	s.must("", "set", "SMALL="+smallValue, "BIG="+bigValue)
	s.must("", "commit", "-m", "second")
	s.must(workingValue, "set", "W")
	return s
}

// headFiles returns the paths of the HEAD files beside the database.
func (s *sandbox) headFiles() []string {
	s.t.Helper()
	files, err := filepath.Glob(filepath.Join(filepath.Dir(s.dbPath()), "head-*"))
	if err != nil {
		s.t.Fatal(err)
	}
	return files
}

// removeHeadFiles removes the HEAD files beside the database.
func (s *sandbox) removeHeadFiles() {
	s.t.Helper()
	for _, f := range s.headFiles() {
		if err := os.Remove(f); err != nil {
			s.t.Fatal(err)
		}
	}
}

// flip changes one byte in the middle of a column of the one row of table
// that where selects, and returns a function that puts the byte back.
func (s *sandbox) flip(table, column, where string, args ...any) (restore func()) {
	s.t.Helper()
	db := s.openDB()
	defer db.Close()
	rows, err := db.Query(fmt.Sprintf(`SELECT %s FROM %s WHERE %s`, column, table, where), args...)
	if err != nil {
		s.t.Fatal(err)
	}
	var values [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			s.t.Fatal(err)
		}
		values = append(values, b)
	}
	if err := rows.Close(); err != nil {
		s.t.Fatal(err)
	}
	if len(values) != 1 {
		s.t.Fatalf("%s WHERE %s: %d rows, want 1", table, where, len(values))
	}
	orig := values[0]
	damaged := bytes.Clone(orig)
	damaged[len(damaged)/2] ^= 0x40
	update := func(v []byte) {
		s.t.Helper()
		db := s.openDB()
		defer db.Close()
		res, err := db.Exec(fmt.Sprintf(`UPDATE %s SET %s = ? WHERE %s`, table, column, where), append([]any{v}, args...)...)
		if err != nil {
			s.t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			s.t.Fatalf("update %s: %d rows (%v), want 1", table, n, err)
		}
		if err := db.Close(); err != nil {
			s.t.Fatal(err)
		}
	}
	update(damaged)
	return func() { update(orig) }
}

// objectsOfType returns the ids of the stored objects of one type.
func (s *sandbox) objectsOfType(typ object.Type) []object.ID {
	s.t.Helper()
	db := s.openDB()
	defer db.Close()
	rows, err := db.Query(`SELECT id, data FROM objects`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	var ids []object.ID
	for rows.Next() {
		var id, data []byte
		if err := rows.Scan(&id, &data); err != nil {
			s.t.Fatal(err)
		}
		h, _, err := object.Decode(data)
		if err != nil {
			s.t.Fatal(err)
		}
		if h.Type == typ {
			ids = append(ids, object.ID(id))
		}
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	return ids
}

// headCommit returns dev's HEAD commit and the root of its tree.
func (s *sandbox) headCommit() (commit, tree object.ID) {
	s.t.Helper()
	db := s.openDB()
	defer db.Close()
	var target, data []byte
	if err := db.QueryRow(`SELECT target FROM refs WHERE name = 'envs/dev'`).Scan(&target); err != nil {
		s.t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT data FROM objects WHERE id = ?`, target).Scan(&data); err != nil {
		s.t.Fatal(err)
	}
	h, _, err := object.Decode(data)
	if err != nil || h.Type != object.TypeCommit || len(h.Refs) == 0 {
		s.t.Fatalf("HEAD %x: %v %v", target, h, err)
	}
	return object.ID(target), h.Refs[0]
}

// TestBadFlippedByte damages one byte of each kind of stored data in turn:
// fsck must fail and name the damaged object (or environment), every read
// that needs the damaged data must refuse with an error about corruption
// and a hint to run fsck, and no read may print a wrong value.
func TestBadFlippedByte(t *testing.T) {
	s := corruptionSandbox(t)
	blobs := s.objectsOfType(object.TypeBlob)
	if len(blobs) != 1 {
		t.Fatalf("%d blobs, want 1 (BIG)", len(blobs))
	}
	head, tree := s.headCommit()

	// The reads, and what each prints on an undamaged repository.
	reads := [][]string{
		{"get", "SMALL"},
		{"get", "BIG"},
		{"get", "W"},
		{"get", "SMALL", "--at", "HEAD"},
		{"export"},
		{"export", "--at", "HEAD"},
		{"export", "--at", "HEAD~1"},
		{"list", "--json"},
		{"status", "--json"},
		{"log", "--json"},
	}
	want := map[string]string{}
	for _, args := range reads {
		want[strings.Join(args, " ")] = s.must("", args...)
	}
	if got := want["get BIG"]; got != bigValue {
		t.Fatalf("get BIG = %q", got)
	}
	if r := s.result("", "fsck"); r.code != 0 {
		t.Fatalf("fsck before any damage: %v", r)
	}
	secrets := []string{smallValue, bigValue[:24], workingValue, "old-small-value"}

	const (
		corrupt = `corrupt|tampered|does not verify`
		fsck    = `egide fsck`
	)
	cases := []struct {
		name   string
		damage func() (restore func())
		// names is what fsck's report must name.
		names string
		// refuse lists the reads that need the damaged data.
		refuse []string
	}{
		{
			name:   "blob",
			damage: func() func() { return s.flip("objects", "data", "id = ?", blobs[0][:]) },
			names:  blobs[0].String(),
			refuse: []string{"get BIG", "export --at HEAD"},
		},
		{
			name:   "tree",
			damage: func() func() { return s.flip("objects", "data", "id = ?", tree[:]) },
			names:  tree.String(),
			refuse: []string{"get SMALL", "get BIG", "get SMALL --at HEAD", "export --at HEAD"},
		},
		{
			name:   "head commit",
			damage: func() func() { return s.flip("objects", "data", "id = ?", head[:]) },
			names:  head.String(),
			// HEAD~1 resolves through the commit index, without HEAD's content.
			refuse: []string{"get SMALL", "get BIG", "get SMALL --at HEAD", "export", "export --at HEAD", "list --json", "status --json", "log --json"},
		},
		{
			// With its HEAD file gone, so that reads need the row (the
			// file serves them otherwise, and the row is rewritten by the
			// next commit: TestBadHeadFile).
			name: "heads row",
			damage: func() func() {
				s.removeHeadFiles()
				return s.flip("heads", "data", "1 = 1")
			},
			names:  "env dev",
			refuse: []string{"export", "list --json", "status --json"},
		},
		{
			name:   "working row",
			damage: func() func() { return s.flip("working", "data", "1 = 1") },
			names:  "env dev",
			refuse: []string{"get W", "export", "list --json", "status --json"},
		},
		{
			name:   "envelope",
			damage: func() func() { return s.flip("envelopes", "wrapped", "1 = 1") },
			names:  "env dev",
			refuse: []string{"get SMALL", "get BIG", "get W", "get SMALL --at HEAD", "export", "export --at HEAD", "export --at HEAD~1", "list --json", "status --json", "log --json"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.t = t
			restore := c.damage()
			damaged := s.dbBytes()

			r := s.result("", "fsck")
			if r.code != 1 {
				t.Errorf("%v\nwant exit 1", r)
			}
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(c.names) + `: `).MatchString(r.stdout) {
				t.Errorf("%v\nwant a problem line for %s", r, c.names)
			}
			if !regexp.MustCompile(`(?m)^egide: error: fsck found \d+ problems?$`).MatchString(r.stderr) {
				t.Errorf("%v\nwant 'egide: error: fsck found N problem(s)'", r)
			}
			noLeak(t, r, secrets...)
			if strings.Contains(r.stdout, smallValue) || strings.Contains(r.stdout, workingValue) {
				t.Errorf("%v\nfsck printed a value", r)
			}

			mustRefuse := map[string]bool{}
			for _, name := range c.refuse {
				mustRefuse[name] = true
			}
			for _, args := range reads {
				name := strings.Join(args, " ")
				r := s.result("", args...)
				noLeak(t, r, secrets...)
				switch {
				case mustRefuse[name]:
					refused(t, r, corrupt, fsck)
				case r.code == 0:
					// It did not need the damaged data: its output must be
					// exactly the undamaged one.
					if r.stdout != want[name] {
						t.Errorf("%v\nprinted other data than before the damage: %q", r, want[name])
					}
				default:
					refused(t, r, corrupt, fsck)
				}
			}
			if !bytes.Equal(s.dbBytes(), damaged) {
				t.Error("a read changed the database")
			}

			restore()
			if r := s.result("", "fsck"); r.code != 0 {
				t.Fatalf("fsck after restoring the byte: %v", r)
			}
		})
	}
}

// TestBadHeadFile: the HEAD file beside the database is a cache. Damaged,
// truncated, stale (an older commit's) or another environment's, it is
// ignored: every read prints what it printed before, 'run' injects the
// same environment, fsck finds nothing, and the next read rewrites it.
// dev has an uncommitted change (HEAD plus the working state), other is
// clean (HEAD alone).
func TestBadHeadFile(t *testing.T) {
	s := corruptionSandbox(t)
	devFiles := s.headFiles()
	if len(devFiles) != 1 {
		t.Fatalf("HEAD files %v, want one", devFiles)
	}
	dev := devFiles[0]
	s.must("", "env", "create", "other")
	s.must("", "set", "-e", "other", "O=other-value-7d21")
	s.must("", "commit", "-e", "other", "-m", "other")
	var other string
	for _, f := range s.headFiles() {
		if f != dev {
			other = f
		}
	}
	read := func(f string) []byte {
		t.Helper()
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	devStale, otherStale := read(dev), read(other)
	s.must("", "commit", "-m", "third")
	s.must("w2-value-61c0", "set", "W2")
	s.must("", "set", "-e", "other", "O=other-value-2")
	s.must("", "commit", "-e", "other", "-m", "other 2")
	devGood, otherGood := read(dev), read(other)

	reads := [][]string{
		{"export"},
		{"export", "--at", "HEAD"},
		{"list", "--json"},
		{"status", "--json"},
		{"run", "--", "printenv", "SMALL"},
		{"run", "--", "printenv", "W2"},
		{"run", "--", "sh", "-c", "env | sort"},
		{"export", "-e", "other"},
		{"run", "-e", "other", "--", "sh", "-c", "env | sort"},
		{"run", "-e", "other", "--pristine", "--", "printenv", "O"},
	}
	want := map[string]string{}
	for _, args := range reads {
		want[strings.Join(args, " ")] = s.must("", args...)
	}
	if !strings.Contains(want["run -- sh -c env | sort"], "W2=w2-value-61c0\n") ||
		!strings.Contains(want["run -e other -- sh -c env | sort"], "O=other-value-2\n") {
		t.Fatalf("run does not inject the secrets: %q", want)
	}
	for _, f := range []string{dev, other} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	flipped := func(b []byte) []byte {
		b = bytes.Clone(b)
		b[len(b)/2] ^= 0x40
		return b
	}
	cases := []struct {
		name       string
		dev, other []byte // nil: absent
	}{
		{"flipped byte", flipped(devGood), flipped(otherGood)},
		{"truncated", devGood[:len(devGood)-1], otherGood[:len(otherGood)-1]},
		{"header only", devGood[:60], otherGood[:60]},
		{"empty", []byte{}, []byte{}},
		{"stale", devStale, otherStale},
		{"swapped", otherGood, devGood},
		{"absent", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.t = t
			for f, data := range map[string][]byte{dev: c.dev, other: c.other} {
				if data == nil {
					if err := os.Remove(f); err != nil {
						t.Fatal(err)
					}
				} else if err := os.WriteFile(f, data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if r := s.result("", "fsck"); r.code != 0 {
				t.Errorf("fsck: %v", r)
			}
			for _, args := range reads {
				name := strings.Join(args, " ")
				if r := s.result("", args...); r.code != 0 || r.stdout != want[name] {
					t.Errorf("%v\nwant %q", r, want[name])
				}
			}
			for f, data := range map[string][]byte{dev: c.dev, other: c.other} {
				b, err := os.ReadFile(f)
				if err != nil || bytes.Equal(b, data) {
					t.Errorf("%s was not rewritten (%v)", f, err)
				}
				if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("rewritten %s: %v %v", f, fi, err)
				}
			}
		})
	}
	// A leftover temporary file (a crash before the rename) is ignored.
	if err := os.WriteFile(dev+".tmp123", flipped(devGood), 0o600); err != nil {
		t.Fatal(err)
	}
	s.t = t
	for _, args := range reads {
		if got := s.must("", args...); got != want[strings.Join(args, " ")] {
			t.Errorf("%v with a leftover temporary file: %q", args, got)
		}
	}
	if r := s.result("", "fsck"); r.code != 0 {
		t.Errorf("fsck with a leftover temporary file: %v", r)
	}
	// Deleting an environment deletes its HEAD file.
	s.must("", "env", "delete", "other", "--yes")
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s after env delete: %v", other, err)
	}
}

// TestBadNewerSchema: a database from a newer schema version is refused by
// every command, with a hint to upgrade, and left byte for byte as it was.
func TestBadNewerSchema(t *testing.T) {
	s := newSandbox(t)
	s.must("", "init")
	s.must("", "set", "A=schema-secret-e5a1")
	s.must("", "commit", "-m", "first")
	db := s.openDB()
	if _, err := db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before := s.dbBytes()

	for _, args := range [][]string{
		{"get", "A"},
		{"set", "B=new-secret-0c3d"},
		{"log"},
		{"export"},
		{"list"},
		{"status"},
		{"commit", "-m", "x"},
		{"unset", "A"},
		{"env", "list"},
		{"env", "create", "staging"},
		{"fsck"},
	} {
		r := s.result("", args...)
		refused(t, r, `newer`, `upgrade`)
		if !strings.Contains(r.stderr, "99") {
			t.Errorf("%v\nwant the database's version (99) named", r)
		}
		noLeak(t, r, "schema-secret-e5a1", "new-secret-0c3d")
	}
	if !bytes.Equal(s.dbBytes(), before) {
		t.Error("the database changed")
	}
	db = s.openDB()
	defer db.Close()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != 99 {
		t.Errorf("user_version = %d (%v), want 99", v, err)
	}
}

// nobody is the user the read-only test runs egide as when the test runs as
// root (root ignores file modes).
const nobody = 65534

// TestBadReadOnly: in a read-only .egide/, writes fail with a read-only
// error and a hint, and change nothing, while reads keep working.
func TestBadReadOnly(t *testing.T) {
	asRoot := os.Getuid() == 0
	// t.TempDir's parents are 0700: make a folder another user can enter.
	root, err := os.MkdirTemp("", "egide-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(path, 0o755)
			}
			return nil
		})
		os.RemoveAll(root)
	})
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	s := newSandbox(t)
	s.dir = filepath.Join(root, "project")
	home := filepath.Join(root, "home")
	for _, d := range []string{s.dir, home} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i, kv := range s.env {
		if strings.HasPrefix(kv, "HOME=") {
			s.env[i] = "HOME=" + home
		}
	}
	s.must("", "init")
	s.must("", "set", "A=committed-secret-51af")
	s.must("", "commit", "-m", "first")
	s.must("staged-secret-2e90", "set", "W")

	reads := [][]string{
		{"get", "A"},
		{"get", "W"},
		{"export"},
		{"export", "--at", "HEAD"},
		{"list", "--json"},
		{"log", "--json"},
		{"diff", "HEAD"},
		{"status", "--json"},
		{"show"},
		{"env", "list", "--json"},
		{"fsck"},
		{"run", "--", "printenv", "A"},
	}
	want := map[string]string{}
	for _, args := range reads {
		want[strings.Join(args, " ")] = s.must("", args...)
	}

	// Make .egide/ read-only: owned by root and not writable by nobody, or
	// (not root) without write permission.
	egideDir := filepath.Join(s.dir, repo.DirName)
	dirMode, fileMode := os.FileMode(0o755), os.FileMode(0o644)
	if !asRoot {
		dirMode, fileMode = 0o555, 0o444
	}
	entries, err := os.ReadDir(egideDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Chmod(filepath.Join(egideDir, e.Name()), fileMode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(egideDir, dirMode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(egideDir, 0o700) })
	if asRoot {
		if err := os.Chown(home, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		reachable(t)
	}
	snapshot := func() map[string][]byte {
		m := map[string][]byte{}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), "-shm") {
				continue // readers may update the shared-memory index
			}
			b, err := os.ReadFile(filepath.Join(egideDir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m[e.Name()] = b
		}
		return m
	}
	before := snapshot()

	run := func(stdin string, args ...string) result {
		t.Helper()
		c := s.cmd(stdin, args...)
		if asRoot {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		}
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		r := result{args: args, stdout: out.String(), stderr: errb.String()}
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			r.code = ee.ExitCode()
		case errors.Is(err, syscall.EPERM):
			t.Skipf("running egide as uid %d is not available here: %v", nobody, err)
		case err != nil:
			t.Fatalf("egide %v: %v", args, err)
		}
		return r
	}
	if asRoot {
		// Make sure the process really runs as nobody, in this folder.
		r := run("", "version")
		if r.code != 0 {
			t.Fatalf("egide as uid %d: %v", nobody, r)
		}
	}

	secrets := []string{"committed-secret-51af", "staged-secret-2e90", "new-secret-a4c8", "piped-secret-13bb"}
	for _, w := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"set", "B=new-secret-a4c8"}},
		{"piped-secret-13bb", []string{"set", "C"}},
		{"", []string{"unset", "A"}},
		{"", []string{"commit", "-m", "second"}},
		{"", []string{"reset", "--hard", "HEAD"}},
		{"", []string{"env", "create", "staging"}},
		{"", []string{"env", "rotate-key", "dev"}},
	} {
		r := run(w.stdin, w.args...)
		refused(t, r, `read-only`, `chmod`)
		noLeak(t, r, secrets...)
	}
	for _, args := range reads {
		r := run("", args...)
		noLeak(t, r, secrets...)
		if r.code != 0 || r.stdout != want[strings.Join(args, " ")] {
			t.Errorf("%v\nwant exit 0 and the same output as in a writable folder", r)
		}
	}
	after := snapshot()
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed", name)
		}
	}

	// A database of schema 5 (from before the generation file) is read as
	// it is in a read-only folder: version 6 changed no table.
	os.Chmod(egideDir, 0o700)
	os.Chmod(filepath.Join(egideDir, repo.DBName), 0o600)
	db, err := sql.Open("sqlite", filepath.Join(egideDir, repo.DBName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 5"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Chmod(filepath.Join(egideDir, repo.DBName), fileMode)
	os.Chmod(egideDir, dirMode)
	for _, args := range reads {
		r := run("", args...)
		if r.code != 0 || r.stdout != want[strings.Join(args, " ")] {
			t.Errorf("schema 5: %v\nwant exit 0 and the same output as in a writable folder", r)
		}
	}
}

// reachable makes sure that nobody can run the egide binary in $PATH (the
// test binary, linked there by testscript.Main into a 0700 temporary
// folder), or skips the test.
func reachable(t *testing.T) {
	t.Helper()
	bin, err := exec.LookPath("egide")
	if err != nil {
		t.Fatal(err)
	}
	bin, err = filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	// Open up testscript.Main's own folders, .../testscript-main*/bin/egide,
	// and no others.
	if !strings.HasPrefix(filepath.Base(filepath.Dir(filepath.Dir(bin))), "testscript-main") {
		t.Fatalf("egide in $PATH is %s, not the test binary that testscript.Main links", bin)
	}
	for _, d := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(bin))} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o055); err != nil {
				t.Fatal(err)
			}
		}
	}
	for d := filepath.Dir(bin); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("running egide as uid %d is not available here: %s is not searchable by others", nobody, d)
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	if fi, err := os.Stat(bin); err != nil || fi.Mode().Perm()&0o005 != 0o005 {
		t.Skipf("running egide as uid %d is not available here: %s is not executable by others", nobody, bin)
	}
}

// TestBadValue: a value with a NUL byte or over 128 KiB, through stdin,
// --from-file or import, is refused without quoting it, and nothing is
// staged. Exactly 128 KiB is fine.
func TestBadValue(t *testing.T) {
	s := newSandbox(t)
	s.must("", "init")
	s.must("", "set", "KEPT=kept-value")
	s.must("", "commit", "-m", "first")
	s.must("staged-value", "set", "STAGED")
	beforeDB := s.dbBytes()
	beforeStatus := s.must("", "status", "--json")
	beforeExport := s.must("", "export")

	write := func(name, content string) string {
		p := filepath.Join(s.dir, "..", name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const marker = "VALUE-MARKER-6f2d"
	nul := marker + "\x00after-nul"
	over := marker + strings.Repeat("x", repo.MaxValueSize+1-len(marker))
	const nulMsg = `value of K contains a NUL byte`
	const overMsg = `value of K is over the 131072-byte limit \(128 KiB`

	cases := []struct {
		name  string
		stdin string
		args  []string
		msg   string
	}{
		{"nul stdin", nul, []string{"set", "K"}, nulMsg},
		{"nul stdin newline", nul + "\n", []string{"set", "K"}, nulMsg},
		{"nul from-file", "", []string{"set", "K", "--from-file", write("nul.bin", nul)}, nulMsg},
		{"nul import", "", []string{"import", write("nul.env", "GOOD=good-value\nK="+nul+"\n")}, `nul\.env:2: value of K contains a NUL byte`},
		{"nul import json", "", []string{"import", write("nul.json", `{"GOOD": "good-value", "K": "`+marker+`\u0000x"}`)}, `NUL`},
		{"over stdin", over, []string{"set", "K"}, overMsg},
		{"over stdin newline", over + "\n", []string{"set", "K"}, overMsg},
		{"far over stdin", strings.Repeat(over, 8), []string{"set", "K"}, `value of K .*over the 131072-byte limit`},
		{"over from-file", "", []string{"set", "K", "--from-file", write("over.bin", over)}, overMsg},
		{"over import", "", []string{"import", write("over.env", "GOOD=good-value\nK="+over+"\n")}, overMsg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.t = t
			r := s.result(c.stdin, c.args...)
			refused(t, r, c.msg, ``)
			// Only the first bytes of a long stdin are read: the message
			// must not claim that the value is that long.
			if c.name == "far over stdin" && regexp.MustCompile(`is 1310\d\d bytes`).MatchString(r.stderr) {
				t.Errorf("%v\nthe value is %d bytes, not what the error says", r, len(c.stdin))
			}
			noLeak(t, r, marker, "after-nul", "good-value", "xxxxxxxxxxxxxxxx")
			if len(r.stderr) > 1024 {
				t.Errorf("stderr is %d bytes long", len(r.stderr))
			}
		})
	}
	s.t = t
	if !bytes.Equal(s.dbBytes(), beforeDB) {
		t.Error("the database changed")
	}
	if got := s.must("", "status", "--json"); got != beforeStatus {
		t.Errorf("status changed:\n%s\nwant\n%s", got, beforeStatus)
	}
	if got := s.must("", "export"); got != beforeExport {
		t.Errorf("export changed:\n%s\nwant\n%s", got, beforeExport)
	}

	// The limit itself is fine, with or without a final newline on stdin.
	limit := strings.Repeat("y", repo.MaxValueSize)
	s.must("", "set", "K", "--from-file", write("limit.bin", limit))
	if got := s.must("", "get", "K"); got != limit {
		t.Errorf("get K after --from-file: %d bytes, want %d", len(got), len(limit))
	}
	s.must(limit+"\n", "set", "K2")
	if got := s.must("", "get", "K2"); got != limit {
		t.Errorf("get K2 after stdin: %d bytes, want %d", len(got), len(limit))
	}
}
