// Package envcmd holds the 'egide env' commands, which manage a project's
// environments: list, create, delete, rename, use, rotate-key and grant.
// (The package is not called env, which would shadow the -e flag's
// variables and read like the process environment.)
//
// Like every command package, each verb has an Options struct, a
// NewCmdX(f, runF) constructor (runF replaces the run function in tests)
// and an xRun function.
package envcmd
