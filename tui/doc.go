// Package tui is 'egide ui': a terminal browser for a project's
// environments, their secrets and their history, built on bubbletea.
//
// The model reads and writes through Source, a small interface that
// *repo.Repository satisfies, so every change made here goes through the
// same library calls as the CLI. Layout: three panes (environments, the
// keys of the selected environment, its history or the history of one
// key), a prompt line and a help line. Values are masked unless revealed
// (space for one key, R for all, for 30 s); a commit opens as its diff
// against its parent; two marked commits diff against each other.
//
// The first screen is loaded before the program starts (New), so it
// appears complete; later reads and every write run as commands, and
// history is read a page at a time as the cursor nears its end.
package tui
