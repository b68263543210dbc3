package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/egide/egide/repo"
)

// mask stands for a hidden value: always the same width, so a value's
// length does not show.
const mask = "••••••••"

type styles struct {
	border, focused       lipgloss.Style
	title, dim, selected  lipgloss.Style
	added, changed, gone  lipgloss.Style
	errText, status, mark lipgloss.Style
}

func newStyles(noColor bool) styles {
	s := styles{
		border:   lipgloss.NewStyle().Border(lipgloss.RoundedBorder()),
		title:    lipgloss.NewStyle().Bold(true),
		selected: lipgloss.NewStyle().Reverse(true),
		dim:      lipgloss.NewStyle(),
		added:    lipgloss.NewStyle(),
		changed:  lipgloss.NewStyle(),
		gone:     lipgloss.NewStyle(),
		errText:  lipgloss.NewStyle().Bold(true),
		status:   lipgloss.NewStyle(),
		mark:     lipgloss.NewStyle().Bold(true),
	}
	s.focused = s.border.BorderStyle(lipgloss.ThickBorder())
	if noColor {
		return s
	}
	s.focused = s.focused.BorderForeground(lipgloss.Color("12"))
	s.dim = s.dim.Foreground(lipgloss.Color("8"))
	s.added = s.added.Foreground(lipgloss.Color("2"))
	s.changed = s.changed.Foreground(lipgloss.Color("3"))
	s.gone = s.gone.Foreground(lipgloss.Color("1"))
	s.errText = s.errText.Foreground(lipgloss.Color("1"))
	s.mark = s.mark.Foreground(lipgloss.Color("5"))
	return s
}

// resize lays the panes and inputs out for a w×h terminal.
func (m *Model) resize(w, h int) {
	m.width, m.height = max(w, 40), max(h, 10)
	_, kw, hw := m.columns()
	m.input.SetWidth(m.width - 20)
	m.editor.SetWidth(kw + hw - 2)
	m.editor.SetHeight(max(m.height-6, 3))
	m.detail.SetWidth(kw + hw - 2)
	m.detail.SetHeight(m.height - 4)
	m.help.SetWidth(m.width - 2)
	m.refreshDetail()
}

// columns returns the outer widths of the three panes.
func (m *Model) columns() (ew, kw, hw int) {
	ew = clamp(m.width/6, 14, 24)
	kw = (m.width - ew) * 45 / 100
	return ew, kw, m.width - ew - kw
}

// listHeight is how many rows a pane shows.
func (m *Model) listHeight() int { return m.height - 4 }

