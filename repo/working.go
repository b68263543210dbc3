package repo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/egide/egide/repo/dotenv"
	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
)

// workDomain prefixes the associated data of a sealed working-state row.
const workDomain = "egide v1 work\x00"

// Entry is one key and its value; the same type as dotenv.Entry, so a
// state goes to the codecs without a copy.
type Entry = dotenv.Entry

// ChangeKind says how a key differs between two states.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "added"
	Changed ChangeKind = "changed"
	Removed ChangeKind = "removed"
)

// Change is one key's difference between two states. Old and New hold the
// values (empty for the side where the key is absent); callers mask them.
type Change struct {
	Key  string     `json:"key"`
	Kind ChangeKind `json:"change"`
	Old  string     `json:"-"`
	New  string     `json:"-"`
}

func workAAD(env object.EnvID, epoch uint32, wid []byte) []byte {
	b := append([]byte(workDomain), env[:]...)
	b = binary.BigEndian.AppendUint32(b, epoch)
	return append(b, wid...)
}

// putWork seals one change into the working state under env's newest epoch.
func (r *Repository) putWork(tx *sqlite.Tx, env sqlite.Env, c change) error {
	k, err := r.key(tx, env, env.Epoch)
	if err != nil {
		return err
	}
	wid := k.WorkID(c.name)
	body := []byte{1}
	if c.del {
		body[0] = 2
	}
	body = appendBytes(body, c.name)
	if !c.del {
		body = appendBytes(body, c.value)
	}
	data := k.Seal(nil, workAAD(env.ID, env.Epoch, wid), body)
	return tx.PutWorking(env.ID, sqlite.Work{WID: wid, Epoch: env.Epoch, Data: data})
}

func (r *Repository) openWork(tx *sqlite.Tx, env sqlite.Env, w sqlite.Work) (change, error) {
	k, err := r.key(tx, env, w.Epoch)
	if err != nil {
		return change{}, err
	}
	body, err := k.Open(nil, workAAD(env.ID, w.Epoch, w.WID), w.Data)
	if err != nil {
		return change{}, fmt.Errorf("uncommitted change in env %q: %w", env.Name, ErrCorrupt)
	}
	c, err := decodeWork(body)
	if err != nil {
		return c, fmt.Errorf("uncommitted change in env %q: %w", env.Name, ErrCorrupt)
	}
	return c, nil
}

// decodeWork decodes the plaintext of a working-state row: an op byte (1
// set, 2 unset), the name and, for a set, the value.
func decodeWork(body []byte) (change, error) {
	bad := errors.New("malformed working-state row")
	if len(body) < 1 || body[0] != 1 && body[0] != 2 {
		return change{}, bad
	}
	name, rest, ok := readBytes(body[1:])
	c := change{name: string(name), del: body[0] == 2}
	if !ok {
		return c, bad
	}
	if c.del {
		if len(rest) != 0 {
			return c, bad
		}
		return c, nil
	}
	v, rest, ok := readBytes(rest)
	if !ok || len(rest) != 0 {
		return c, bad
	}
	c.value = string(v)
	return c, nil
}

// loadWorking returns env's uncommitted changes.
func (r *Repository) loadWorking(tx *sqlite.Tx, env sqlite.Env) ([]change, error) {
	rows, err := tx.Working(env.ID)
	if err != nil {
		return nil, err
	}
	out := make([]change, 0, len(rows))
	for _, w := range rows {
		c, err := r.openWork(tx, env, w)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Set stages values in env's working state. Every key and value is
// validated first; on any error nothing is changed.
func (r *Repository) Set(ctx context.Context, envName string, entries []Entry) error {
	return r.Stage(ctx, envName, entries, nil)
}

// Unset stages the removal of keys from env. A key that is in neither HEAD
// nor the working state is an error (*NotFoundError), and nothing changes.
func (r *Repository) Unset(ctx context.Context, envName string, keys []string) error {
	return r.Stage(ctx, envName, nil, keys)
}

// Stage records sets and removals in env's working state in one
// transaction: all of them or, on any error, none.
func (r *Repository) Stage(ctx context.Context, envName string, sets []Entry, unsets []string) error {
	for _, e := range sets {
		if err := ValidateKey(e.Key); err != nil {
			return err
		}
		if err := ValidateValue(e.Key, e.Value); err != nil {
			return err
		}
	}
	for _, k := range unsets {
		if err := ValidateKey(k); err != nil {
			return err
		}
	}
	return r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		if len(unsets) > 0 {
			state, err := r.workingState(tx, env)
			if err != nil {
				return err
			}
			for _, k := range unsets {
				if _, ok := state[k]; !ok {
					return &NotFoundError{What: "key", Name: k, Env: env.Name}
				}
			}
		}
		for _, e := range sets {
			if err := r.putWork(tx, env, change{name: e.Key, value: e.Value}); err != nil {
				return err
			}
		}
		for _, k := range unsets {
			if err := r.putWork(tx, env, change{name: k, del: true}); err != nil {
				return err
			}
		}
		return nil
	})
}

