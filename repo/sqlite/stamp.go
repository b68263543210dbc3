package sqlite

import (
	"crypto/rand"
	"os"
)

// The generation file (egide.db-gen, beside the database) lets a reader
// know, without opening SQLite, that the database has not changed since
// some earlier moment: caches outside the database (the repository's run
// cache) are stamped with it.
//
// It holds 16 bytes: a random value while the database is at rest, zeros
// while a write may be committing. Every write transaction, under an
// exclusive flock of the file taken before BEGIN IMMEDIATE and released
// after the new value is written:
//
//  1. writes zeros and fsyncs them, before COMMIT;
//  2. commits (synchronous=FULL: the commit is durable when COMMIT returns);
//  3. writes a new random value.
//
// So whenever the file holds a random value, no commit has happened since
// it was written: a commit is always preceded, durably, by the zeros, and
// the value that replaces them is written after the commit is durable.
// After a crash or a power loss the file holds zeros (or a torn value that
// no cache was stamped with) until the next write or RepairStamp.
//
// Only writers create the file (readers repair an existing one): a file
// removed by hand during a write is then missing, not re-created beside
// the removed one that the writer still holds.
//
// Where flock is missing (Windows), there is no generation file: no stamp
// is ever read, and caches that need one are never used.
//
// The flock spans step 3, which SQLite's own write lock (released by
// COMMIT) does not: without it a slow writer's step 3 could overwrite a
// faster writer's zeros while that writer's commit is pending.
//
// A Stamp is that value together with the identity of the database file
// (device, inode, size, mtime, ctime) and of the WAL (the same but ctime,
// which SQLite changes on every open as root: it chowns the WAL to the
// database's owner): a database replaced or restored by hand, even with
// its times preserved, does not match a stamp taken before.
const genSize = 16

// StampSize is the size of a Stamp.
const StampSize = genSize + 2*statSize

const statSize = 5 * 8

// Stamp identifies a database state; see ReadStamp.
type Stamp [StampSize]byte

// genPath returns the generation file of the database at dbPath.
func genPath(dbPath string) string { return dbPath + "-gen" }

// isClean reports whether a generation value is a random one, not zeros.
func isClean(v []byte) bool {
	for _, b := range v {
		if b != 0 {
			return true
		}
	}
	return false
}

// writeGen writes a new random value (clean) or zeros to the generation
// file.
func writeGen(f *os.File, clean bool) error {
	var v [genSize]byte
	if clean {
		rand.Read(v[:])
	}
	_, err := f.WriteAt(v[:], 0)
	return err
}
