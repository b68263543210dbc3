package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
)

// The fixture's secret values: no golden file may hold one unless its
// test reveals values on purpose (TestGoldensHoldNoSecrets).
var secretValues = []string{"sk_live_51HxQ", "hunter2-db-pass", "s3cr3t-rotated", "ghp_tok3n-value"}

// fixture is a real repository (SQLite file, sealed envelopes, signed
// commits) with a small history on a fixed clock.
type fixture struct {
	t   *testing.T
	ctx context.Context
	r   *repo.Repository
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	id, _, err := vault.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f.r, err = repo.Init(f.ctx, t.TempDir(), repo.InitOptions{Project: "shop"}, repo.Options{
		Identity: func() (*vault.Identity, error) { return id, nil },
		Now:      func() time.Time { f.now = f.now.Add(time.Minute); return f.now },
		Author:   func() string { return "Ada Lovelace <ada@example.com>" },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.r.Close() })
	f.set("dev", "STRIPE_KEY", secretValues[0], "DATABASE_URL", "postgres://app:"+secretValues[1]+"@db/app", "LOG_LEVEL", "debug")
	f.commit("dev", "add stripe and the database")
	f.set("dev", "DATABASE_URL", "postgres://app:"+secretValues[2]+"@db/app")
	f.commit("dev", "rotate the database password")
	f.set("dev", "GITHUB_TOKEN", secretValues[3])
	f.commit("dev", "add a GitHub token for the release job")
	if err := f.r.CreateEnv(f.ctx, "prod", ""); err != nil {
		t.Fatal(err)
	}
	// Uncommitted: one change, one addition.
	f.set("dev", "LOG_LEVEL", "info", "FEATURE_FLAGS", "beta,search")
	return f
}

func (f *fixture) set(env string, kv ...string) {
	f.t.Helper()
	var es []repo.Entry
	for i := 0; i < len(kv); i += 2 {
		es = append(es, repo.Entry{Key: kv[i], Value: kv[i+1]})
	}
	if err := f.r.Set(f.ctx, env, es); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) commit(env, msg string) *repo.Commit {
	f.t.Helper()
	c, err := f.r.Commit(f.ctx, env, msg)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) model(env string) *Model {
	f.t.Helper()
	now := f.now.Add(2 * time.Hour)
	m, err := New(f.ctx, f.r, Options{Env: env, NoColor: true, Now: func() time.Time { return now }})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// screen is what the terminal shows for m: the view without escape codes,
// with commit ids and recipients (random in every run) replaced by stable
// labels of the same width.
func (f *fixture) screen(m *Model) string {
	f.t.Helper()
	s := ansi.Strip(m.View().Content)
	log, err := f.r.Log(f.ctx, "dev", repo.LogOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	for i, e := range log {
		label := fmt.Sprintf("C%d", len(log)-i)
		// The id, whole or cut short by the pane.
		s = regexp.MustCompile(e.ID.Short()+`[0-9a-f]*`).ReplaceAllStringFunc(s, func(id string) string {
			return label + strings.Repeat("_", len(id)-len(label))
		})
	}
	return regexp.MustCompile(`age1[0-9a-z]+`).ReplaceAllStringFunc(s, func(r string) string {
		return "age1" + strings.Repeat("x", len(r)-4)
	})
}

// pollMsg wakes the program so that run's filter looks at the model.
type pollMsg struct{}

// run drives m in a real bubbletea program of w×h: it waits until the
// model is idle (every load answered, every write done), sends each key
// (each string is typed; "<enter>" and the like are special keys) and
// waits for idle again after it, then waits until the model satisfies
// until, and returns the final model. The model is only read inside the
// program's loop, through its filter.
func run(t *testing.T, m *Model, w, h int, until func(*Model) bool, keys ...string) *Model {
	t.Helper()
	var (
		mu   sync.Mutex
		want func(*Model) bool
		hit  chan struct{}
	)
	filter := func(mm tea.Model, msg tea.Msg) tea.Msg {
		mu.Lock()
		defer mu.Unlock()
		// Only at a poll: sent after the awaited keys, it comes to the
		// filter once their Update has run (the program's channel is
		// unbuffered), whereas a key's own filter call sees the model
		// before that key.
		if _, poll := msg.(pollMsg); poll && want != nil && want(mm.(*Model)) {
			close(hit)
			want = nil
		}
		return msg
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithFilter(filter)))
	await := func(what string, p func(*Model) bool) {
		t.Helper()
		mu.Lock()
		want, hit = p, make(chan struct{})
		done := hit
		mu.Unlock()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case <-done:
				return
			case <-deadline:
				tm.Quit()
				fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
				t.Fatalf("the model never became %s (status %q, error %v, %d loads and writing %v); screen:\n%s",
					what, fm.status, fm.err, fm.reading, fm.writing, ansi.Strip(fm.View().Content))
			case <-time.After(10 * time.Millisecond):
				tm.Send(pollMsg{}) // the filter sees the model after every message before it
			}
		}
	}
	idle := func(m *Model) bool { return m.reading == 0 && !m.writing }
	await("idle", idle)
	for _, k := range keys {
		if sk, ok := special[k]; ok {
			tm.Send(sk)
		} else {
			tm.Type(k)
		}
		await("idle after "+k, idle)
	}
	if until != nil {
		await("the awaited state", func(m *Model) bool { return idle(m) && until(m) })
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
}