// headState returns env's committed state (empty without commits).
func (r *Repository) headState(tx *sqlite.Tx, env sqlite.Env) (map[string]string, error) {
	head, ok, err := tx.Ref(refName(env.Name))
	if err != nil || !ok {
		return map[string]string{}, err
	}
	c, err := r.trustedCommit(tx, head)
	if err != nil {
		return nil, err
	}
	if s, ok, err := r.cachedHead(tx, env, head, true); err != nil {
		return nil, err
	} else if ok {
		es := s.list()
		m := make(map[string]string, len(es))
		for _, e := range es {
			m[e.Key] = e.Value
		}
		return m, nil
	}
	return r.treeState(tx, c.Tree)
}

// treeState returns the state of a commit's tree.
func (r *Repository) treeState(tx *sqlite.Tx, root object.ID) (map[string]string, error) {
	env, err := r.envOfObject(tx, root)
	if err != nil {
		return nil, err
	}
	t, err := r.openTree(tx, env, root)
	if err != nil {
		return nil, err
	}
	return t.state(root)
}

func (r *Repository) envOfObject(tx *sqlite.Tx, id object.ID) (sqlite.Env, error) {
	data, ok, err := tx.Object(id)
	if err != nil {
		return sqlite.Env{}, err
	}
	if !ok {
		return sqlite.Env{}, &CorruptObjectError{ID: id.String(), Why: "missing from the repository"}
	}
	h, _, err := object.Decode(data)
	if err != nil {
		return sqlite.Env{}, &CorruptObjectError{ID: id.String(), Why: err.Error()}
	}
	env, ok, err := r.envByID(tx, h.Env)
	if err != nil {
		return env, err
	}
	if !ok {
		return env, &CorruptObjectError{ID: id.String(), Why: "belongs to an unknown environment"}
	}
	return env, nil
}

// workingState returns HEAD with the uncommitted changes applied.
func (r *Repository) workingState(tx *sqlite.Tx, env sqlite.Env) (map[string]string, error) {
	state, err := r.headState(tx, env)
	if err != nil {
		return nil, err
	}
	work, err := r.loadWorking(tx, env)
	if err != nil {
		return nil, err
	}
	for _, c := range work {
		if c.del {
			delete(state, c.name)
		} else {
			state[c.name] = c.value
		}
	}
	return state, nil
}

// Status returns how env's working state differs from HEAD.
func (r *Repository) Status(ctx context.Context, envName string) ([]Change, error) {
	var out []Change
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		work, err := r.loadWorking(tx, env)
		if err != nil || len(work) == 0 {
			return err
		}
		head, err := r.headState(tx, env)
		if err != nil {
			return err
		}
		after := make(map[string]string, len(head))
		for k, v := range head {
			after[k] = v
		}
		for _, c := range work {
			if c.del {
				delete(after, c.name)
			} else {
				after[c.name] = c.value
			}
		}
		out = diffMaps(head, after)
		return nil
	})
	return out, err
}

// diffMaps compares two states key by key.
func diffMaps(a, b map[string]string) []Change {
	var out []Change
	for k, av := range a {
		bv, ok := b[k]
		switch {
		case !ok:
			out = append(out, Change{Key: k, Kind: Removed, Old: av})
		case !equalValues(av, bv):
			out = append(out, Change{Key: k, Kind: Changed, Old: av, New: bv})
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			out = append(out, Change{Key: k, Kind: Added, New: bv})
		}
	}
	sortChanges(out)
	return out
}

