// Package secrets holds the commands that read and stage secrets: set, get,
// unset, list, import, export and edit. Each verb has an Options struct, a
// NewCmdX(f, runF) constructor (runF replaces the run function in tests) and
// an xRun function.
package secrets
