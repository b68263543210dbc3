package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/secrets"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/vault/keyring"
	_ "modernc.org/sqlite"
)

func TestNewCmdFsck(t *testing.T) {
	f := cmdutil.NewTest(t)
	var got *FsckOptions
	cmd := NewCmdFsck(f.Factory, func(_ context.Context, o *FsckOptions) error { got = o; return nil })
	if err := parse(t, cmd, "--json"); err != nil {
		t.Fatal(err)
	}
	if !got.JSON || got.Repo == nil || got.IO == nil || got.Identity == nil {
		t.Errorf("got %+v", *got)
	}
	cmd = NewCmdFsck(f.Factory, func(context.Context, *FsckOptions) error { return nil })
	if err := parse(t, cmd, "extra"); err == nil {
		t.Error("fsck accepted an argument")
	}
}

func TestFsckRunClean(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			tr := newTestRepo(t)
			tr.IO.SetTTY(false, tty, tty)
			tr.history()
			if err := fsckRun(tr.ctx, &FsckOptions{IO: tr.IO, Repo: tr.Repo}); err != nil {
				t.Fatal(err)
			}
			if tr.Out.String() != "" {
				t.Errorf("stdout = %q, want empty", tr.Out)
			}
			match(t, `^checked \d+ objects, 3 commits and 1 ref; 3 signatures verified\n$`, tr.ErrOut.String())
		})
	}
}

func TestFsckRunJSON(t *testing.T) {
	tr := newTestRepo(t)
	tr.history()
	if err := fsckRun(tr.ctx, &FsckOptions{IO: tr.IO, Repo: tr.Repo, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(tr.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["commits"] != 3.0 || got["refs"] != 1.0 || got["signatures_verified"] != 3.0 || got["objects"].(float64) < 6 {
		t.Errorf("got %v", got)
	}
	for _, k := range []string{"problems", "unreadable_envs"} {
		if l, ok := got[k].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %#v, want []", k, got[k])
		}
	}
	if tr.ErrOut.String() != "" {
		t.Errorf("stderr = %q, want empty with --json", tr.ErrOut)
	}
}

// flipByte changes the last byte of one stored object behind the
// repository's back.
func flipByte(t *testing.T, tr *testRepo, id object.ID) {
	t.Helper()
	tr.Close()
	db, err := sql.Open("sqlite", filepath.Join(tr.Dir, repo.DirName, repo.DBName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var data []byte
	if err := db.QueryRow(`SELECT data FROM objects WHERE id = ?`, id[:]).Scan(&data); err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 0x01
	if _, err := db.Exec(`UPDATE objects SET data = ? WHERE id = ?`, data, id[:]); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	tr.reopen()
}

func TestFsckFlippedByte(t *testing.T) {
	for _, json := range []bool{false, true} {
		t.Run(map[bool]string{false: "human", true: "json"}[json], func(t *testing.T) {
			tr := newTestRepo(t)
			cs := tr.history()
			tree := cs[2].Tree // a leaf: it holds A and C inline
			flipByte(t, tr, tree)

			err := fsckRun(tr.ctx, &FsckOptions{IO: tr.IO, Repo: tr.Repo, JSON: json})
			var exit *cmdutil.ExitError
			if !errors.As(err, &exit) || exit.Code != 1 || exit.Message != "fsck found 1 problem" {
				t.Fatalf("err = %#v, want ExitError{1, fsck found 1 problem}", err)
			}
			if json {
				match(t, `"object": "`+tree.String()+`",\s+"problem": "content does not match its id`, tr.Out.String())
			} else {
				want := tree.String() + ": content does not match its id (damaged or tampered with)\n"
				if got := tr.Out.String(); got != want {
					t.Errorf("stdout = %q, want %q", got, want)
				}
			}

			// Reading a key of the damaged tree fails, and says so without a value.
			tr.resetOutput()
			get := secrets.NewCmdGet(tr.Factory, nil)
			err = parse(t, get, "A")
			if !errors.Is(err, repo.ErrCorrupt) {
				t.Fatalf("get A: err = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), tree.String()) {
				t.Errorf("error %q does not name the object", err)
			}
			if tr.Out.String() != "" {
				t.Errorf("get printed %q", tr.Out)
			}
			// The history itself still reads; its changes do not.
			if err := logRun(tr.ctx, &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env}); err != nil {
				t.Errorf("log: %v", err)
			}
		})
	}
}

func TestFsckFlippedCommit(t *testing.T) {
	tr := newTestRepo(t)
	cs := tr.history()
	flipByte(t, tr, cs[1].ID)
	err := fsckRun(tr.ctx, &FsckOptions{IO: tr.IO, Repo: tr.Repo})
	var exit *cmdutil.ExitError
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Fatalf("err = %v, want exit code 1", err)
	}
	match(t, `(?m)^`+cs[1].ID.String()+`: content does not match its id`, tr.Out.String())
	err = logRun(tr.ctx, &LogOptions{IO: tr.IO, Repo: tr.Repo, Env: tr.Factory.Env})
	if !errors.Is(err, repo.ErrCorrupt) {
		t.Errorf("log over a damaged commit: err = %v, want ErrCorrupt", err)
	}
}

func TestFsckUnreadableEnv(t *testing.T) {
	tr := newTestRepo(t)
	tr.history()
	other := cmdutil.NewTest(t) // another identity, not a recipient of dev
	other.Dir = tr.Dir
	err := fsckRun(tr.ctx, &FsckOptions{IO: other.IO, Repo: other.ReadOnlyRepo})
	if err != nil {
		t.Fatal(err)
	}
	match(t, `egide: note: env "dev" not fully checked: this identity is not a recipient`, other.ErrOut.String())
	match(t, `checked \d+ objects, 0 commits and 1 ref; 0 signatures verified`, other.ErrOut.String())
}

func TestFsckNoIdentity(t *testing.T) {
	tr := newTestRepo(t)
	tr.history()
	noID := cmdutil.NewTest(t)
	noID.Dir = tr.Dir
	delete(noID.Env, "EGIDE_IDENTITY")
	err := fsckRun(tr.ctx, &FsckOptions{IO: noID.IO, Repo: noID.ReadOnlyRepo, Identity: noID.Factory.Identity})
	if !errors.Is(err, keyring.ErrNoIdentity) {
		t.Fatalf("err = %v, want ErrNoIdentity", err)
	}
	if noID.Out.String() != "" {
		t.Errorf("stdout = %q, want empty", noID.Out)
	}
}