func statusPrefix(p string) func(*Model) bool {
	return func(m *Model) bool { return strings.HasPrefix(m.status, p) }
}

var special = map[string]tea.KeyPressMsg{
	"<enter>":  {Code: tea.KeyEnter},
	"<esc>":    {Code: tea.KeyEscape},
	"<tab>":    {Code: tea.KeyTab},
	"<down>":   {Code: tea.KeyDown},
	"<space>":  {Code: tea.KeySpace, Text: " "},
	"<ctrl+s>": {Code: 's', Mod: tea.ModCtrl},
}

func TestGoldenScreens(t *testing.T) {
	f := newFixture(t)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("browse_%dx%d", w, h), func(t *testing.T) {
			m := run(t, f.model("dev"), w, h, nil)
			golden.RequireEqual(t, f.screen(m))
		})
		t.Run(fmt.Sprintf("commit_%dx%d", w, h), func(t *testing.T) {
			// To the history pane, down to the second commit, open it.
			m := run(t, f.model("dev"), w, h, func(m *Model) bool { return m.mode == modeDetail }, "<tab>", "j", "<enter>")
			golden.RequireEqual(t, f.screen(m))
		})
		t.Run(fmt.Sprintf("help_%dx%d", w, h), func(t *testing.T) {
			m := run(t, f.model("dev"), w, h, nil, "?")
			golden.RequireEqual(t, f.screen(m))
		})
	}
	t.Run("edit_80x24", func(t *testing.T) {
		m := run(t, f.model("dev"), 80, 24, nil, "j", "e")
		golden.RequireEqual(t, f.screen(m))
	})
	t.Run("reveal_120x40", func(t *testing.T) {
		// Revealed on purpose: the one golden allowed to hold values.
		m := run(t, f.model("dev"), 120, 40, nil, "R")
		golden.RequireEqual(t, f.screen(m))
	})
}

// TestGoldensHoldNoSecrets checks every golden screen but the reveal ones
// for the fixture's secret values.
func TestGoldensHoldNoSecrets(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	revealed := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range secretValues {
			if bytes.Contains(b, []byte(v)) {
				if strings.Contains(filepath.Base(p), "reveal") {
					revealed++
					continue
				}
				t.Errorf("%s holds the secret value %q", p, v)
			}
		}
	}
	if revealed == 0 {
		t.Error("the reveal golden shows no value: the check above would not notice a leak")
	}
}

