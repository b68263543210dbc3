package tui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/object"
)

// Source is what the browser reads and writes. *repo.Repository is one.
type Source interface {
	Envs(ctx context.Context) ([]repo.EnvInfo, error)
	Entries(ctx context.Context, env, at string) ([]repo.Entry, error)
	Status(ctx context.Context, env string) ([]repo.Change, error)
	LogPage(ctx context.Context, env string, o repo.LogOptions, from []object.ID) ([]repo.LogEntry, []object.ID, error)
	Show(ctx context.Context, env, ref string) (*repo.LogEntry, error)
	Diff(ctx context.Context, env string, refs ...string) ([]repo.Change, error)
	Set(ctx context.Context, env string, entries []repo.Entry) error
	Unset(ctx context.Context, env string, keys []string) error
	Commit(ctx context.Context, env, message string) (*repo.Commit, error)
	Revert(ctx context.Context, env, ref string) (*repo.Commit, error)
}

// Options tune New.
type Options struct {
	Env      string           // the environment shown first; "" for the current one
	NoColor  bool             // no colours (NO_COLOR): selection by marker and reverse video only
	Mouse    bool             // wheel scrolls, a click focuses a pane
	Now      func() time.Time // the clock for ages and reveal timers (time.Now)
	PageSize int              // commits read per history page (100)
}

// revealFor is how long R reveals every value, and how long a copied value
// stays on the clipboard.
const revealFor = 30 * time.Second

type pane int

const (
	paneEnvs pane = iota
	paneKeys
	paneHistory
)

// mode is what keys currently do.
type mode int

const (
	modeBrowse  mode = iota
	modeFilter       // typing a filter for the focused pane
	modeAddKey       // typing a new key's name
	modeEdit         // editing a value in the textarea
	modeMessage      // typing a commit message
	modeConfirm      // y/n on a delete or a revert
	modeDetail       // a commit or a diff fills the right side
	modeHelp         // every binding
)

// keyRow is one line of the keys pane: the working state, with what
// status would say about it.
type keyRow struct {
	Key, Value string
	Change     repo.ChangeKind // "" when unchanged since HEAD
}

// Model is the browser. Create it with New.
type Model struct {
	ctx  context.Context
	src  Source
	opts Options
	keys keyMap
	st   styles

	width, height int
	focus         pane
	mode          mode

	envs   []repo.EnvInfo
	envSel int
	env    string

	rows           []keyRow
	keySel, keyTop int
	revealed       map[string]bool
	revealAll      bool
	revealGen      int
	clipGen        int

	historyKey           string // "" for the environment's whole history
	commits              []repo.LogEntry
	comSel, comTop       int
	next                 []object.ID
	historyDone, loading bool
	historyGen           int
	marks                []object.ID

	reading int                      // loads started and not yet answered
	writing bool                     // a write is running
	queued  []func() (string, error) // writes waiting for it, in order
	// quitting: quit was asked for while writes ran; the program ends
	// once they are done.
	quitting bool

	filters map[pane]string
	input   textinput.Model
	editor  textarea.Model
	detail  viewport.Model
	help    help.Model

	editKey   string         // the key the editor writes
	confirm   func() tea.Cmd // what 'y' does in modeConfirm
	question  string
	detailFor string // the detail's title
	detailCh  []repo.Change
	detailHdr []string

	status string // the last thing that happened
	err    error  // the last error, shown until the next action
}