func sortChanges(cs []Change) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Key < cs[j].Key })
}

func sortedEntries(m map[string]string) []Entry {
	out := make([]Entry, 0, len(m))
	for k, v := range m {
		out = append(out, Entry{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Get returns one key's value: from the working state, or from the commit
// at (a REF, see Resolve) when at is not empty.
func (r *Repository) Get(ctx context.Context, envName, key, at string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	var value string
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		var root object.ID
		if at != "" {
			cid, err := r.resolve(tx, env, at)
			if err != nil {
				return err
			}
			c, err := r.trustedCommit(tx, cid)
			if err != nil {
				return err
			}
			if env, err = r.envOfObject(tx, cid); err != nil {
				return err
			}
			root = c.Tree
		} else {
			k, err := r.key(tx, env, env.Epoch)
			if err != nil {
				return err
			}
			if w, ok, err := tx.WorkingRow(env.ID, k.WorkID(key)); err != nil {
				return err
			} else if ok {
				c, err := r.openWork(tx, env, w)
				if err != nil {
					return err
				}
				if c.del {
					return &NotFoundError{What: "key", Name: key, Env: env.Name, Why: "removed, not yet committed"}
				}
				value = c.value
				return nil
			}
			head, ok, err := tx.Ref(refName(env.Name))
			if err != nil {
				return err
			}
			if !ok {
				return &NotFoundError{What: "key", Name: key, Env: env.Name}
			}
			c, err := r.trustedCommit(tx, head)
			if err != nil {
				return err
			}
			root = c.Tree
		}
		t, err := r.openTree(tx, env, root)
		if err != nil {
			return err
		}
		v, ok, err := t.get(root, key)
		if err != nil {
			return err
		}
		if !ok {
			return &NotFoundError{What: "key", Name: key, Env: env.Name}
		}
		value = v
		return nil
	})
	return value, err
}

// Entries returns every key and value of env, sorted by key: the working
// state, or the commit at (a REF) when at is not empty.
func (r *Repository) Entries(ctx context.Context, envName, at string) ([]Entry, error) {
	var out []Entry
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		var state map[string]string
		if at == "" {
			if s, ok, err := r.cleanHead(tx, env); err != nil || ok {
				out = s.list()
				return err
			}
			state, err = r.workingState(tx, env)
		} else {
			state, err = r.stateAt(tx, env, at)
		}
		if err != nil {
			return err
		}
		out = sortedEntries(state)
		return nil
	})
	return out, err
}

// cleanHead returns env's sorted state straight from the HEAD cache when
// there are no uncommitted changes; ok is false otherwise.
func (r *Repository) cleanHead(tx *sqlite.Tx, env sqlite.Env) (secrets, bool, error) {
	h, ok, err := tx.Head(env.ID, refName(env.Name))
	if err != nil || !ok {
		return secrets{}, false, err
	}
	return r.cleanHeadOf(tx, env, h)
}

// cleanHeadOf is cleanHead for a HEAD summary already read.
func (r *Repository) cleanHeadOf(tx *sqlite.Tx, env sqlite.Env, h sqlite.Head) (secrets, bool, error) {
	if h.Working > 0 {
		return secrets{}, false, nil
	}
	// The cache is sealed to HEAD's id, so HEAD's content comes from it; the
	// commit object is read only to verify its signature, which this
	// identity's stamp may already vouch for.
	id, err := r.identity()
	if err != nil {
		return secrets{}, false, err
	}
	if !id.CheckStamp(stampCommit, h.Target[:], h.Stamp) {
		if _, err := r.trustedCommit(tx, h.Target); err != nil {
			return secrets{}, false, err
		}
	}
	return r.cachedHead(tx, env, h.Target, true)
}

// stateAt returns the committed state at a REF.
func (r *Repository) stateAt(tx *sqlite.Tx, env sqlite.Env, ref string) (map[string]string, error) {
	cid, err := r.resolve(tx, env, ref)
	if err != nil {
		return nil, err
	}
	c, err := r.trustedCommit(tx, cid)
	if err != nil {
		return nil, err
	}
	return r.treeState(tx, c.Tree)
}
