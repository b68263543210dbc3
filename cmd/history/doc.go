// Package history holds the commands that record and inspect an
// environment's history: status, commit, log, show, diff, revert, reset and
// fsck. Each verb has an Options struct, a NewCmdX(f, runF) constructor
// (runF replaces the run function in tests) and an xRun function.
//
// # Output
//
// Standard output carries data: change lines, log entries, fsck problems,
// or JSON with --json. Standard error carries talk: what commit, revert
// and reset did, "nothing to commit", fsck's summary and notes.
//
// A change is one line, "+ KEY" (added), "~ KEY" (changed) or "- KEY"
// (removed). Values are masked as "********" unless --show-values, which
// shows them quoted with strconv.Quote so that newlines and control bytes
// stay visible: `~ KEY = "old" → "new"`.
//
// JSON field names are snake_case and stable; lists are [] when empty; ids
// are full hex; times are RFC 3339 in UTC. A change is {"key", "change"}
// with change one of "added", "changed", "removed"; with --show-values it
// also carries "old" (unless added) and "new" (unless removed). A commit is
// {"id", "env", "tree", "parents", "author", "time", "message",
// "signature": {"verified", "key", "member"}} plus "changes" where asked.
package history
