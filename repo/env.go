package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// EnvInfo describes an environment for listings.
type EnvInfo struct {
	Name        string    `json:"name"`
	Current     bool      `json:"current"`
	Default     bool      `json:"default"`
	Head        object.ID `json:"-"`
	Epoch       uint32    `json:"epoch"`
	Uncommitted int       `json:"uncommitted"`
	Recipients  int       `json:"recipients"`
}

// createEnv makes an environment with a fresh key (epoch 1) wrapped to the
// identity; it has no commits yet.
func (r *Repository) createEnv(tx *sqlite.Tx, name string) (sqlite.Env, error) {
	if err := ValidateEnvName(name); err != nil {
		return sqlite.Env{}, err
	}
	if _, ok, err := tx.EnvByName(name); err != nil {
		return sqlite.Env{}, err
	} else if ok {
		return sqlite.Env{}, fmt.Errorf("env %q: %w", name, ErrExists)
	}
	id, err := r.identity()
	if err != nil {
		return sqlite.Env{}, err
	}
	envID, err := newEnvID()
	if err != nil {
		return sqlite.Env{}, err
	}
	env := sqlite.Env{ID: envID, Name: name, Epoch: 1, Created: r.opts.Now().Unix()}
	if err := tx.PutEnv(env); err != nil {
		return env, err
	}
	k, err := vault.NewKey()
	if err != nil {
		return env, err
	}
	if err := r.putEnvelope(tx, env, 1, k, id.Recipient()); err != nil {
		return env, err
	}
	r.keys[keyID{env.ID, 1}] = k
	return env, nil
}

func (r *Repository) putEnvelope(tx *sqlite.Tx, env sqlite.Env, epoch uint32, k *vault.Key, recipient string) error {
	id, err := r.ensureMember(tx)
	if err != nil {
		return err
	}
	e, err := k.Wrap(env.ID[:], epoch, recipient, id)
	if err != nil {
		return err
	}
	var stamp []byte
	if recipient == id.Recipient() {
		stamp = id.KeyStamp(e.StampData(), k)
	}
	return tx.PutEnvelope(sqlite.Envelope{Env: env.ID, Epoch: epoch, Recipient: recipient, Wrapped: e.Wrapped,
		Signer: e.Signer, Signature: e.Signature, Stamp: stamp})
}

// env looks an environment up by name; "" is the current environment (the
// one chosen with UseEnv, else the default from init).
func (r *Repository) env(tx *sqlite.Tx, name string) (sqlite.Env, error) {
	mapPrefix := ""
	if name == "" && r.opts.Branch != nil {
		mapPrefix = metaBranch
	}
	e, ok, mapped, err := tx.ResolveEnv(name, metaCurrentEnv, metaDefaultEnv, mapPrefix)
	if err != nil {
		return e, err
	}
	if mapped {
		// A mapped git branch comes before 'env use' and the default.
		if b := r.opts.Branch(); b != "" {
			m, has, err := tx.Meta(metaBranch + b)
			if err != nil {
				return sqlite.Env{}, err
			}
			if has {
				name = m
				if e, ok, _, err = tx.ResolveEnv(name, metaCurrentEnv, metaDefaultEnv, ""); err != nil {
					return e, err
				}
			}
		}
	}
	if ok {
		return e, nil
	}
	// Not found: work out which name was meant, for the error.
	if name == "" {
		cur, ok, err := tx.Meta(metaCurrentEnv)
		if err != nil {
			return sqlite.Env{}, err
		}
		if !ok {
			if cur, _, err = tx.Meta(metaDefaultEnv); err != nil {
				return sqlite.Env{}, err
			}
		}
		name = cur
	}
	e, ok, err = tx.EnvByName(name)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, &NotFoundError{What: "env", Name: name}
	}
	return e, nil
}

// ResolveEnv returns the environment to use: name when not empty, else the
// one chosen with UseEnv, else the default from init. It fails with a
// *NotFoundError when that environment does not exist. Every method that
// takes an environment name also accepts "" with the same meaning.
func (r *Repository) ResolveEnv(ctx context.Context, name string) (string, error) {
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		e, err := r.env(tx, name)
		name = e.Name
		return err
	})
	return name, err
}

func (r *Repository) resolveEnv(tx *sqlite.Tx, name string) (string, error) {
	e, err := r.env(tx, name)
	return e.Name, err
}

// Envs lists the environments.
func (r *Repository) Envs(ctx context.Context) ([]EnvInfo, error) {
	var out []EnvInfo
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		envs, err := tx.Envs()
		if err != nil {
			return err
		}
		cur, _ := r.resolveEnv(tx, "")
		def, _, err := tx.Meta(metaDefaultEnv)
		if err != nil {
			return err
		}
		for _, e := range envs {
			head, _, err := tx.Ref(refName(e.Name))
			if err != nil {
				return err
			}
			work, err := tx.Working(e.ID)
			if err != nil {
				return err
			}
			envs, err := tx.Envelopes(e.ID)
			if err != nil {
				return err
			}
			n := 0
			for _, v := range envs {
				if v.Epoch == e.Epoch {
					n++
				}
			}
			out = append(out, EnvInfo{Name: e.Name, Current: e.Name == cur, Default: e.Name == def, Head: head,
				Epoch: e.Epoch, Uncommitted: len(work), Recipients: n})
		}
		return nil
	})
	return out, err
}