// TestMaskedUntilRevealed: values are masked; space reveals the selected
// one only, and again hides it.
func TestMaskedUntilRevealed(t *testing.T) {
	f := newFixture(t)
	m := f.model("dev")
	s := f.screen(m)
	for _, v := range secretValues {
		if strings.Contains(s, v) {
			t.Fatalf("first screen shows %q", v)
		}
	}
	// Rows: DATABASE_URL, FEATURE_FLAGS, GITHUB_TOKEN, LOG_LEVEL, STRIPE_KEY.
	m = run(t, m, 120, 40, nil, "j", "j", "<space>")
	s = f.screen(m)
	if !strings.Contains(s, secretValues[3]) {
		t.Fatalf("space did not reveal GITHUB_TOKEN:\n%s", s)
	}
	if strings.Contains(s, secretValues[0]) || strings.Contains(s, secretValues[2]) {
		t.Fatalf("space revealed more than the selected key:\n%s", s)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	if s := f.screen(m); strings.Contains(s, secretValues[3]) {
		t.Fatal("a second space did not hide the value")
	}
	// R reveals all until its timer fires.
	m.Update(tea.KeyPressMsg{Code: 'R', Text: "R"})
	if s := f.screen(m); !strings.Contains(s, secretValues[0]) || !strings.Contains(s, secretValues[3]) {
		t.Fatalf("R did not reveal every value:\n%s", s)
	}
	m.Update(revealEndMsg{gen: m.revealGen})
	if s := f.screen(m); strings.Contains(s, secretValues[0]) {
		t.Fatal("values still shown after the reveal timer")
	}
}

// TestEditThenCommit adds a key and edits another through the UI, commits,
// and checks what the repository recorded.
func TestEditThenCommit(t *testing.T) {
	f := newFixture(t)
	m := run(t, f.model("dev"), 80, 24, statusPrefix("committed"),
		"a", "NEW_KEY", "<enter>", "first line", "<enter>", "second line", "<ctrl+s>",
		"g", "e", "<ctrl+s>", // DATABASE_URL saved unchanged: no change
		"c", "from the ui", "<enter>")
	if m.err != nil {
		t.Fatal(m.err)
	}
	log, err := f.r.Log(f.ctx, "dev", repo.LogOptions{Max: 1, Patch: true})
	if err != nil || len(log) != 1 {
		t.Fatal(log, err)
	}
	if log[0].Message != "from the ui" {
		t.Fatalf("HEAD message %q", log[0].Message)
	}
	var keys []string
	for _, c := range log[0].Changes {
		keys = append(keys, string(c.Kind)+" "+c.Key)
	}
	if got := strings.Join(keys, ", "); got != "added FEATURE_FLAGS, changed LOG_LEVEL, added NEW_KEY" {
		t.Fatalf("the commit changed %s", got)
	}
	if v, err := f.r.Get(f.ctx, "dev", "NEW_KEY", ""); err != nil || v != "first line\nsecond line" {
		t.Fatalf("NEW_KEY = %q, %v", v, err)
	}
	if st, _ := f.r.Status(f.ctx, "dev"); len(st) != 0 {
		t.Fatalf("uncommitted after the commit: %v", st)
	}
}

// TestDeleteAndRevert deletes a key (after y), commits, then reverts that
// commit from the history pane.
func TestDeleteAndRevert(t *testing.T) {
	f := newFixture(t)
	f.commit("dev", "clean up") // commits the fixture's uncommitted changes
	m := run(t, f.model("dev"), 80, 24, statusPrefix("committed"),
		"G", "x", "y", "c", "drop stripe", "<enter>")
	if _, err := f.r.Get(f.ctx, "dev", "STRIPE_KEY", ""); err == nil {
		t.Fatal("STRIPE_KEY still there after x, y and a commit")
	}
	// The newest commit is selected in the history pane: u, then y.
	m = run(t, m, 80, 24, statusPrefix("reverted"), "<tab>", "u", "y")
	if m.err != nil {
		t.Fatal(m.err)
	}
	if v, err := f.r.Get(f.ctx, "dev", "STRIPE_KEY", ""); err != nil || v != secretValues[0] {
		t.Fatalf("after the revert STRIPE_KEY = %q, %v", v, err)
	}
	log, _ := f.r.Log(f.ctx, "dev", repo.LogOptions{Max: 1})
	if !strings.HasPrefix(log[0].Message, "Revert") {
		t.Fatalf("HEAD is %q, want the revert", log[0].Message)
	}
	// n (or anything but y) cancels: nothing changes.
	m = run(t, m, 80, 24, statusPrefix("cancelled"), "h", "G", "x", "n")
	if m.status != "cancelled" {
		t.Fatalf("status after x, n: %q", m.status)
	}
	if st, _ := f.r.Status(f.ctx, "dev"); len(st) != 0 {
		t.Fatalf("a cancelled delete staged %v", st)
	}
}

// TestFilter narrows keys and then commits as one types.
func TestFilter(t *testing.T) {
	f := newFixture(t)
	m := run(t, f.model("dev"), 80, 24, nil, "/", "tok")
	if rs := m.visibleRows(); len(rs) != 1 || rs[0].Key != "GITHUB_TOKEN" {
		t.Fatalf("/tok shows %v", rs)
	}
	m = run(t, m, 80, 24, nil, "<esc>", "<tab>", "/", "rotate")
	if cs := m.visibleCommits(); len(cs) != 1 || cs[0].Message != "rotate the database password" {
		t.Fatalf("/rotate shows %d commits", len(cs))
	}
	if rs := m.visibleRows(); len(rs) != 5 {
		t.Fatalf("esc did not clear the key filter: %d rows", len(rs))
	}
}

// TestKeyHistoryAndDiff: enter on a key shows that key's history; two
// marked commits diff against each other.
func TestKeyHistoryAndDiff(t *testing.T) {
	f := newFixture(t)
	m := run(t, f.model("dev"), 120, 40, func(m *Model) bool { return m.historyKey != "" && !m.loading }, "<enter>") // DATABASE_URL
	if m.historyKey != "DATABASE_URL" || len(m.commits) != 2 {
		t.Fatalf("key history of DATABASE_URL: key %q, %d commits", m.historyKey, len(m.commits))
	}
	m = run(t, m, 120, 40, func(m *Model) bool { return m.mode == modeDetail }, "<esc>", "<tab>", "m", "G", "m", "d")
	if m.mode != modeDetail || !strings.HasPrefix(m.detailFor, "diff ") {
		t.Fatalf("d did not open a diff (mode %d, %q)", m.mode, m.detailFor)
	}
	var got []string
	for _, c := range m.detailCh {
		got = append(got, string(c.Kind)+" "+c.Key)
	}
	// From the first commit to the third: the password changed, a token came.
	if s := strings.Join(got, ", "); s != "changed DATABASE_URL, added GITHUB_TOKEN" {
		t.Fatalf("diff of the marked commits: %s", s)
	}
}

// TestHistoryPages: with a small page size the history is read as the
// cursor moves, and every commit is reached once.
func TestHistoryPages(t *testing.T) {
	f := newFixture(t)
	for i := range 30 {
		f.set("dev", "COUNTER", fmt.Sprint(i))
		f.commit("dev", fmt.Sprint("step ", i))
	}
	now := f.now
	m, err := New(f.ctx, f.r, Options{Env: "dev", NoColor: true, PageSize: 7, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.commits) != 7 {
		t.Fatalf("first page: %d commits, want 7", len(m.commits))
	}
	keys := []string{"<tab>"}
	for range 40 {
		keys = append(keys, "j")
	}
	m = run(t, m, 80, 24, func(m *Model) bool { return m.historyDone }, keys...)
	seen := map[string]bool{}
	for _, c := range m.commits {
		if seen[c.ID.String()] {
			t.Fatalf("commit %s listed twice", c.ID.Short())
		}
		seen[c.ID.String()] = true
	}
	if len(m.commits) != 33 || !m.historyDone {
		t.Fatalf("after scrolling: %d commits (done %v), want all 33", len(m.commits), m.historyDone)
	}
}

// TestResize: the screen always fills the terminal exactly.
func TestResize(t *testing.T) {
	f := newFixture(t)
	m := f.model("dev")
	for _, s := range [][2]int{{80, 24}, {120, 40}, {60, 15}, {200, 50}} {
		m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		lines := strings.Split(ansi.Strip(m.View().Content), "\n")
		if len(lines) != s[1] {
			t.Fatalf("%dx%d: %d lines", s[0], s[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != s[0] {
				t.Fatalf("%dx%d: line %d is %d wide: %q", s[0], s[1], i, w, l)
			}
		}
	}
}

// TestEscapesInHistory: a commit message cannot send escape codes to the
// terminal.
func TestEscapesInHistory(t *testing.T) {
	f := newFixture(t)
	f.commit("dev", "evil \x1b]52;c;aGk=\x07 title")
	m := f.model("dev")
	if strings.Contains(m.View().Content, "\x1b]52") {
		t.Fatal("a commit message's escape sequence reaches the terminal")
	}
}

// TestCopyToClipboard: y sends the selected value to the terminal's
// clipboard as OSC 52, and the timer clears it.
func TestCopyToClipboard(t *testing.T) {
	f := newFixture(t)
	tm := teatest.NewTestModel(t, f.model("dev"), teatest.WithInitialTermSize(80, 24))
	tm.Type("jjy") // GITHUB_TOKEN
	set := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(secretValues[3]))
	var out bytes.Buffer
	teatest.WaitFor(t, io.TeeReader(tm.Output(), &out), func(b []byte) bool { return bytes.Contains(b, []byte(set)) },
		teatest.WithDuration(10*time.Second))
	tm.Send(clipEndMsg{gen: 1})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("\x1b]52;c;\x07")) },
		teatest.WithDuration(10*time.Second))
	tm.Quit()
	if s := f.screen(tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)); strings.Contains(s, secretValues[3]) {
		t.Fatal("copying showed the value on screen")
	}
}

