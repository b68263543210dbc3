package repo

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
)

// Personal overrides ('egide set --local') are values this repository's
// user wants instead of the environment's, for 'egide run' only. They are
// sealed under the environment key like the working state, in a table of
// their own that commit, status, export and sync never read.
const localDomain = "egide v1 local\x00"

func localAAD(env object.EnvID, epoch uint32, wid []byte) []byte {
	b := append([]byte(localDomain), env[:]...)
	b = binary.BigEndian.AppendUint32(b, epoch)
	return append(b, wid...)
}

// SetLocal stores personal overrides for env.
func (r *Repository) SetLocal(ctx context.Context, envName string, entries []Entry) error {
	for _, e := range entries {
		if err := ValidateKey(e.Key); err != nil {
			return err
		}
		if err := ValidateValue(e.Key, e.Value); err != nil {
			return err
		}
	}
	return r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := r.putLocal(tx, env, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *Repository) putLocal(tx *sqlite.Tx, env sqlite.Env, e Entry) error {
	k, err := r.key(tx, env, env.Epoch)
	if err != nil {
		return err
	}
	wid := k.WorkID(e.Key)
	body := appendBytes(appendBytes([]byte{1}, e.Key), e.Value)
	data := k.Seal(nil, localAAD(env.ID, env.Epoch, wid), body)
	clear(body)
	return tx.PutLocal(env.ID, sqlite.Work{WID: wid, Epoch: env.Epoch, Data: data})
}

// UnsetLocal removes personal overrides; a key without one is an error
// (*NotFoundError) and nothing changes.
func (r *Repository) UnsetLocal(ctx context.Context, envName string, keys []string) error {
	for _, k := range keys {
		if err := ValidateKey(k); err != nil {
			return err
		}
	}
	return r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		k, err := r.key(tx, env, env.Epoch)
		if err != nil {
			return err
		}
		for _, name := range keys {
			ok, err := tx.DeleteLocal(env.ID, k.WorkID(name))
			if err != nil {
				return err
			}
			if !ok {
				return &NotFoundError{What: "key", Name: name, Env: env.Name, Why: "no local override"}
			}
		}
		return nil
	})
}

func (r *Repository) loadLocal(tx *sqlite.Tx, env sqlite.Env) ([]Entry, error) {
	rows, err := tx.Local(env.ID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	out := make([]Entry, 0, len(rows))
	for _, w := range rows {
		k, err := r.key(tx, env, w.Epoch)
		if err != nil {
			return nil, err
		}
		body, err := k.Open(nil, localAAD(env.ID, w.Epoch, w.WID), w.Data)
		if err != nil {
			return nil, fmt.Errorf("local override in env %q: %w", env.Name, ErrCorrupt)
		}
		c, err := decodeWork(body)
		if err != nil || c.del {
			return nil, fmt.Errorf("local override in env %q: %w", env.Name, ErrCorrupt)
		}
		out = append(out, Entry{Key: c.name, Value: c.value})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
