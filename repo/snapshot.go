package repo

import (
	"context"
	"strings"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// Snapshot is what 'egide run' injects, read in one transaction.
type Snapshot struct {
	Env   string    // the environment's name
	Local []Entry   // its personal overrides ('set --local'), sorted
	Head  object.ID // its HEAD commit; zero before the first commit
	// its secrets: the working state, or the committed state at a ref
	secrets secrets
	// mapped: the environment was asked for as "" and some git branch is
	// mapped to one, so the current branch had a say
	mapped bool
}

// Entries returns the secrets, sorted by key.
func (s *Snapshot) Entries() []Entry { return s.secrets.list() }

// Pairs returns the secrets as "NAME=VALUE" strings, sorted by name, when
// they were read so (a clean HEAD from the HEAD file); else nil. A
// process's environment is then sliced from them instead of built.
func (s *Snapshot) Pairs() []string { return s.secrets.pairs }

// MayRefer reports whether some secret's value may hold a reference
// ("${", see ResolveRefs); false is certain.
func (s *Snapshot) MayRefer() bool {
	if s.secrets.pairs != nil {
		return s.secrets.mayRefer
	}
	for _, e := range s.secrets.entries {
		if strings.Contains(e.Value, "${") {
			return true
		}
	}
	return false
}

// Snapshot reads envName's secrets (the working state, or with at the
// committed state there), its personal overrides and its HEAD commit in
// one read transaction. On a clean HEAD without overrides that is a few
// small statements (the environment, its HEAD summary and its key stamps:
// sqlite.Tx.EnvHead) and one read of the HEAD file.
func (r *Repository) Snapshot(ctx context.Context, envName, at string) (Snapshot, error) {
	var s Snapshot
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		eh, err := r.envHead(tx, envName)
		if err != nil {
			return err
		}
		env, h := eh.Env, eh.Head
		s.Env, s.mapped = env.Name, eh.Mapped
		if eh.HasHead {
			s.Head = h.Target
		}
		var state map[string]string
		switch {
		case at != "":
			state, err = r.stateAt(tx, env, at)
		case eh.HasHead:
			var clean bool
			if s.secrets, clean, err = r.cleanHeadOf(tx, env, h); err != nil || clean {
				break
			}
			state, err = r.workingState(tx, env)
		default:
			state, err = r.workingState(tx, env)
		}
		if err != nil {
			return err
		}
		if state != nil {
			s.secrets = secrets{entries: sortedEntries(state)}
		}
		if h.Local > 0 {
			s.Local, err = r.loadLocal(tx, env)
		}
		return err
	})
	return s, err
}

// envHead resolves an environment name as env does and reads its HEAD
// summary and key stamps with it (again, through env, only when a git
// branch mapping must be consulted or an error phrased). The stamped
// envelopes serve key.
func (r *Repository) envHead(tx *sqlite.Tx, name string) (sqlite.EnvHead, error) {
	mapPrefix := ""
	if name == "" && r.opts.Branch != nil {
		mapPrefix = metaBranch
	}
	eh, err := tx.EnvHead(name, metaCurrentEnv, metaDefaultEnv, mapPrefix, refPrefix, vault.KeyStampSize)
	if err != nil {
		return eh, err
	}
	if !eh.Found || eh.Mapped {
		env, err := r.env(tx, name)
		if err != nil {
			return eh, err
		}
		if !eh.Found || env.ID != eh.Env.ID {
			mapped := eh.Mapped
			if eh, err = tx.EnvHead(env.Name, "", "", "", refPrefix, vault.KeyStampSize); err != nil {
				return eh, err
			}
			eh.Mapped = mapped
			if !eh.Found {
				return eh, &NotFoundError{What: "env", Name: env.Name}
			}
		}
	}
	if r.keyStamps == nil {
		r.keyStamps = map[keyID][]sqlite.Envelope{}
	}
	// These are all the stamped envelopes of the newest epoch, if any.
	r.keyStamps[keyID{eh.Env.ID, eh.Env.Epoch}] = eh.Stamped
	return eh, nil
}