// TestNoColor: NO_COLOR gives a screen without colour codes (selection
// stays visible as reverse video); colours otherwise.
func TestNoColor(t *testing.T) {
	f := newFixture(t)
	colour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[0-9;]+)m`)
	plain := f.model("dev")
	if s := plain.View().Content; colour.MatchString(s) || !strings.Contains(s, "\x1b[7m") {
		t.Fatalf("NO_COLOR screen: colour %v, reverse video %v", colour.MatchString(s), strings.Contains(s, "\x1b[7m"))
	}
	now := f.now
	coloured, err := New(f.ctx, f.r, Options{Env: "dev", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if !colour.MatchString(coloured.View().Content) {
		t.Fatal("no colour without NO_COLOR")
	}
}

// TestMouse: the wheel moves the cursor, a click focuses the pane under it;
// without Options.Mouse the view does not ask for mouse events.
func TestMouse(t *testing.T) {
	f := newFixture(t)
	m := f.model("dev")
	if m.View().MouseMode != tea.MouseModeNone {
		t.Fatal("mouse captured without Options.Mouse")
	}
	m.opts.Mouse = true
	if m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("Options.Mouse does not capture the mouse")
	}
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if r, _ := m.selectedRow(); r.Key != "GITHUB_TOKEN" {
		t.Fatalf("two wheel steps down select %s", r.Key)
	}
	m.Update(tea.MouseClickMsg{X: 79, Y: 3, Button: tea.MouseLeft})
	if m.focus != paneHistory {
		t.Fatalf("a click on the right pane focuses pane %d", m.focus)
	}
	m.Update(tea.MouseClickMsg{X: 2, Y: 3, Button: tea.MouseLeft})
	if m.focus != paneEnvs {
		t.Fatalf("a click on the left pane focuses pane %d", m.focus)
	}
}

// TestEditKeepsValuesIntact: a value the text area would alter (a tab) is
// not opened for editing, and its value stays as it was.
func TestEditKeepsValuesIntact(t *testing.T) {
	f := newFixture(t)
	f.set("dev", "AAA_TABBED", "a\tb")
	m := f.model("dev")
	m.Update(tea.KeyPressMsg{Code: 'e', Text: "e"}) // AAA_TABBED is the first row
	if m.mode == modeEdit || m.err == nil || !strings.Contains(m.err.Error(), "egide edit") {
		t.Fatalf("mode %d, error %v: want a refusal pointing to egide edit", m.mode, m.err)
	}
	if v, _ := f.r.Get(f.ctx, "dev", "AAA_TABBED", ""); v != "a\tb" {
		t.Fatalf("value changed to %q", v)
	}
	// A long multi-line value (a PEM block) round-trips through the editor.
	pem := "-----BEGIN KEY-----\n" + strings.Repeat(strings.Repeat("Q", 64)+"\n", 150) + "-----END KEY-----"
	f.set("dev", "AAA_TABBED", pem)
	m = f.model("dev")
	m.Update(tea.KeyPressMsg{Code: 'e', Text: "e"})
	if m.mode != modeEdit || m.editor.Value() != pem {
		t.Fatalf("a 152-line value does not open intact (mode %d, err %v)", m.mode, m.err)
	}
}

// TestWritesKeepTheirOrder: a write asked for while another runs waits
// for it, and nothing queued behind a failed write is made.
func TestWritesKeepTheirOrder(t *testing.T) {
	f := newFixture(t)
	m := f.model("dev")
	var order []string
	step := func(name string, err error) func() (string, error) {
		return func() (string, error) { order = append(order, name); return name, err }
	}
	// drain runs cmd and every command it leads to, in order, the way the
	// program would (one at a time here, so the order is deterministic).
	quit := false
	var drain func(tea.Cmd)
	drain = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		switch msg := cmd().(type) {
		case tea.QuitMsg:
			quit = true
		case tea.BatchMsg:
			for _, c := range msg {
				drain(c)
			}
		case nil:
		default:
			_, next := m.Update(msg)
			drain(next)
		}
	}
	first := m.write(step("delete", nil))
	if m.write(step("commit", nil)) != nil || !m.writing {
		t.Fatal("a second write started while the first was running")
	}
	drain(first)
	if strings.Join(order, ",") != "delete,commit" || m.writing || m.status != "commit" || m.reading != 0 {
		t.Fatalf("order %v, writing %v, status %q, %d loads pending", order, m.writing, m.status, m.reading)
	}

	order = nil
	first = m.write(step("delete", errors.New("disk full")))
	m.write(step("commit", nil))
	drain(first)
	if strings.Join(order, ",") != "delete" || m.writing {
		t.Fatalf("after a failed write: order %v, writing %v", order, m.writing)
	}
	if m.err == nil || !strings.Contains(m.err.Error(), "disk full") || !strings.Contains(m.err.Error(), "1 change(s) asked for after it were not made") {
		t.Fatalf("error after a failed write: %v", m.err)
	}

	// Quit while writes run: the program ends only after the last one.
	order = nil
	first = m.write(step("delete", nil))
	m.write(step("commit", nil))
	if m.quit() != nil || !m.quitting {
		t.Fatal("quit ended the program with writes running")
	}
	drain(first)
	if strings.Join(order, ",") != "delete,commit" || !quit {
		t.Fatalf("quit while writing: order %v, quit %v", order, quit)
	}
	// A write that fails cancels the quit, so that its error is seen.
	order, quit, m.quitting = nil, false, false
	first = m.write(step("delete", errors.New("disk full")))
	m.quit()
	drain(first)
	if quit || m.quitting || m.err == nil {
		t.Fatalf("a failed write while quitting: quit %v, quitting %v, error %v", quit, m.quitting, m.err)
	}
}
