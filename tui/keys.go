package tui

import "charm.land/bubbles/v2/key"

// keyMap is every binding of the browser; help shows them all with '?'.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Left, Right                             key.Binding
	Open, Back                              key.Binding
	Reveal, RevealAll, Copy                 key.Binding
	Add, Edit, Delete, Commit, Revert       key.Binding
	Mark, Diff, Filter, Reload              key.Binding
	Help, Quit                              key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Up:        b([]string{"up", "k"}, "↑/k", "up"),
		Down:      b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:    b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:  b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:       b([]string{"home", "g"}, "g", "first"),
		Bottom:    b([]string{"end", "G"}, "G", "last"),
		Left:      b([]string{"left", "h", "shift+tab"}, "←/h", "previous pane"),
		Right:     b([]string{"right", "l", "tab"}, "→/l", "next pane"),
		Open:      b([]string{"enter"}, "enter", "open"),
		Back:      b([]string{"esc"}, "esc", "back"),
		Reveal:    b([]string{"space"}, "space", "reveal value"),
		RevealAll: b([]string{"R"}, "R", "reveal all 30s"),
		Copy:      b([]string{"y"}, "y", "copy value"),
		Add:       b([]string{"a"}, "a", "add key"),
		Edit:      b([]string{"e"}, "e", "edit value"),
		Delete:    b([]string{"x"}, "x", "delete key"),
		Commit:    b([]string{"c"}, "c", "commit"),
		Revert:    b([]string{"u"}, "u", "revert commit"),
		Mark:      b([]string{"m"}, "m", "mark commit"),
		Diff:      b([]string{"d"}, "d", "diff marked"),
		Filter:    b([]string{"/"}, "/", "filter"),
		Reload:    b([]string{"ctrl+r"}, "ctrl+r", "reload"),
		Help:      b([]string{"?"}, "?", "help"),
		Quit:      b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the bottom line.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Right, k.Open, k.Reveal, k.Add, k.Commit, k.Filter, k.Help, k.Quit}
}

// FullHelp is the '?' screen, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Left, k.Right},
		{k.Open, k.Back, k.Reveal, k.RevealAll, k.Copy, k.Filter, k.Reload},
		{k.Add, k.Edit, k.Delete, k.Commit, k.Revert, k.Mark, k.Diff, k.Help, k.Quit},
	}
}
