package sqlite

// SetImmutableForTest makes the Store report an immutable open, which only
// a read-only folder gives for real (and root ignores folder permissions):
// other packages' tests use it to check what they do with one.
func (s *Store) SetImmutableForTest() { s.immutable = true }
