package repo

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// ErrNoEngineKey means an engine's key is not wrapped to this identity.
var ErrNoEngineKey = errors.New("the engine's key is not wrapped to this identity")

// EngineStore keeps one engine's entries (the transit engine's keys, say)
// in the repository, sealed like everything else: the engine has its own
// random key, wrapped to every member in signed envelopes the way an
// environment's key is; each entry is sealed with XChaCha20-Poly1305 under
// it and placed by a keyed hash of its name, so the database shows neither
// names nor values. It has the shape of the engines' Storage interfaces
// (vault/transit.Storage), which it satisfies without importing them.
//
// The engine and its key are made on the first write. Every method is one
// store transaction.
type EngineStore struct {
	r    *Repository
	name string
}

// Engine returns the store of the engine called name ("transit").
func (r *Repository) Engine(name string) *EngineStore { return &EngineStore{r: r, name: name} }

// engineAAD binds an entry's ciphertext to its engine, epoch and slot.
func engineAAD(engine object.EnvID, epoch uint32, slot []byte) []byte {
	b := make([]byte, 0, 64+len(slot))
	b = append(b, "egide v1 engine entry\x00"...)
	b = append(b, engine[:]...)
	b = binary.BigEndian.AppendUint32(b, epoch)
	return append(b, slot...)
}

// key returns the engine's key for epoch, with the error an engine user
// should see when it is not theirs.
func (s *EngineStore) key(tx *sqlite.Tx, e sqlite.Env, epoch uint32) (*vault.Key, error) {
	k, err := s.r.key(tx, e, epoch)
	var nr *NotRecipientError
	if errors.As(err, &nr) {
		return nil, fmt.Errorf("%s engine: %w (%s)", s.name, ErrNoEngineKey, nr.Recipient)
	}
	if err != nil {
		return nil, fmt.Errorf("%s engine: %w", s.name, err)
	}
	return k, nil
}

// open decrypts an entry and returns its name and value.
func (s *EngineStore) open(tx *sqlite.Tx, e sqlite.Env, w sqlite.Work) (name string, value []byte, err error) {
	k, err := s.key(tx, e, w.Epoch)
	if err != nil {
		return "", nil, err
	}
	body, err := k.Open(nil, engineAAD(e.ID, w.Epoch, w.WID), w.Data)
	if err != nil {
		return "", nil, fmt.Errorf("%s engine entry: %w", s.name, ErrCorrupt)
	}
	n, value, ok := readBytes(body)
	if !ok {
		return "", nil, fmt.Errorf("%s engine entry: %w", s.name, ErrCorrupt)
	}
	return string(n), value, nil
}

// Get returns the value stored under key; ok is false when there is none.
func (s *EngineStore) Get(ctx context.Context, key string) (value []byte, ok bool, err error) {
	err = s.r.view(ctx, func(tx *sqlite.Tx) error {
		value, ok, err = s.get(tx, key)
		return err
	})
	return value, ok, err
}

func (s *EngineStore) get(tx *sqlite.Tx, key string) ([]byte, bool, error) {
	e, ok, err := tx.EngineByName(s.name)
	if err != nil || !ok {
		return nil, false, err
	}
	k, err := s.key(tx, e, e.Epoch)
	if err != nil {
		return nil, false, err
	}
	slot := k.Slot(key)
	w, ok, err := tx.EngineEntry(e.ID, slot[:])
	if err != nil || !ok {
		return nil, false, err
	}
	name, value, err := s.open(tx, e, w)
	if err != nil {
		return nil, false, err
	}
	if name != key {
		return nil, false, fmt.Errorf("%s engine entry: %w: stored under another name", s.name, ErrCorrupt)
	}
	return value, true, nil
}

