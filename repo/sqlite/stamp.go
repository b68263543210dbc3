package sqlite

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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

// ReadStamp returns the current stamp of the database at dbPath; ok is
// false when the generation file is missing, holds zeros or is malformed
// (a write in progress, or one that crashed), when nothing can be known.
//
// Two equal stamps read around a read transaction prove that the
// transaction saw the state the stamp names: any commit in between would
// have changed the generation file first.
func ReadStamp(dbPath string) (s Stamp, ok bool) {
	fd, err := unix.Open(genPath(dbPath), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return s, false
	}
	// One byte more than the value: a longer file is malformed.
	var buf [genSize + 1]byte
	n, err := unix.Pread(fd, buf[:], 0)
	unix.Close(fd)
	if err != nil || n != genSize || !isClean(buf[:genSize]) {
		return s, false
	}
	copy(s[:], buf[:genSize])
	if !putStat(s[genSize:genSize+statSize], dbPath, false, true) ||
		!putStat(s[genSize+statSize:], dbPath+"-wal", true, false) {
		return s, false
	}
	return s, true
}

// isClean reports whether a generation value is a random one, not zeros.
func isClean(v []byte) bool {
	for _, b := range v {
		if b != 0 {
			return true
		}
	}
	return false
}

// putStat writes the identity of the file at path into b, its ctime only
// withCtime; a missing file is all zeros when it may be missing, else a
// failure.
func putStat(b []byte, path string, mayMiss, withCtime bool) bool {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return mayMiss && errors.Is(err, unix.ENOENT)
	}
	binary.LittleEndian.PutUint64(b[0:], uint64(st.Dev))
	binary.LittleEndian.PutUint64(b[8:], uint64(st.Ino))
	binary.LittleEndian.PutUint64(b[16:], uint64(st.Size))
	binary.LittleEndian.PutUint64(b[24:], uint64(st.Mtim.Nano()))
	if withCtime {
		binary.LittleEndian.PutUint64(b[32:], uint64(st.Ctim.Nano()))
	}
	return true
}

// RepairStamp gives the generation file of the database at dbPath a new
// random value when it holds none (a crashed write, or a database from
// before the file existed) and no write is in progress. A reader that
// finds no stamp calls it, so that one crash does not leave every later
// read without its cache. It does nothing when a writer holds the file or
// the folder cannot be written.
func RepairStamp(dbPath string) error {
	f, err := os.OpenFile(genPath(dbPath), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil
		}
		return err
	}
	// Holding the lock, no writer is between its zeros and its new value:
	// whatever the database holds now is what the new value names.
	var buf [genSize + 1]byte
	n, err := f.ReadAt(buf[:], 0)
	if err != nil && err != io.EOF {
		return err
	}
	if n == genSize && isClean(buf[:genSize]) {
		return nil
	}
	if n > genSize {
		if err := f.Truncate(genSize); err != nil {
			return err
		}
	}
	return writeGen(f, true)
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

// lockGen takes the generation file's exclusive lock for a write
// transaction, waiting for another writer's as SQLite's busy timeout
// would. The file is opened once per Store and kept; if it was removed or
// replaced meanwhile, the lock would be on a file nobody reads, so it is
// opened again.
func (s *Store) lockGen(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	wait := time.Millisecond
	for {
		if s.gen == nil {
			f, err := os.OpenFile(genPath(s.path), os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				// The database's folder cannot be written: nor can it.
				if errors.Is(err, syscall.EROFS) || errors.Is(err, os.ErrPermission) {
					return ErrReadOnly
				}
				return fmt.Errorf("open the generation file: %w", err)
			}
			s.gen = f
		}
		err := unix.Flock(int(s.gen.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			if s.genIsCurrent() {
				return nil
			}
			s.gen.Close()
			s.gen = nil
			continue
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("lock the generation file: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another egide process is writing to the repository (waited %s): try again", busyTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// genIsCurrent reports whether the open generation file is the one at its
// path; a longer (damaged) file is cut to size, or it would never read as
// a value.
func (s *Store) genIsCurrent() bool {
	var open, named unix.Stat_t
	if unix.Fstat(int(s.gen.Fd()), &open) != nil || unix.Stat(genPath(s.path), &named) != nil ||
		open.Dev != named.Dev || open.Ino != named.Ino {
		return false
	}
	if open.Size > genSize {
		s.gen.Truncate(genSize)
	}
	return true
}

// unlockGen releases the lock taken by lockGen.
func (s *Store) unlockGen() {
	unix.Flock(int(s.gen.Fd()), unix.LOCK_UN)
}

// markChanging durably writes zeros to the generation file: from here on,
// until markChanged, no stamp of the database is valid.
func (s *Store) markChanging() error {
	if err := writeGen(s.gen, false); err != nil {
		return err
	}
	return s.gen.Sync()
}

// markChanged writes a new random value to the generation file after a
// commit. A failure leaves zeros: readers then use no cache until the next
// write or a repair.
func (s *Store) markChanged() {
	writeGen(s.gen, true)
}
