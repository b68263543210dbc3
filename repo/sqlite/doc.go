// Package sqlite is the local store of an Egide repository: one SQLite file
// (.egide/egide.db) through modernc.org/sqlite, the pure-Go driver.
//
// The database runs in WAL mode with synchronous=NORMAL and a busy timeout.
// Every write is one transaction opened with BEGIN IMMEDIATE, so concurrent
// writers queue on the database lock instead of failing, and a process killed
// at any moment leaves the state of before or after its transaction. Reads run
// in deferred transactions and see one consistent snapshot.
//
// The schema is versioned with PRAGMA user_version and migrated forward in a
// transaction on open; a database from a newer Egide is refused with
// ErrSchemaTooNew. The store keeps bytes it is given: it never sees keys or
// plaintext, and everything secret arrives here sealed.
package sqlite