// New reads the first screen (environments, the keys of o.Env or of the
// current environment, and a first page of its history) and returns the
// model, ready for tea.NewProgram.
func New(ctx context.Context, src Source, o Options) (*Model, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	m := &Model{
		ctx: ctx, src: src, opts: o, keys: newKeyMap(), st: newStyles(o.NoColor),
		width: 80, height: 24, focus: paneKeys,
		revealed: map[string]bool{}, filters: map[pane]string{},
		input: textinput.New(), editor: textarea.New(), detail: viewport.New(), help: help.New(),
	}
	m.editor.ShowLineNumbers = false
	m.editor.CharLimit = 0
	m.editor.MaxHeight = 0 // no limit on a value's lines (PEM blocks)
	m.editor.MaxWidth = 0
	if o.NoColor {
		// The components' own styles carry colours: plain ones instead.
		m.help.Styles = help.Styles{}
		m.input.SetStyles(textinput.Styles{})
		m.editor.SetStyles(textarea.Styles{})
	}
	envs, err := src.Envs(ctx)
	if err != nil {
		return nil, err
	}
	m.envs = envs
	for i, e := range envs {
		if o.Env == "" && e.Current || o.Env != "" && e.Name == o.Env {
			m.envSel = i
		}
	}
	if len(envs) == 0 {
		return nil, errors.New("the repository has no environment (create one with 'egide env create NAME')")
	}
	if o.Env != "" && envs[m.envSel].Name != o.Env {
		return nil, fmt.Errorf("no environment %q (list them with 'egide env list')", o.Env)
	}
	m.env = envs[m.envSel].Name
	if msg := m.loadKeys(m.env)(); msg != nil {
		m.Update(msg)
	}
	if msg := m.loadHistory(false)(); msg != nil {
		m.Update(msg)
	}
	m.resize(m.width, m.height)
	return m, nil
}

// Init starts nothing: New has read the first screen.
func (m *Model) Init() tea.Cmd { return nil }

// Messages from commands.
type (
	envsMsg struct {
		envs []repo.EnvInfo
		err  error
	}
	keysMsg struct {
		env  string
		rows []keyRow
		err  error
	}
	historyMsg struct {
		gen      int
		entries  []repo.LogEntry
		next     []object.ID
		appended bool
		err      error
	}
	detailMsg struct {
		title  string
		header []string
		ch     []repo.Change
		err    error
	}
	wroteMsg struct {
		status string
		err    error
	}
	revealEndMsg struct{ gen int }
	clipEndMsg   struct{ gen int }
)

func (m *Model) loadEnvs() tea.Cmd {
	m.reading++
	return func() tea.Msg {
		envs, err := m.src.Envs(m.ctx)
		return envsMsg{envs, err}
	}
}

