// Package project holds 'egide init', which creates a project's repository:
// it finds the project root (the git work tree's root, else the current
// folder), makes sure there is an identity to wrap the first environment's
// key to (creating one in the OS keyring if there is none), creates
// .egide/, and in a git work tree ignores .egide/ and warns about tracked
// plaintext .env files.
//
// Like every command package, each verb has an Options struct, a
// NewCmdX(f, runF) constructor (runF replaces the run function in tests)
// and an xRun function.
package project
