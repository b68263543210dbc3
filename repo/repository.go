package repo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// DirName is the repository folder at a project's root.
const DirName = ".egide"

// DBName is the database file inside DirName.
const DBName = "egide.db"

// The domain of commits' local verification stamps (vault.Identity.Stamp);
// envelopes carry key stamps (vault.Identity.KeyStamp).
const stampCommit = "commit"

// Meta keys.
const (
	metaProject    = "project"
	metaDefaultEnv = "default_env"
	metaCurrentEnv = "current_env"
	metaBranch     = "branch:" // + git branch name → environment name
)

// Options configure a Repository. Identity is called at most once, the first
// time something must be decrypted or signed.
type Options struct {
	Identity func() (*vault.Identity, error)
	Now      func() time.Time
	Author   func() string // "Name <email>" recorded in commits, asked when committing
	// ReadOnly opens the database for reading only. A read may still
	// rewrite a HEAD file, the cache beside the database (headfile.go).
	ReadOnly bool
	// Branch returns the current git branch ("" when none); it is asked
	// only when some branch is mapped to an environment (MapBranch).
	Branch func() string
}

// Repository is an open Egide repository.
type Repository struct {
	root  string
	store *sqlite.Store
	opts  Options

	id    *vault.Identity
	idErr error
	keys  map[keyID]*vault.Key

	// Objects are immutable, so what was decoded once stays valid for the
	// life of the Repository.
	commits map[object.ID]*Commit
	nodes   map[object.ID]*node
	// Rows that other processes may change are cached for one transaction.
	members map[string][]byte // nil until loaded
	envs    map[object.EnvID]sqlite.Env
	// keyStamps holds the stamped envelopes of (env, epoch) pairs that a
	// query already brought (EnvHead), so key needs no query of its own.
	keyStamps map[keyID][]sqlite.Envelope
	// headFiles are the HEAD files to write (nil: to remove) when the
	// write transaction's function succeeds.
	headFiles map[object.EnvID][]byte
	// afterRunRead, in tests, runs between RunEnv's read and its second
	// stamp.
	afterRunRead func()
}

// view and update run fn in a store transaction, with fresh per-transaction
// caches.
func (r *Repository) view(ctx context.Context, fn func(*sqlite.Tx) error) error {
	return r.store.View(ctx, func(tx *sqlite.Tx) error {
		r.members, r.envs, r.keyStamps = nil, nil, nil
		return fn(tx)
	})
}

// update also writes the HEAD files that fn's changes call for, once fn
// has succeeded and before the transaction commits: writers, serialized by
// the database's write lock, then write them in commit order. A file
// written for a transaction that then fails to commit names a commit that
// is not HEAD, which readers detect (see headfile.go).
//
// After the commit it removes the run caches, which no longer serve.
func (r *Repository) update(ctx context.Context, fn func(*sqlite.Tx) error) error {
	err := r.store.Update(ctx, func(tx *sqlite.Tx) error {
		r.members, r.envs, r.keyStamps, r.headFiles = nil, nil, nil, nil
		err := fn(tx)
		if err == nil {
			r.writeHeadFiles()
		}
		r.headFiles = nil
		return err
	})
	if err == nil {
		r.removeRunCaches()
	}
	return err
}

// Outdated reports whether the repository's schema is older than this
// build's: opened read-only, it is read as it is; a writable open migrates
// it.
func (r *Repository) Outdated() bool { return r.store.Outdated() }

// envByID returns an environment by id, cached for the transaction.
func (r *Repository) envByID(tx *sqlite.Tx, id object.EnvID) (sqlite.Env, bool, error) {
	if e, ok := r.envs[id]; ok {
		return e, true, nil
	}
	e, ok, err := tx.EnvByID(id)
	if err != nil || !ok {
		return e, ok, err
	}
	if r.envs == nil {
		r.envs = map[object.EnvID]sqlite.Env{}
	}
	r.envs[id] = e
	return e, true, nil
}

type keyID struct {
	env   object.EnvID
	epoch uint32
}

// Root returns the project folder that holds .egide/.
func (r *Repository) Root() string { return r.root }

// Close closes the repository.
func (r *Repository) Close() error { return r.store.Close() }

// FindRoot returns the nearest folder at or above start that holds a .egide
// folder, or ErrNoRepository.
func FindRoot(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if fi, err := os.Stat(filepath.Join(dir, DirName)); err == nil && fi.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoRepository
		}
		dir = parent
	}
}

// Open opens the repository whose root is at or above start.
func Open(ctx context.Context, start string, o Options) (*Repository, error) {
	root, err := FindRoot(start)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(root, DirName, DBName), sqlite.Options{ReadOnly: o.ReadOnly})
	if err != nil {
		return nil, err
	}
	return newRepository(root, st, o), nil
}

func newRepository(root string, st *sqlite.Store, o Options) *Repository {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Repository{root: root, store: st, opts: o, keys: map[keyID]*vault.Key{},
		commits: map[object.ID]*Commit{}, nodes: map[object.ID]*node{}}
}

// InitOptions configure Init.
type InitOptions struct {
	Env     string // first environment, "dev" by default
	Project string // project name, the folder's name by default
}

