package history

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/egide/egide/cmd/internal/cmdutil"
	"github.com/egide/egide/cmd/internal/iostreams"
	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
)

// changeJSON is one change in --json output. Old and New are set only with
// --show-values, and only on the side where the key exists.
type changeJSON struct {
	Key    string  `json:"key"`
	Change string  `json:"change"`
	Old    *string `json:"old,omitempty"`
	New    *string `json:"new,omitempty"`
}

// changesJSON converts changes for --json, never nil.
func changesJSON(cs []repo.Change, show bool) []changeJSON {
	out := make([]changeJSON, 0, len(cs))
	for _, c := range cs {
		j := changeJSON{Key: c.Key, Change: string(c.Kind)}
		if show {
			if c.Kind != repo.Added {
				old := c.Old
				j.Old = &old
			}
			if c.Kind != repo.Removed {
				nw := c.New
				j.New = &nw
			}
		}
		out = append(out, j)
	}
	return out
}

// signatureJSON says who signed a commit. Member is the age recipient of
// the member whose key made a good signature, else null.
type signatureJSON struct {
	Verified bool    `json:"verified"`
	Key      string  `json:"key"`
	Member   *string `json:"member"`
}

// commitJSON is a commit in --json output. Changes is omitted when they
// were not asked for (log without -p) and [] when there are none.
type commitJSON struct {
	ID        string        `json:"id"`
	Env       string        `json:"env"`
	Tree      string        `json:"tree"`
	Parents   []string      `json:"parents"`
	Author    string        `json:"author"`
	Time      string        `json:"time"`
	Message   string        `json:"message"`
	Signature signatureJSON `json:"signature"`
	Changes   *[]changeJSON `json:"changes,omitempty"`
}

func commitToJSON(e repo.LogEntry, withChanges, show bool) commitJSON {
	c := e.Commit
	j := commitJSON{
		ID:        c.ID.String(),
		Env:       c.Env,
		Tree:      c.Tree.String(),
		Parents:   make([]string, 0, len(c.Parents)),
		Author:    c.Author,
		Time:      c.Time.UTC().Format(time.RFC3339),
		Message:   c.Message,
		Signature: signatureJSON{Verified: c.Verified, Key: vault.Fingerprint(c.Signer)},
	}
	for _, p := range c.Parents {
		j.Parents = append(j.Parents, p.String())
	}
	if c.Verified && c.Member != "" {
		m := c.Member
		j.Signature.Member = &m
	}
	if withChanges {
		cs := changesJSON(e.Changes, show)
		j.Changes = &cs
	}
	return j
}

// printer writes human output: colour only when enabled, dates in RFC 3339
// unless stdout is a terminal.
type printer struct {
	w     io.Writer
	color bool
	tty   bool
	now   func() time.Time
}

func newPrinter(ios *iostreams.IOStreams, now func() time.Time) *printer {
	if now == nil {
		now = time.Now
	}
	return &printer{w: ios.Out, color: ios.ColorEnabled(), tty: ios.IsStdoutTTY(), now: now}
}

const (
	green  = "32"
	yellow = "33"
	red    = "31"
	bold   = "1"
)

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// changes writes one line per change, values masked unless show.
func (p *printer) changes(cs []repo.Change, show bool) {
	for _, c := range cs {
		fmt.Fprintln(p.w, changeLine(c, show, p.paint))
	}
}

// changeLine formats one change; paint colours its marker.
func changeLine(c repo.Change, show bool, paint func(code, s string) string) string {
	switch c.Kind {
	case repo.Added:
		return paint(green, "+") + " " + c.Key + " = " + value(c.New, show)
	case repo.Changed:
		if show {
			return paint(yellow, "~") + " " + c.Key + " = " + strconv.Quote(c.Old) + " → " + strconv.Quote(c.New)
		}
		return paint(yellow, "~") + " " + c.Key + " = " + cmdutil.Mask
	default:
		if show {
			return paint(red, "-") + " " + c.Key + " (was " + strconv.Quote(c.Old) + ")"
		}
		return paint(red, "-") + " " + c.Key
	}
}

func value(v string, show bool) string {
	if show {
		return strconv.Quote(v)
	}
	return cmdutil.Mask
}

// commit writes a log entry in the style of git log: header lines, then the
// message indented by four spaces, then the changes when withChanges.
func (p *printer) commit(e repo.LogEntry, withChanges, show bool) {
	c := e.Commit
	fmt.Fprintf(p.w, "%s %s\n", p.paint(yellow, "commit"), p.paint(yellow, c.ID.Short()))
	fmt.Fprintf(p.w, "author: %s\n", clean(c.Author))
	fmt.Fprintf(p.w, "date: %s\n", p.date(c.Time))
	fmt.Fprintf(p.w, "signature: %s\n", signatureStatus(c, p.paint))
	fmt.Fprintln(p.w)
	for _, line := range strings.Split(strings.TrimRight(c.Message, "\n"), "\n") {
		if line == "" {
			fmt.Fprintln(p.w)
			continue
		}
		fmt.Fprintf(p.w, "    %s\n", clean(line))
	}
	if withChanges && len(e.Changes) > 0 {
		fmt.Fprintln(p.w)
		p.changes(e.Changes, show)
	}
}

// signatureStatus says whether a commit's signature verifies and whose key
// made it.
func signatureStatus(c *repo.Commit, paint func(code, s string) string) string {
	switch {
	case !c.Verified:
		return paint(red+";"+bold, "BAD")
	case c.Member != "":
		return paint(green, "good") + " (member " + c.Member + ")"
	default:
		return paint(yellow, "good") + " (key " + vault.Fingerprint(c.Signer) + ", not a member)"
	}
}

// date formats a commit time: RFC 3339 in UTC for pipes; local time and
// how long ago on a terminal.
func (p *printer) date(t time.Time) string {
	if !p.tty {
		return t.UTC().Format(time.RFC3339)
	}
	return t.Local().Format("Mon Jan 2 15:04:05 2006 -0700") + " (" + ago(p.now(), t) + ")"
}

// ago says how long before now t was, roughly.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return strconv.Itoa(n) + " " + unit + "s ago"
	}
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d < 365*24*time.Hour:
		return plural(int(d/(30*24*time.Hour)), "month")
	default:
		return plural(int(d/(365*24*time.Hour)), "year")
	}
}

// summary counts changes by kind: "3 keys changed (1 added, 1 changed,
// 1 removed)".
func summary(cs []repo.Change) string {
	var added, changed, removed int
	for _, c := range cs {
		switch c.Kind {
		case repo.Added:
			added++
		case repo.Changed:
			changed++
		case repo.Removed:
			removed++
		}
	}
	var parts []string
	for _, n := range []struct {
		n    int
		what string
	}{{added, "added"}, {changed, "changed"}, {removed, "removed"}} {
		if n.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n.n, n.what))
		}
	}
	s := plural(len(cs), "key", "keys") + " changed"
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// subject returns a message's first line, cleaned for a terminal.
func subject(msg string) string {
	s, _, _ := strings.Cut(msg, "\n")
	return clean(s)
}

// clean replaces control characters (other than tab) with U+FFFD, so that
// text from the repository (authors, messages) cannot drive the terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// reportCommit tells, on stderr, what a new commit recorded:
//
//	[dev 3fa2c1b9e0] add database
//	 2 keys changed (1 added, 1 changed)
func reportCommit(w io.Writer, c *repo.Commit, changes []repo.Change) {
	fmt.Fprintf(w, "[%s %s] %s\n", c.Env, c.ID.Short(), subject(c.Message))
	fmt.Fprintf(w, " %s\n", summary(changes))
}