func (m *Model) loadKeys(env string) tea.Cmd {
	m.reading++
	ctx, src := m.ctx, m.src
	return func() tea.Msg {
		es, err := src.Entries(ctx, env, "")
		if err != nil {
			return keysMsg{env: env, err: err}
		}
		ch, err := src.Status(ctx, env)
		if err != nil {
			return keysMsg{env: env, err: err}
		}
		kind := map[string]repo.ChangeKind{}
		for _, c := range ch {
			kind[c.Key] = c.Kind
		}
		rows := make([]keyRow, 0, len(es)+len(ch))
		for _, e := range es {
			rows = append(rows, keyRow{Key: e.Key, Value: e.Value, Change: kind[e.Key]})
		}
		for _, c := range ch {
			if c.Kind == repo.Removed {
				rows = append(rows, keyRow{Key: c.Key, Change: repo.Removed})
			}
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
		return keysMsg{env: env, rows: rows}
	}
}

// loadHistory reads the first page of the current history, or with more
// the page after the loaded ones.
func (m *Model) loadHistory(more bool) tea.Cmd {
	if !more {
		m.historyGen++
		m.next, m.historyDone = nil, false
	}
	m.loading = true
	m.reading++
	gen, env, o := m.historyGen, m.env, repo.LogOptions{Key: m.historyKey, Max: m.opts.PageSize}
	from := m.next
	ctx, src := m.ctx, m.src
	return func() tea.Msg {
		es, next, err := src.LogPage(ctx, env, o, from)
		return historyMsg{gen: gen, entries: es, next: next, appended: more, err: err}
	}
}

// quit ends the program, once the writes asked for are done: bubbletea
// does not wait for running commands, and a queued commit would be lost.
func (m *Model) quit() tea.Cmd {
	if !m.writing {
		return tea.Quit
	}
	m.quitting = true
	m.status = fmt.Sprintf("finishing %d write(s) before quitting (ctrl+c again to quit now)", 1+len(m.queued))
	return nil
}

// write runs f once the writes started before it have finished: writes
// never overtake each other, so a delete confirmed just before a commit is
// in that commit.
func (m *Model) write(f func() (string, error)) tea.Cmd {
	if m.writing {
		m.queued = append(m.queued, f)
		return nil
	}
	m.writing = true
	return func() tea.Msg {
		s, err := f()
		return wroteMsg{status: s, err: err}
	}
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case envsMsg:
		m.reading--
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		m.envs = msg.envs
		m.envSel = 0
		for i, e := range m.envs {
			if e.Name == m.env {
				m.envSel = i
			}
		}
		return m, nil
	case keysMsg:
		m.reading--
		if msg.env != m.env {
			return m, nil // an older environment's answer
		}
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		m.rows = msg.rows
		m.keySel = clamp(m.keySel, 0, len(m.visibleRows())-1)
		return m, nil
	case historyMsg:
		m.reading--
		if msg.gen != m.historyGen {
			return m, nil
		}
		m.loading = false
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		if msg.appended {
			m.commits = append(m.commits, msg.entries...)
		} else {
			m.commits = msg.entries
			m.comSel, m.comTop = 0, 0
		}
		m.next = msg.next
		m.historyDone = msg.next == nil
		return m, nil
	case detailMsg:
		m.reading--
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		m.detailFor, m.detailHdr, m.detailCh = msg.title, msg.header, msg.ch
		m.mode = modeDetail
		m.refreshDetail()
		m.detail.GotoTop()
		return m, nil
	case wroteMsg:
		m.writing = false
		m.err = msg.err
		if msg.err == nil {
			m.status = msg.status
		} else if n := len(m.queued); n > 0 {
			// What was queued behind a failed write may depend on it
			// (a commit after a delete): none of it is made.
			m.queued = nil
			m.err = fmt.Errorf("%w (%d change(s) asked for after it were not made)", msg.err, n)
		}
		if m.quitting {
			if msg.err != nil {
				m.quitting = false // stay, so that the error is seen
			} else if len(m.queued) == 0 {
				return m, tea.Quit
			}
		}
		cmds := []tea.Cmd{m.loadEnvs(), m.loadKeys(m.env), m.loadHistory(false)}
		if len(m.queued) > 0 {
			f := m.queued[0]
			m.queued = m.queued[1:]
			cmds = append(cmds, m.write(f))
		}
		return m, tea.Batch(cmds...)
	case revealEndMsg:
		if msg.gen == m.revealGen {
			m.revealAll = false
			m.refreshDetail()
		}
		return m, nil
	case clipEndMsg:
		if msg.gen == m.clipGen {
			m.status = "clipboard cleared"
			return m, tea.SetClipboard("")
		}
		return m, nil
	case tea.MouseWheelMsg:
		if m.mode == modeBrowse {
			if msg.Mouse().Button == tea.MouseWheelUp {
				return m, m.move(-1)
			}
			return m, m.move(1)
		}
		if m.mode == modeDetail {
			var cmd tea.Cmd
			m.detail, cmd = m.detail.Update(msg)
			return m, cmd
		}
		return m, nil
	case tea.MouseClickMsg:
		if m.mode == modeBrowse {
			ew, kw, _ := m.columns()
			switch x := msg.Mouse().X; {
			case x < ew:
				m.focus = paneEnvs
			case x < ew+kw:
				m.focus = paneKeys
			default:
				m.focus = paneHistory
			}
		}
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	// Anything else (cursor blinks) goes to the focused input.
	return m, m.forward(msg)
}

func (m *Model) forward(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.mode {
	case modeFilter, modeAddKey, modeMessage:
		m.input, cmd = m.input.Update(msg)
	case modeEdit:
		m.editor, cmd = m.editor.Update(msg)
	}
	return cmd
}

// key handles a key press in the current mode.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		if m.quitting {
			return tea.Quit // asked twice: the user will not wait
		}
		return m.quit()
	}
	switch m.mode {
	case modeHelp:
		m.mode = modeBrowse
		return nil
	case modeConfirm:
		m.mode = modeBrowse
		if msg.String() == "y" || msg.String() == "Y" {
			return m.confirm()
		}
		m.status = "cancelled"
		return nil
	case modeFilter:
		switch msg.String() {
		case "esc":
			m.filters[m.focus] = ""
			m.mode = modeBrowse
			return nil
		case "enter":
			m.mode = modeBrowse
			return nil
		}
		cmd := m.forward(msg)
		m.filters[m.focus] = m.input.Value()
		m.keySel, m.keyTop, m.comSel, m.comTop = 0, 0, 0, 0
		return cmd
	case modeAddKey:
		switch msg.String() {
		case "esc":
			m.mode = modeBrowse
			return nil
		case "enter":
			k := strings.TrimSpace(m.input.Value())
			if err := repo.ValidateKey(k); err != nil {
				m.err = err
				return nil
			}
			m.err = nil
			for _, r := range m.rows {
				if r.Key == k && r.Change != repo.Removed {
					return m.startEdit(k, r.Value) // it exists: edit it
				}
			}
			return m.startEdit(k, "")
		}
		return m.forward(msg)
	case modeMessage:
		switch msg.String() {
		case "esc":
			m.mode = modeBrowse
			return nil
		case "enter":
			m.mode = modeBrowse
			return m.commit(m.input.Value())
		}
		return m.forward(msg)
	case modeEdit:
		switch msg.String() {
		case "esc":
			m.mode = modeBrowse
			m.status = "edit cancelled"
			return nil
		case "ctrl+s":
			m.mode = modeBrowse
			k, v := m.editKey, m.editor.Value()
			m.editor.Reset()
			for _, r := range m.rows {
				if r.Key == k && r.Change != repo.Removed && r.Value == v {
					m.status = k + " unchanged"
					return nil
				}
			}
			env := m.env
			return m.write(func() (string, error) {
				if err := m.src.Set(m.ctx, env, []repo.Entry{{Key: k, Value: v}}); err != nil {
					return "", err
				}
				return fmt.Sprintf("staged %s (commit with c)", k), nil
			})
		}
		return m.forward(msg)
	case modeDetail:
		switch {
		case key.Matches(msg, m.keys.Back), key.Matches(msg, m.keys.Quit) && msg.String() == "q":
			m.mode = modeBrowse
			return nil
		case key.Matches(msg, m.keys.RevealAll):
			return m.startRevealAll()
		case key.Matches(msg, m.keys.Revert):
			return m.askRevert()
		}
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(msg)
		return cmd
	}
	return m.browseKey(msg)
}