// Update runs fn on the value stored under key (ok is false when there is
// none) and stores what it returns, or deletes the entry when keep is
// false, in one write transaction: concurrent Updates, from any process,
// are serialized.
func (s *EngineStore) Update(ctx context.Context, key string, fn func(cur []byte, ok bool) (next []byte, keep bool, err error)) error {
	return s.r.update(ctx, func(tx *sqlite.Tx) error {
		cur, ok, err := s.get(tx, key)
		if err != nil {
			return err
		}
		next, keep, err := fn(cur, ok)
		if err != nil {
			return err
		}
		e, err := s.ensure(tx)
		if err != nil {
			return err
		}
		k, err := s.key(tx, e, e.Epoch)
		if err != nil {
			return err
		}
		slot := k.Slot(key)
		if !keep {
			return tx.DeleteEngineEntry(e.ID, slot[:])
		}
		body := appendBytes(make([]byte, 0, len(key)+len(next)+4), key)
		body = append(body, next...)
		data := k.Seal(nil, engineAAD(e.ID, e.Epoch, slot[:]), body)
		clear(body)
		return tx.PutEngineEntry(e.ID, sqlite.Work{WID: slot[:], Epoch: e.Epoch, Data: data})
	})
}

// ensure returns the engine's record, making it on first use with a fresh
// key wrapped to every member.
func (s *EngineStore) ensure(tx *sqlite.Tx) (sqlite.Env, error) {
	e, ok, err := tx.EngineByName(s.name)
	if err != nil || ok {
		return e, err
	}
	id, err := newEnvID()
	if err != nil {
		return e, err
	}
	e = sqlite.Env{ID: id, Name: s.name, Epoch: 1, Created: s.r.opts.Now().Unix()}
	if err := tx.PutEngine(e); err != nil {
		return e, err
	}
	k, err := vault.NewKey()
	if err != nil {
		return e, err
	}
	if _, err := s.r.ensureMember(tx); err != nil {
		return e, err
	}
	members, err := s.r.loadMembers(tx)
	if err != nil {
		return e, err
	}
	for recipient := range members {
		if err := s.r.putEnvelope(tx, e, 1, k, recipient); err != nil {
			return e, err
		}
	}
	s.r.keys[keyID{e.ID, 1}] = k
	return e, nil
}

// List returns the stored keys that start with prefix, sorted. It opens
// every entry (names are sealed).
func (s *EngineStore) List(ctx context.Context, prefix string) ([]string, error) {
	out := []string{}
	err := s.r.view(ctx, func(tx *sqlite.Tx) error {
		e, ok, err := tx.EngineByName(s.name)
		if err != nil || !ok {
			return err
		}
		rows, err := tx.EngineEntries(e.ID)
		if err != nil {
			return err
		}
		for _, w := range rows {
			name, _, err := s.open(tx, e, w)
			if err != nil {
				return err
			}
			if strings.HasPrefix(name, prefix) {
				out = append(out, name)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// checkEngines opens every entry of every engine this identity can read,
// for fsck, and counts them in rep.
func (r *Repository) checkEngines(tx *sqlite.Tx, rep *FsckReport, problem func(obj, format string, args ...any)) error {
	engines, err := tx.Engines()
	if err != nil {
		return err
	}
	for _, e := range engines {
		s := &EngineStore{r: r, name: e.Name}
		if err := checkEnvelopes(tx, e.ID, "engine "+e.Name, problem); err != nil {
			return err
		}
		if _, err := s.key(tx, e, e.Epoch); err != nil {
			if !errors.Is(err, ErrNoEngineKey) {
				problem("engine "+e.Name, "%v", err)
			}
			continue
		}
		rows, err := tx.EngineEntries(e.ID)
		if err != nil {
			return err
		}
		for _, w := range rows {
			name, _, err := s.open(tx, e, w)
			if err == nil {
				k, _ := s.key(tx, e, w.Epoch)
				if slot := k.Slot(name); string(slot[:]) != string(w.WID) {
					err = fmt.Errorf("%s engine entry: %w: in the wrong slot", e.Name, ErrCorrupt)
				}
			}
			if err != nil {
				problem("engine "+e.Name, "%v", err)
				continue
			}
			rep.EngineEntries++
		}
	}
	return nil
}

// Member is a project member: an identity that holds, or has granted, a key.
type Member struct {
	Recipient  string            // age recipient
	SigningKey ed25519.PublicKey // Ed25519 key that signs commits and envelopes
}

// Members lists the project's members by recipient.
func (r *Repository) Members(ctx context.Context) ([]Member, error) {
	var out []Member
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		m, err := r.loadMembers(tx)
		for rcpt, k := range m {
			out = append(out, Member{Recipient: rcpt, SigningKey: k})
		}
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Recipient < out[j].Recipient })
	return out, err
}