// CreateEnv creates an environment. With from set, its first commit copies
// from's committed state (re-encrypted under the new environment's key).
func (r *Repository) CreateEnv(ctx context.Context, name, from string) error {
	return r.update(ctx, func(tx *sqlite.Tx) error {
		var state map[string]string
		var src sqlite.Env
		if from != "" {
			var err error
			if src, err = r.env(tx, from); err != nil {
				return err
			}
			head, ok, err := tx.Ref(refName(from))
			if err != nil {
				return err
			}
			if ok {
				c, err := r.readCommit(tx, head)
				if err != nil {
					return err
				}
				if state, err = r.treeState(tx, c.Tree); err != nil {
					return err
				}
			}
		}
		env, err := r.createEnv(tx, name)
		if err != nil {
			return err
		}
		if from == "" {
			return nil
		}
		// Everyone who can read from gets the new environment too.
		if err := r.copyRecipients(tx, src, env); err != nil {
			return err
		}
		changes := make([]change, 0, len(state))
		for k, v := range state {
			changes = append(changes, change{name: k, value: v})
		}
		_, err = r.commitChanges(tx, env, changes, fmt.Sprintf("create from %s", from), false)
		return err
	})
}

func (r *Repository) copyRecipients(tx *sqlite.Tx, src, dst sqlite.Env) error {
	envs, err := tx.Envelopes(src.ID)
	if err != nil {
		return err
	}
	k, err := r.key(tx, dst, dst.Epoch)
	if err != nil {
		return err
	}
	id, _ := r.identity()
	for _, e := range envs {
		if e.Epoch == src.Epoch && e.Recipient != id.Recipient() {
			if err := r.putEnvelope(tx, dst, dst.Epoch, k, e.Recipient); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteEnv deletes an environment, its history and its keys.
func (r *Repository) DeleteEnv(ctx context.Context, name string) error {
	return r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, name)
		if err != nil {
			return err
		}
		def, _, err := tx.Meta(metaDefaultEnv)
		if err != nil {
			return err
		}
		envs, err := tx.Envs()
		if err != nil {
			return err
		}
		if len(envs) == 1 {
			return fmt.Errorf("%w: env %q is the only environment", ErrInvalid, name)
		}
		if head, ok, err := tx.Ref(refName(name)); err != nil {
			return err
		} else if ok {
			if err := deleteReachable(tx, head, env.ID); err != nil {
				return err
			}
		}
		if err := tx.DeleteRef(refName(name)); err != nil {
			return err
		}
		if err := tx.DeleteEnv(env.ID); err != nil {
			return err
		}
		r.queueHeadFile(env.ID, nil)
		maps, err := tx.MetaPrefix(metaBranch)
		if err != nil {
			return err
		}
		for k, v := range maps {
			if v == name {
				if err := tx.DeleteMeta(k); err != nil {
					return err
				}
			}
		}
		if cur, ok, err := tx.Meta(metaCurrentEnv); err != nil {
			return err
		} else if ok && cur == name {
			if err := tx.SetMeta(metaCurrentEnv, def); err != nil {
				return err
			}
		}
		if def == name {
			for _, e := range envs {
				if e.Name != name {
					if err := tx.SetMeta(metaDefaultEnv, e.Name); err != nil {
						return err
					}
					return tx.SetMeta(metaCurrentEnv, e.Name)
				}
			}
		}
		return nil
	})
}

// deleteReachable removes every object of env reachable from id.
func deleteReachable(tx *sqlite.Tx, id object.ID, env object.EnvID) error {
	seen := map[object.ID]bool{}
	stack := []object.ID{id}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		data, ok, err := tx.Object(id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		h, _, err := object.Decode(data)
		if err != nil || h.Env != env {
			continue
		}
		stack = append(stack, h.Refs...)
		if err := tx.DeleteObject(id); err != nil {
			return err
		}
	}
	return nil
}