// browseKey handles a key press on the three panes.
func (m *Model) browseKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	m.err = nil
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
	case key.Matches(msg, k.Up):
		return m.move(-1)
	case key.Matches(msg, k.Down):
		return m.move(1)
	case key.Matches(msg, k.PageUp):
		return m.move(-m.listHeight())
	case key.Matches(msg, k.PageDown):
		return m.move(m.listHeight())
	case key.Matches(msg, k.Top):
		return m.move(-1 << 30)
	case key.Matches(msg, k.Bottom):
		return m.move(1 << 30)
	case key.Matches(msg, k.Left):
		m.focus = (m.focus + 2) % 3
	case key.Matches(msg, k.Right):
		m.focus = (m.focus + 1) % 3
	case key.Matches(msg, k.Reload):
		m.status = "reloaded"
		return tea.Batch(m.loadEnvs(), m.loadKeys(m.env), m.loadHistory(false))
	case key.Matches(msg, k.Filter):
		if m.focus == paneEnvs {
			m.focus = paneKeys
		}
		m.mode = modeFilter
		m.input.Reset()
		m.input.Prompt = "/"
		m.input.Placeholder = "filter " + map[pane]string{paneKeys: "keys", paneHistory: "commits"}[m.focus]
		m.input.SetValue(m.filters[m.focus])
		return m.input.Focus()
	case key.Matches(msg, k.RevealAll):
		return m.startRevealAll()
	case key.Matches(msg, k.Add):
		m.mode = modeAddKey
		m.input.Reset()
		m.input.Prompt = "new key: "
		m.input.Placeholder = "NAME"
		return m.input.Focus()
	case key.Matches(msg, k.Commit):
		m.mode = modeMessage
		m.input.Reset()
		m.input.Prompt = "commit message: "
		m.input.Placeholder = "what changed and why"
		return m.input.Focus()
	case key.Matches(msg, k.Back):
		if m.historyKey != "" {
			m.historyKey = ""
			return m.loadHistory(false)
		}
	}
	switch m.focus {
	case paneEnvs:
		if key.Matches(msg, k.Open) {
			m.focus = paneKeys
		}
	case paneKeys:
		return m.keysKey(msg)
	case paneHistory:
		return m.historyKeyPress(msg)
	}
	return nil
}

