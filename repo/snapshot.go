package repo

import (
	"context"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
)

// Snapshot is what 'egide run' injects, read in one transaction.
type Snapshot struct {
	Env     string    // the environment's name
	Entries []Entry   // its secrets, sorted: the working state, or the committed state at a ref
	Local   []Entry   // its personal overrides ('set --local'), sorted
	Head    object.ID // its HEAD commit; zero before the first commit
}

// Snapshot reads envName's secrets (the working state, or with at the
// committed state there), its personal overrides and its HEAD commit in
// one read transaction: one environment lookup, one HEAD summary and, on a
// clean HEAD, one sealed row.
func (r *Repository) Snapshot(ctx context.Context, envName, at string) (Snapshot, error) {
	var s Snapshot
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		s.Env = env.Name
		h, hasHead, err := tx.Head(env.ID, refName(env.Name))
		if err != nil {
			return err
		}
		if hasHead {
			s.Head = h.Target
		}
		var state map[string]string
		switch {
		case at != "":
			state, err = r.stateAt(tx, env, at)
		case hasHead:
			var clean bool
			if s.Entries, clean, err = r.cleanHeadOf(tx, env, h); err != nil || clean {
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
			s.Entries = sortedEntries(state)
		}
		// The HEAD summary counts the overrides; without a HEAD, look.
		if !hasHead || h.Local > 0 {
			s.Local, err = r.loadLocal(tx, env)
		}
		return err
	})
	return s, err
}
