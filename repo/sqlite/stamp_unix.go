//go:build unix

package sqlite

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

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
// random value when it holds none (a write that crashed) and no write is
// in progress. A reader that finds no stamp calls it, so that one crash
// does not leave every later read without its cache. It does nothing when
// the file is missing (the next write creates it), when a writer holds it,
// or when it cannot be written.
func RepairStamp(dbPath string) error {
	path := genPath(dbPath)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil
		}
		return err
	}
	if !sameFile(f, path) {
		return nil // replaced meanwhile: by a writer, which sets it
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

// sameFile reports whether the open file f is the one at path now.
func sameFile(f *os.File, path string) bool {
	var open, named unix.Stat_t
	return unix.Fstat(int(f.Fd()), &open) == nil && unix.Stat(path, &named) == nil &&
		open.Dev == named.Dev && open.Ino == named.Ino
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
			f, err := openGen(s.path)
			if err != nil {
				return err
			}
			s.gen = f
		}
		err := unix.Flock(int(s.gen.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			if sameFile(s.gen, genPath(s.path)) {
				// A longer (damaged) file would never read as a value.
				if fi, err := s.gen.Stat(); err == nil && fi.Size() > genSize {
					s.gen.Truncate(genSize)
				}
				return nil
			}
			s.gen.Close()
			s.gen = nil
			continue
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("lock %s, which every write takes: %w (the file system may not support flock, as some network and FUSE mounts do not: keep the project on a local disk)", genPath(s.path), err)
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

// openGen opens (creating it, 0600) the generation file of the database at
// dbPath. Created by root (sudo egide ...), it is given to the database's
// owner, as SQLite does with the WAL: else the owner could no longer write.
func openGen(dbPath string) (*os.File, error) {
	f, err := os.OpenFile(genPath(dbPath), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		// The database's folder cannot be written: nor can it.
		if errors.Is(err, syscall.EROFS) || errors.Is(err, os.ErrPermission) {
			return nil, ErrReadOnly
		}
		return nil, fmt.Errorf("open the generation file: %w", err)
	}
	if os.Geteuid() == 0 {
		var db, gen unix.Stat_t
		if unix.Stat(dbPath, &db) == nil && unix.Fstat(int(f.Fd()), &gen) == nil &&
			(db.Uid != gen.Uid || db.Gid != gen.Gid) {
			if err := f.Chown(int(db.Uid), int(db.Gid)); err != nil {
				f.Close()
				return nil, fmt.Errorf("give the generation file to the database's owner: %w", err)
			}
		}
	}
	return f, nil
}

// unlockGen releases the lock taken by lockGen.
func (s *Store) unlockGen() {
	unix.Flock(int(s.gen.Fd()), unix.LOCK_UN)
}

// markChanging durably writes zeros to the generation file: from here on,
// until markChanged, no stamp of the database is valid. (On macOS, Sync is
// F_FULLFSYNC.)
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

// fullFsync says whether SQLite must be told to use F_FULLFSYNC for its
// commits to be durable (macOS, where fsync does not flush the drive).
var fullFsync = runtime.GOOS == "darwin" || runtime.GOOS == "ios"