// RenameEnv renames an environment; its history is untouched because
// objects name the environment by its id.
func (r *Repository) RenameEnv(ctx context.Context, old, name string) error {
	return r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, old)
		if err != nil {
			return err
		}
		if err := ValidateEnvName(name); err != nil {
			return err
		}
		if _, ok, err := tx.EnvByName(name); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("env %q: %w", name, ErrExists)
		}
		env.Name = name
		if err := tx.PutEnv(env); err != nil {
			return err
		}
		if err := tx.RenameRef(refName(old), refName(name)); err != nil {
			return err
		}
		for _, k := range []string{metaCurrentEnv, metaDefaultEnv} {
			if v, ok, err := tx.Meta(k); err != nil {
				return err
			} else if ok && v == old {
				if err := tx.SetMeta(k, name); err != nil {
					return err
				}
			}
		}
		maps, err := tx.MetaPrefix(metaBranch)
		if err != nil {
			return err
		}
		for k, v := range maps {
			if v == old {
				if err := tx.SetMeta(k, name); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// UseEnv makes name the current environment.
func (r *Repository) UseEnv(ctx context.Context, name string) error {
	return r.update(ctx, func(tx *sqlite.Tx) error {
		if _, err := r.env(tx, name); err != nil {
			return err
		}
		return tx.SetMeta(metaCurrentEnv, name)
	})
}

// RotateKey opens a new key epoch for name, wrapped to the recipients of the
// current epoch (minus remove, if given), and re-seals the working state.
// New objects use the new epoch; old ones stay readable.
func (r *Repository) RotateKey(ctx context.Context, name string, remove ...string) (uint32, error) {
	var epoch uint32
	err := r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, name)
		if err != nil {
			return err
		}
		// Only a reader of the current epoch may open the next one.
		if _, err := r.key(tx, env, env.Epoch); err != nil {
			return err
		}
		work, err := r.loadWorking(tx, env)
		if err != nil {
			return err
		}
		local, err := r.loadLocal(tx, env)
		if err != nil {
			return err
		}
		envs, err := tx.Envelopes(env.ID)
		if err != nil {
			return err
		}
		drop := map[string]bool{}
		for _, rc := range remove {
			drop[rc] = true
		}
		k, err := vault.NewKey()
		if err != nil {
			return err
		}
		prev := env.Epoch
		env.Epoch++
		if err := tx.PutEnv(env); err != nil {
			return err
		}
		for _, e := range envs {
			if e.Epoch == prev && !drop[e.Recipient] {
				if err := r.putEnvelope(tx, env, env.Epoch, k, e.Recipient); err != nil {
					return err
				}
			}
		}
		r.keys[keyID{env.ID, env.Epoch}] = k
		if err := tx.ClearWorking(env.ID); err != nil {
			return err
		}
		for _, c := range work {
			if err := r.putWork(tx, env, c); err != nil {
				return err
			}
		}
		// Personal overrides move to the new epoch too.
		if err := tx.ClearLocal(env.ID); err != nil {
			return err
		}
		for _, e := range local {
			if err := r.putLocal(tx, env, e); err != nil {
				return err
			}
		}
		epoch = env.Epoch
		return nil
	})
	return epoch, err
}

// Grant wraps every epoch's key of env to recipient, so that identity can
// read the whole history.
func (r *Repository) Grant(ctx context.Context, name, recipient string) error {
	if err := vault.ValidateRecipient(recipient); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, name)
		if err != nil {
			return err
		}
		for ep := uint32(1); ep <= env.Epoch; ep++ {
			k, err := r.key(tx, env, ep)
			if err != nil {
				return err
			}
			if err := r.putEnvelope(tx, env, ep, k, recipient); err != nil {
				return err
			}
		}
		return nil
	})
}

// ErrNotMember means the identity may read nothing here, so it may not sign
// envelopes or commits either.
var ErrNotMember = errors.New("identity is not a member of this repository")

// ensureMember returns the identity after making sure it is a member: one
// whose signing key readers trust for envelopes and commits. An identity
// that a member granted an environment to (it holds an envelope signed by a
// member, which it can open) is enrolled with its signing key on its first
// write; any other identity is refused with ErrNotMember.
func (r *Repository) ensureMember(tx *sqlite.Tx) (*vault.Identity, error) {
	id, err := r.identity()
	if err != nil {
		return nil, err
	}
	members, err := r.loadMembers(tx)
	if err != nil {
		return nil, err
	}
	if k, ok := members[id.Recipient()]; ok && bytes.Equal(k, id.SigningKey()) {
		return id, nil
	}
	envs, err := tx.Envs()
	if err != nil {
		return nil, err
	}
	for _, e := range envs {
		for ep := e.Epoch; ep >= 1; ep-- {
			if _, err := r.key(tx, e, ep); err == nil {
				r.members = nil // re-read within this transaction
				return id, tx.PutMember(id.Recipient(), id.SigningKey())
			}
		}
	}
	return nil, fmt.Errorf("%w: %s holds no environment key granted by a member", ErrNotMember, id.Recipient())
}

// MapBranch makes git branch select env (when no -e or EGIDE_ENV says
// otherwise); env "" removes the mapping.
func (r *Repository) MapBranch(ctx context.Context, branch, env string) error {
	if branch == "" || strings.ContainsAny(branch, " \t\n\r~^:?*[\\") || strings.Contains(branch, "..") {
		return &InvalidError{What: "branch", Msg: fmt.Sprintf("invalid git branch name %q", printable(branch))}
	}
	return r.update(ctx, func(tx *sqlite.Tx) error {
		if env == "" {
			return tx.DeleteMeta(metaBranch + branch)
		}
		e, err := r.env(tx, env)
		if err != nil {
			return err
		}
		return tx.SetMeta(metaBranch+branch, e.Name)
	})
}

// BranchMaps returns every git branch → environment mapping.
func (r *Repository) BranchMaps(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		m, err := tx.MetaPrefix(metaBranch)
		for k, v := range m {
			out[strings.TrimPrefix(k, metaBranch)] = v
		}
		return err
	})
	return out, err
}
