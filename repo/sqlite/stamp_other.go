//go:build !unix

package sqlite

import "context"

// Without flock there is no generation file: no stamp is ever read, so the
// caches that need one are never used, and writes announce nothing.

// ReadStamp never finds a stamp here.
func ReadStamp(dbPath string) (Stamp, bool) { return Stamp{}, false }

// RepairStamp does nothing here.
func RepairStamp(dbPath string) error { return nil }

func (s *Store) lockGen(ctx context.Context) error { return nil }
func (s *Store) unlockGen()                        {}
func (s *Store) markChanging() error               { return nil }
func (s *Store) markChanged()                      {}

var fullFsync = false