func (m *Model) keysKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	r, ok := m.selectedRow()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		if m.historyKey == r.Key {
			m.historyKey = ""
		} else {
			m.historyKey = r.Key
		}
		return m.loadHistory(false)
	case key.Matches(msg, k.Reveal):
		m.revealed[r.Key] = !m.revealed[r.Key]
	case key.Matches(msg, k.Edit):
		if r.Change == repo.Removed {
			m.err = fmt.Errorf("%s is deleted (uncommitted): add it again with a", r.Key)
			return nil
		}
		return m.startEdit(r.Key, r.Value)
	case key.Matches(msg, k.Delete):
		if r.Change == repo.Removed {
			return nil
		}
		env, name := m.env, r.Key
		m.ask(fmt.Sprintf("delete %s from %s? (y/n)", name, env), func() tea.Cmd {
			return m.write(func() (string, error) {
				if err := m.src.Unset(m.ctx, env, []string{name}); err != nil {
					return "", err
				}
				return fmt.Sprintf("deleted %s (commit with c)", name), nil
			})
		})
	case key.Matches(msg, k.Copy):
		if r.Change == repo.Removed {
			return nil
		}
		m.clipGen++
		gen := m.clipGen
		m.status = fmt.Sprintf("copied %s to the clipboard (cleared in %s where the terminal allows)", r.Key, revealFor)
		return tea.Batch(tea.SetClipboard(r.Value), tea.Tick(revealFor, func(time.Time) tea.Msg { return clipEndMsg{gen} }))
	}
	return nil
}

func (m *Model) historyKeyPress(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	c, ok := m.selectedCommit()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		return m.openCommit(c)
	case key.Matches(msg, k.Revert):
		return m.askRevert()
	case key.Matches(msg, k.Mark):
		for i, id := range m.marks {
			if id == c.ID {
				m.marks = append(m.marks[:i], m.marks[i+1:]...)
				return nil
			}
		}
		m.marks = append(m.marks, c.ID)
		if len(m.marks) > 2 {
			m.marks = m.marks[1:]
		}
	case key.Matches(msg, k.Diff):
		var a, b object.ID
		switch len(m.marks) {
		case 2:
			a, b = m.marks[0], m.marks[1]
		case 1:
			a, b = m.marks[0], c.ID
		default:
			m.err = errors.New("mark two commits with m (or one, then select another), then press d")
			return nil
		}
		if m.older(b, a) {
			a, b = b, a
		}
		env := m.env
		m.reading++
		return func() tea.Msg {
			ch, err := m.src.Diff(m.ctx, env, a.String(), b.String())
			return detailMsg{
				title:  fmt.Sprintf("diff %s..%s", a.Short(), b.Short()),
				header: []string{fmt.Sprintf("from %s", a.Short()), fmt.Sprintf("  to %s", b.Short())},
				ch:     ch, err: err,
			}
		}
	}
	return nil
}

// older reports whether commit a is older than b in the loaded history.
func (m *Model) older(a, b object.ID) bool {
	ia, ib := -1, -1
	for i, c := range m.commits {
		switch c.ID {
		case a:
			ia = i
		case b:
			ib = i
		}
	}
	return ia > ib
}

func (m *Model) openCommit(c repo.LogEntry) tea.Cmd {
	env, now := m.env, m.opts.Now()
	m.reading++
	return func() tea.Msg {
		e, err := m.src.Show(m.ctx, env, c.ID.String())
		if err != nil {
			return detailMsg{err: err}
		}
		sig := "signature: NOT VERIFIED"
		if e.Verified {
			sig = "signature: verified"
			if e.Member != "" {
				sig += " (member " + shorten(e.Member, 20) + ")"
			}
		}
		hdr := []string{
			"commit " + e.ID.String(),
			"author " + oneLine(e.Author),
			"date   " + e.Time.UTC().Format("2006-01-02 15:04:05 UTC") + " (" + age(now, e.Time) + " ago)",
			sig,
			"",
		}
		for _, l := range strings.Split(e.Message, "\n") {
			hdr = append(hdr, "    "+oneLine(l))
		}
		return detailMsg{title: "commit " + e.ID.Short(), header: hdr, ch: e.Changes}
	}
}

func (m *Model) askRevert() tea.Cmd {
	c, ok := m.selectedCommit()
	if !ok {
		return nil
	}
	env := m.env
	m.ask(fmt.Sprintf("revert %s %q on %s? (y/n)", c.ID.Short(), oneLine(firstLine(c.Message)), env), func() tea.Cmd {
		return m.write(func() (string, error) {
			rc, err := m.src.Revert(m.ctx, env, c.ID.String())
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("reverted %s: new commit %s", c.ID.Short(), rc.ID.Short()), nil
		})
	})
	return nil
}