// View draws the screen.
func (m *Model) View() tea.View {
	var body string
	switch m.mode {
	case modeHelp:
		body = m.box(m.width, m.height-2, "Help (any key closes)", true, strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n"))
	default:
		body = m.panes()
	}
	v := tea.NewView(lipgloss.JoinVertical(lipgloss.Left, body, m.promptLine(), m.helpLine()))
	v.AltScreen = true
	if m.opts.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	v.WindowTitle = "egide ui — " + m.env
	return v
}

func (m *Model) panes() string {
	ew, kw, hw := m.columns()
	h := m.height - 2
	envs := m.box(ew, h, "Envs", m.focus == paneEnvs, m.envLines(ew-2))
	var right string
	switch m.mode {
	case modeDetail:
		right = m.box(kw+hw, h, m.detailFor+"  (esc back · R reveal · u revert)", true, strings.Split(m.detail.View(), "\n"))
	case modeEdit:
		lines := append([]string{"value of " + m.editKey + " (ctrl+s save · esc cancel):"}, strings.Split(m.editor.View(), "\n")...)
		right = m.box(kw+hw, h, "Edit "+m.editKey, true, lines)
	default:
		title := "Keys · " + m.env
		if n := m.uncommitted(); n > 0 {
			title += fmt.Sprintf(" · %d changed", n)
		}
		keys := m.box(kw, h, title, m.focus == paneKeys, m.keyLines(kw-2, h-2))
		ht := "History · " + m.env
		if m.historyKey != "" {
			ht = "History · " + m.historyKey + " (esc: all)"
		}
		hist := m.box(hw, h, ht, m.focus == paneHistory, m.historyLines(hw-2, h-2))
		right = lipgloss.JoinHorizontal(lipgloss.Top, keys, hist)
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, envs, right)
}

// box draws lines in a w×h bordered pane with a title in its top border.
// Lines are cut or padded to fit exactly.
func (m *Model) box(w, h int, title string, focused bool, lines []string) string {
	iw, ih := w-2, h-2
	out := make([]string, ih)
	for i := range out {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		out[i] = fit(l, iw)
	}
	st := m.st.border
	if focused {
		st = m.st.focused
	}
	b := st.Render(strings.Join(out, "\n"))
	// The title goes over the top border, after its corner.
	first, rest, _ := strings.Cut(b, "\n")
	t := " " + ansi.Truncate(title, max(iw-2, 0), "…") + " "
	if focused {
		t = m.st.title.Render(t)
	}
	first = ansi.Truncate(first, 1, "") + t + ansi.TruncateLeft(first, 1+lipgloss.Width(t), "")
	return first + "\n" + rest
}

// fit cuts or pads s to exactly w cells.
func fit(s string, w int) string {
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", max(w-lipgloss.Width(s), 0))
}

func (m *Model) envLines(w int) []string {
	out := make([]string, 0, len(m.envs))
	for i, e := range m.envs {
		l := "  " + e.Name
		if i == m.envSel {
			l = "▸ " + e.Name
		}
		if e.Uncommitted > 0 {
			l += " *"
		}
		l = fit(l, w)
		if i == m.envSel && m.focus == paneEnvs {
			l = m.st.selected.Render(l)
		}
		out = append(out, l)
	}
	return out
}

func (m *Model) keyLines(w, h int) []string {
	rows := m.visibleRows()
	if len(rows) == 0 {
		if m.filters[paneKeys] != "" {
			return []string{"no key matches /" + m.filters[paneKeys]}
		}
		return []string{"no secrets yet: press a to add one"}
	}
	m.keyTop = scroll(m.keySel, m.keyTop, h, len(rows))
	kw := 0
	for _, r := range rows {
		kw = max(kw, lipgloss.Width(r.Key))
	}
	kw = min(kw, w/2)
	out := make([]string, 0, h)
	for i := m.keyTop; i < len(rows) && i < m.keyTop+h; i++ {
		r := rows[i]
		mark := map[repo.ChangeKind]string{repo.Added: "+", repo.Changed: "~", repo.Removed: "-"}[r.Change]
		if mark == "" {
			mark = " "
		}
		val := mask
		switch {
		case r.Change == repo.Removed:
			val = "(deleted)"
		case m.isRevealed(r.Key):
			val = oneLine(r.Value)
		}
		cur := " "
		if i == m.keySel {
			cur = "▸"
		}
		l := fit(cur+mark+" "+fit(r.Key, kw)+" "+val, w)
		switch {
		case i == m.keySel && m.focus == paneKeys:
			l = m.st.selected.Render(l)
		case r.Change == repo.Added:
			l = m.st.added.Render(l)
		case r.Change == repo.Changed:
			l = m.st.changed.Render(l)
		case r.Change == repo.Removed:
			l = m.st.gone.Render(l)
		}
		out = append(out, l)
	}
	return out
}

func (m *Model) historyLines(w, h int) []string {
	cs := m.visibleCommits()
	if len(cs) == 0 {
		switch {
		case m.loading:
			return []string{"loading…"}
		case m.filters[paneHistory] != "":
			return []string{"no commit matches /" + m.filters[paneHistory]}
		}
		return []string{"no commits yet"}
	}
	m.comTop = scroll(m.comSel, m.comTop, h, len(cs))
	now := m.opts.Now()
	out := make([]string, 0, h)
	for i := m.comTop; i < len(cs) && i < m.comTop+h; i++ {
		c := cs[i]
		cur := " "
		if i == m.comSel {
			cur = "▸"
		}
		mk := " "
		for _, id := range m.marks {
			if id == c.ID {
				mk = "*"
			}
		}
		l := fit(fmt.Sprintf("%s%s%s %3s %s: %s", cur, mk, c.ID.Short(), age(now, c.Time), authorName(oneLine(c.Author)), oneLine(firstLine(c.Message))), w)
		if i == m.comSel && m.focus == paneHistory {
			l = m.st.selected.Render(l)
		}
		out = append(out, l)
	}
	if !m.historyDone && len(out) < h && m.loading {
		out = append(out, "loading…")
	}
	return out
}

// refreshDetail renders the open commit or diff into the viewport (again
// after a reveal or a resize).
func (m *Model) refreshDetail() {
	if m.detailFor == "" {
		return
	}
	lines := append([]string{}, m.detailHdr...)
	lines = append(lines, "")
	if len(m.detailCh) == 0 {
		lines = append(lines, "no changes")
	}
	kw := 0
	for _, c := range m.detailCh {
		kw = max(kw, lipgloss.Width(c.Key))
	}
	val := func(k, v string) string {
		if m.isRevealed(k) {
			return oneLine(v)
		}
		return mask
	}
	for _, c := range m.detailCh {
		k := fit(c.Key, kw)
		switch c.Kind {
		case repo.Added:
			lines = append(lines, m.st.added.Render("+ "+k+"  "+val(c.Key, c.New)))
		case repo.Changed:
			lines = append(lines, m.st.changed.Render("~ "+k+"  "+val(c.Key, c.Old)+" → "+val(c.Key, c.New)))
		case repo.Removed:
			lines = append(lines, m.st.gone.Render("- "+k+"  "+val(c.Key, c.Old)))
		}
	}
	m.detail.SetContentLines(lines)
}

func (m *Model) promptLine() string {
	switch m.mode {
	case modeFilter, modeAddKey, modeMessage:
		return fit(m.input.View(), m.width)
	case modeConfirm:
		return fit(m.st.title.Render(m.question), m.width)
	}
	if m.err != nil {
		return fit(m.st.errText.Render("error: "+oneLine(m.err.Error())), m.width)
	}
	s := m.status
	if f := m.filters[m.focus]; f != "" && s == "" {
		s = "filter /" + f + " (/ to change, esc in the filter clears)"
	}
	return fit(m.st.status.Render(s), m.width)
}

func (m *Model) helpLine() string {
	return fit(m.help.ShortHelpView(m.keys.ShortHelp()), m.width)
}

func (m *Model) uncommitted() int {
	n := 0
	for _, r := range m.rows {
		if r.Change != "" {
			n++
		}
	}
	return n
}

// scroll returns the first row to show so that sel is visible.
func scroll(sel, top, h, n int) int {
	if sel < top {
		top = sel
	}
	if sel >= top+h {
		top = sel - h + 1
	}
	return clamp(top, 0, max(n-h, 0))
}

// age is a short relative age: 42s, 5m, 3h, 2d, 7w, 1y.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d < 14*24*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d < 365*24*time.Hour:
		return fmt.Sprintf("%dw", int(d.Hours()/24/7))
	}
	return fmt.Sprintf("%dy", int(d.Hours()/24/365))
}

// authorName is the name part of "Name <email>", cut to 12 cells.
func authorName(a string) string {
	if i := strings.Index(a, " <"); i > 0 {
		a = a[:i]
	}
	return shorten(a, 12)
}

func shorten(s string, n int) string { return ansi.Truncate(s, n, "…") }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// oneLine shows a value on one line: newlines as ⏎, other control
// characters as their escapes, so a value cannot move the cursor.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("⏎")
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
