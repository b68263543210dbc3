package pki

import "github.com/egide/egide/vault/internal/memstore"

// memStorage is the in-memory Storage the tests use (vault/internal/memstore).
type memStorage = memstore.Store

func newMemStorage() *memStorage { return memstore.New() }

var _ Storage = (*memStorage)(nil)