func (m *Model) ask(q string, yes func() tea.Cmd) {
	m.mode, m.question, m.confirm = modeConfirm, q, yes
}

func (m *Model) commit(message string) tea.Cmd {
	message = strings.TrimSpace(message)
	if message == "" {
		m.err = errors.New("nothing committed: a commit needs a message (press c and type one)")
		return nil
	}
	env := m.env
	return m.write(func() (string, error) {
		c, err := m.src.Commit(m.ctx, env, message)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("committed %s on %s", c.ID.Short(), env), nil
	})
}

func (m *Model) startEdit(k, v string) tea.Cmd {
	m.editor.Reset()
	m.editor.SetValue(v)
	if m.editor.Value() != v {
		// The text area drops control characters and turns tabs into
		// spaces: saving would change the value behind the user's back.
		m.editor.Reset()
		m.err = fmt.Errorf("%s holds characters the editor cannot keep (tabs or control characters): use 'egide edit' or 'egide set %s'", k, k)
		return nil
	}
	m.mode, m.editKey = modeEdit, k
	m.resize(m.width, m.height)
	return m.editor.Focus()
}

func (m *Model) startRevealAll() tea.Cmd {
	m.revealAll = true
	m.revealGen++
	gen := m.revealGen
	m.status = fmt.Sprintf("all values revealed for %s", revealFor)
	m.refreshDetail()
	return tea.Tick(revealFor, func(time.Time) tea.Msg { return revealEndMsg{gen} })
}

// move moves the focused pane's cursor by d, reading the next history page
// when the cursor comes near the end of the loaded ones, and switching
// environment in the first pane.
func (m *Model) move(d int) tea.Cmd {
	switch m.focus {
	case paneEnvs:
		n := clamp(m.envSel+d, 0, len(m.envs)-1)
		if n == m.envSel || n < 0 {
			return nil
		}
		m.envSel = n
		return m.switchEnv(m.envs[n].Name)
	case paneKeys:
		m.keySel = clamp(m.keySel+d, 0, len(m.visibleRows())-1)
	case paneHistory:
		vis := m.visibleCommits()
		m.comSel = clamp(m.comSel+d, 0, len(vis)-1)
		if !m.historyDone && !m.loading && m.comSel >= len(vis)-m.listHeight() {
			return m.loadHistory(true)
		}
	}
	return nil
}

func (m *Model) switchEnv(name string) tea.Cmd {
	m.env = name
	m.rows, m.commits, m.marks = nil, nil, nil
	m.keySel, m.keyTop, m.comSel, m.comTop = 0, 0, 0, 0
	m.historyKey = ""
	m.revealed = map[string]bool{}
	return tea.Batch(m.loadKeys(name), m.loadHistory(false))
}

func (m *Model) visibleRows() []keyRow {
	f := strings.ToLower(m.filters[paneKeys])
	if f == "" {
		return m.rows
	}
	var out []keyRow
	for _, r := range m.rows {
		if strings.Contains(strings.ToLower(r.Key), f) {
			out = append(out, r)
		}
	}
	return out
}

func (m *Model) visibleCommits() []repo.LogEntry {
	f := strings.ToLower(m.filters[paneHistory])
	if f == "" {
		return m.commits
	}
	var out []repo.LogEntry
	for _, c := range m.commits {
		if strings.Contains(strings.ToLower(c.Message), f) || strings.Contains(strings.ToLower(c.Author), f) ||
			strings.HasPrefix(c.ID.String(), f) {
			out = append(out, c)
		}
	}
	return out
}

func (m *Model) selectedRow() (keyRow, bool) {
	rs := m.visibleRows()
	if m.keySel < 0 || m.keySel >= len(rs) {
		return keyRow{}, false
	}
	return rs[m.keySel], true
}

func (m *Model) selectedCommit() (repo.LogEntry, bool) {
	cs := m.visibleCommits()
	if m.comSel < 0 || m.comSel >= len(cs) {
		return repo.LogEntry{}, false
	}
	return cs[m.comSel], true
}

func (m *Model) isRevealed(k string) bool { return m.revealAll || m.revealed[k] }

func clamp(v, lo, hi int) int {
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	return v
}