// Init creates a repository in root/.egide with one environment whose key is
// wrapped to the identity. It fails with ErrExists when one is there.
func Init(ctx context.Context, root string, io InitOptions, o Options) (*Repository, error) {
	if io.Env == "" {
		io.Env = "dev"
	}
	if err := ValidateEnvName(io.Env); err != nil {
		return nil, err
	}
	if io.Project == "" {
		io.Project = filepath.Base(root)
	}
	dir := filepath.Join(root, DirName)
	if _, err := os.Stat(filepath.Join(dir, DBName)); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, DBName), sqlite.Options{Create: true})
	if err != nil {
		return nil, err
	}
	r := newRepository(root, st, o)
	id, err := r.identity()
	if err != nil {
		r.Close()
		return nil, err
	}
	err = r.update(ctx, func(tx *sqlite.Tx) error {
		if err := tx.SetMeta(metaProject, io.Project); err != nil {
			return err
		}
		if err := tx.SetMeta(metaDefaultEnv, io.Env); err != nil {
			return err
		}
		if err := tx.PutMember(id.Recipient(), id.SigningKey()); err != nil {
			return err
		}
		_, err := r.createEnv(tx, io.Env)
		return err
	})
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// identity loads the identity once.
func (r *Repository) identity() (*vault.Identity, error) {
	if r.id == nil && r.idErr == nil {
		if r.opts.Identity == nil {
			r.idErr = errors.New("no identity configured")
		} else {
			r.id, r.idErr = r.opts.Identity()
		}
	}
	return r.id, r.idErr
}

// Project returns the project's name.
func (r *Repository) Project(ctx context.Context) (name string, err error) {
	err = r.view(ctx, func(tx *sqlite.Tx) error {
		name, _, err = tx.Meta(metaProject)
		return err
	})
	return name, err
}

// key returns the environment key of (env, epoch) for this identity.
func (r *Repository) key(tx *sqlite.Tx, env sqlite.Env, epoch uint32) (*vault.Key, error) {
	kid := keyID{env.ID, epoch}
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	id, err := r.identity()
	if err != nil {
		return nil, err
	}
	// This identity's envelope is found by its key stamp first: finding it
	// by recipient derives the public key (two X25519 multiplications).
	stamped, ok := r.keyStamps[kid]
	if !ok {
		var err error
		if stamped, err = tx.StampedEnvelopes(env.ID, epoch, vault.KeyStampSize); err != nil {
			return nil, err
		}
	}
	for _, e := range stamped {
		ve := vaultEnvelope(e)
		if k, ok := id.OpenKeyStamp(ve.StampData(), e.Stamp); ok {
			// This identity verified the envelope before and sealed its
			// key for itself then.
			r.keys[kid] = k
			return k, nil
		}
	}
	e, ok, err := tx.Envelope(env.ID, epoch, id.Recipient())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &NotRecipientError{Env: env.Name, Recipient: id.Recipient()}
	}
	ve := vaultEnvelope(e)
	// Not stamped yet (or the stamp was damaged): verify the signature,
	// unwrap, and stamp it when the transaction may write.
	members, err := r.loadMembers(tx)
	if err != nil {
		return nil, err
	}
	if _, known := memberBySigningKey(members, e.Signer); !known {
		return nil, fmt.Errorf("env %q epoch %d: key envelope signed by an unknown key %s: %w", env.Name, epoch, vault.Fingerprint(e.Signer), vault.ErrBadSignature)
	}
	k, err := ve.Open(id)
	if err == nil && tx.Writable() {
		err = tx.StampEnvelope(env.ID, epoch, e.Recipient, id.KeyStamp(ve.StampData(), k))
	}
	if err != nil {
		if errors.Is(err, vault.ErrNotRecipient) {
			return nil, &NotRecipientError{Env: env.Name, Recipient: id.Recipient()}
		}
		return nil, fmt.Errorf("env %q epoch %d: %w", env.Name, epoch, err)
	}
	r.keys[kid] = k
	return k, nil
}

// vaultEnvelope is a stored envelope as the vault checks and opens it.
func vaultEnvelope(e sqlite.Envelope) vault.Envelope {
	return vault.Envelope{Env: e.Env[:], Epoch: e.Epoch, Recipient: e.Recipient, Wrapped: e.Wrapped, Signer: e.Signer, Signature: e.Signature}
}

// loadMembers returns the members table, read once per Repository.
func (r *Repository) loadMembers(tx *sqlite.Tx) (map[string][]byte, error) {
	if r.members == nil {
		m, err := tx.Members()
		if err != nil {
			return nil, err
		}
		r.members = m
	}
	return r.members, nil
}

func memberBySigningKey(members map[string][]byte, key []byte) (string, bool) {
	for rcpt, k := range members {
		if string(k) == string(key) {
			return rcpt, true
		}
	}
	return "", false
}

func newEnvID() (object.EnvID, error) {
	var id object.EnvID
	_, err := rand.Read(id[:])
	return id, err
}

// refPrefix starts the name of every environment's ref.
const refPrefix = "envs/"

// refName returns the ref of an environment.
func refName(env string) string { return refPrefix + env }
