package repo

import (
	"container/heap"
	"context"
	"fmt"
	"strings"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
)

// LogOptions select what Log returns.
type LogOptions struct {
	Key   string // only commits that changed this key
	Max   int    // at most this many commits (0: all)
	Patch bool   // fill in each commit's changes
}

// LogEntry is one commit in a history, with its changes against its first
// parent when asked for.
type LogEntry struct {
	*Commit
	Changes []Change
}

// Log returns env's history, newest first.
func (r *Repository) Log(ctx context.Context, envName string, o LogOptions) ([]LogEntry, error) {
	out, _, err := r.LogPage(ctx, envName, o, nil)
	return out, err
}

// LogPage returns one page of env's history, newest first: up to o.Max
// commits (all with 0) reachable from the commits in from, or from HEAD
// when from is empty. next is where the following page starts (the walk's
// frontier), nil once the history is exhausted. A terminal browser pages
// through 10,000 commits this way without reading them all.
func (r *Repository) LogPage(ctx context.Context, envName string, o LogOptions, from []object.ID) (out []LogEntry, next []object.ID, err error) {
	if o.Key != "" {
		if err := ValidateKey(o.Key); err != nil {
			return nil, nil, err
		}
	}
	err = r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		if len(from) == 0 {
			head, ok, err := tx.Ref(refName(env.Name))
			if err != nil || !ok {
				return err
			}
			from = []object.ID{head}
		}
		q := &commitQueue{}
		seen := map[object.ID]bool{}
		for _, id := range from {
			if seen[id] {
				continue
			}
			seen[id] = true
			c, err := r.readCommit(tx, id)
			if err != nil {
				return err
			}
			heap.Push(q, c)
		}
		for q.Len() > 0 && (o.Max <= 0 || len(out) < o.Max) {
			c := heap.Pop(q).(*Commit)
			for _, p := range c.Parents {
				if !seen[p] {
					seen[p] = true
					pc, err := r.readCommit(tx, p)
					if err != nil {
						return err
					}
					heap.Push(q, pc)
				}
			}
			e := LogEntry{Commit: c}
			if o.Key != "" {
				touched, err := r.touched(tx, c, o.Key)
				if err != nil {
					return err
				}
				if !touched {
					continue
				}
			}
			if o.Patch {
				if e.Changes, err = r.changesOf(tx, c); err != nil {
					return err
				}
				if o.Key != "" {
					e.Changes = onlyKey(e.Changes, o.Key)
				}
			}
			out = append(out, e)
		}
		for _, c := range *q {
			next = append(next, c.ID)
		}
		return nil
	})
	return out, next, err
}

func onlyKey(cs []Change, key string) []Change {
	for _, c := range cs {
		if c.Key == key {
			return []Change{c}
		}
	}
	return nil
}

// commitQueue orders commits newest first.
type commitQueue []*Commit

func (q commitQueue) Len() int { return len(q) }
func (q commitQueue) Less(i, j int) bool {
	if q[i].Time.Equal(q[j].Time) {
		return q[i].ID.String() > q[j].ID.String()
	}
	return q[i].Time.After(q[j].Time)
}
func (q commitQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)   { *q = append(*q, x.(*Commit)) }
func (q *commitQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// parentTree returns the tree of c's first parent, or zero for a root commit.
func (r *Repository) parentTree(tx *sqlite.Tx, c *Commit) (object.ID, error) {
	if len(c.Parents) == 0 {
		return object.Zero, nil
	}
	p, err := r.decodeCommitObject(tx, c.Parents[0])
	if err != nil {
		return object.Zero, err
	}
	return p.Tree, nil
}

// changesOf returns what c changed against its first parent.
func (r *Repository) changesOf(tx *sqlite.Tx, c *Commit) ([]Change, error) {
	pt, err := r.parentTree(tx, c)
	if err != nil {
		return nil, err
	}
	return r.diffTrees(tx, pt, c.Tree)
}

// touched reports whether c changed key against its first parent.
func (r *Repository) touched(tx *sqlite.Tx, c *Commit, key string) (bool, error) {
	pt, err := r.parentTree(tx, c)
	if err != nil {
		return false, err
	}
	if pt == c.Tree {
		return false, nil
	}
	a, aok, err := r.lookupIn(tx, pt, key)
	if err != nil {
		return false, err
	}
	b, bok, err := r.lookupIn(tx, c.Tree, key)
	if err != nil {
		return false, err
	}
	return aok != bok || aok && !equalValues(a, b), nil
}

// lookupIn reads key from the tree rooted at root (zero: the empty tree).
func (r *Repository) lookupIn(tx *sqlite.Tx, root object.ID, key string) (string, bool, error) {
	if root.IsZero() {
		return "", false, nil
	}
	env, err := r.envOfObject(tx, root)
	if err != nil {
		return "", false, err
	}
	t, err := r.openTree(tx, env, root)
	if err != nil {
		return "", false, err
	}
	return t.get(root, key)
}

// diffTrees compares two trees (zero: empty), of the same environment or
// not. Trees of one layout are compared node by node, skipping shared
// subtrees; others are compared key by key.
func (r *Repository) diffTrees(tx *sqlite.Tx, a, b object.ID) ([]Change, error) {
	if a == b {
		return nil, nil
	}
	var ta, tb *tree
	for _, side := range []struct {
		root object.ID
		t    **tree
	}{{a, &ta}, {b, &tb}} {
		if side.root.IsZero() {
			continue
		}
		env, err := r.envOfObject(tx, side.root)
		if err != nil {
			return nil, err
		}
		if *side.t, err = r.openTree(tx, env, side.root); err != nil {
			return nil, err
		}
	}
	if ta == nil || tb == nil || ta.env.ID != tb.env.ID || ta.epoch != tb.epoch {
		sa, err := stateOf(ta, a)
		if err != nil {
			return nil, err
		}
		sb, err := stateOf(tb, b)
		if err != nil {
			return nil, err
		}
		return diffMaps(sa, sb), nil
	}
	var out []Change
	if err := ta.diffNodes(a, b, &out); err != nil {
		return nil, err
	}
	sortChanges(out)
	return out, nil
}

func stateOf(t *tree, root object.ID) (map[string]string, error) {
	if t == nil {
		return map[string]string{}, nil
	}
	return t.state(root)
}

func (t *tree) diffNodes(a, b object.ID, out *[]Change) error {
	// Walk both trees a level at a time, loading each level's differing
	// nodes in one query, and descend only where subtrees differ.
	pairs := [][2]object.ID{{a, b}}
	for len(pairs) > 0 {
		var ids []object.ID
		for _, p := range pairs {
			for _, id := range p {
				if !id.IsZero() {
					ids = append(ids, id)
				}
			}
		}
		if _, err := t.loadMany(ids); err != nil {
			return err
		}
		var next [][2]object.ID
		for _, p := range pairs {
			if !p[0].IsZero() && !p[1].IsZero() {
				na, err := t.load(p[0])
				if err != nil {
					return err
				}
				nb, err := t.load(p[1])
				if err != nil {
					return err
				}
				if !na.leaf && !nb.leaf {
					for i := range na.children {
						if na.children[i] != nb.children[i] {
							next = append(next, [2]object.ID{na.children[i], nb.children[i]})
						}
					}
					continue
				}
			}
			if err := t.diffEntries(p[0], p[1], out); err != nil {
				return err
			}
		}
		pairs = next
	}
	return nil
}

// diffEntries compares two subtrees key by key.
func (t *tree) diffEntries(a, b object.ID, out *[]Change) error {
	ea, err := t.all(a)
	if err != nil {
		return err
	}
	eb, err := t.all(b)
	if err != nil {
		return err
	}
	byName := make(map[string]*entry, len(ea))
	for i := range ea {
		byName[ea[i].name] = &ea[i]
	}
	for i := range eb {
		e := &eb[i]
		old, ok := byName[e.name]
		nv, err := t.value(e)
		if err != nil {
			return err
		}
		if !ok {
			*out = append(*out, Change{Key: e.name, Kind: Added, New: nv})
			continue
		}
		delete(byName, e.name)
		if !old.blob.IsZero() && old.blob == e.blob {
			continue
		}
		ov, err := t.value(old)
		if err != nil {
			return err
		}
		if !equalValues(ov, nv) {
			*out = append(*out, Change{Key: e.name, Kind: Changed, Old: ov, New: nv})
		}
	}
	for _, old := range byName {
		ov, err := t.value(old)
		if err != nil {
			return err
		}
		*out = append(*out, Change{Key: old.name, Kind: Removed, Old: ov})
	}
	return nil
}

// Show returns the commit a REF names, with its changes.
func (r *Repository) Show(ctx context.Context, envName, ref string) (*LogEntry, error) {
	var e *LogEntry
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		id, err := r.resolve(tx, env, ref)
		if err != nil {
			return err
		}
		c, err := r.readCommit(tx, id)
		if err != nil {
			return err
		}
		ch, err := r.changesOf(tx, c)
		if err != nil {
			return err
		}
		e = &LogEntry{Commit: c, Changes: ch}
		return nil
	})
	return e, err
}

// Diff compares states of env. With no ref: the working state against HEAD
// (what status shows). With one: the commit at refs[0] against the working
// state. With two: refs[0] against refs[1], which may belong to different
// environments.
func (r *Repository) Diff(ctx context.Context, envName string, refs ...string) ([]Change, error) {
	if len(refs) == 0 {
		return r.Status(ctx, envName)
	}
	if len(refs) > 2 {
		return nil, fmt.Errorf("%w: diff takes at most two refs", ErrInvalid)
	}
	var out []Change
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		var trees [2]object.ID
		var commits [2]*Commit
		for i, ref := range refs {
			id, err := r.resolve(tx, env, ref)
			if err != nil {
				return err
			}
			c, err := r.trustedCommit(tx, id)
			if err != nil {
				return err
			}
			trees[i], commits[i] = c.Tree, c
		}
		if len(refs) == 2 {
			if far, err := r.farApart(tx, commits[0], commits[1]); err != nil || !far {
				if err != nil {
					return err
				}
				out, err = r.diffTrees(tx, trees[0], trees[1])
				return err
			}
			// Far apart, most keys differ anyway: compare whole states, the
			// HEAD side (if any) straight from the HEAD cache.
			var states [2]map[string]string
			for i, c := range commits {
				if states[i], err = r.commitState(tx, c); err != nil {
					return err
				}
			}
			out = diffMaps(states[0], states[1])
			return nil
		}
		a, err := r.treeState(tx, trees[0])
		if err != nil {
			return err
		}
		b, err := r.workingState(tx, env)
		if err != nil {
			return err
		}
		out = diffMaps(a, b)
		return nil
	})
	return out, err
}

// farApart reports whether two commits are more than 64 first-parent
// generations apart (or in different environments).
func (r *Repository) farApart(tx *sqlite.Tx, a, b *Commit) (bool, error) {
	if a.envID != b.envID {
		return true, nil
	}
	ia, ok1, err := tx.CommitIndex(a.ID)
	if err != nil {
		return false, err
	}
	ib, ok2, err := tx.CommitIndex(b.ID)
	if err != nil || !ok1 || !ok2 {
		return false, err
	}
	d := ia.Depth - ib.Depth
	return d > 64 || d < -64, nil
}

// commitState returns the state at c, from the HEAD cache when c is its
// environment's cached HEAD.
func (r *Repository) commitState(tx *sqlite.Tx, c *Commit) (map[string]string, error) {
	env, ok, err := r.envByID(tx, c.envID)
	if err != nil {
		return nil, err
	}
	if ok {
		if s, hit, err := r.cachedHead(tx, env, c.ID, false); err != nil {
			return nil, err
		} else if hit {
			es := s.list()
			m := make(map[string]string, len(es))
			for _, e := range es {
				m[e.Key] = e.Value
			}
			return m, nil
		}
	}
	return r.treeState(tx, c.Tree)
}

// Revert records a new commit on env that undoes the commit at ref. Every
// key ref changed must still hold the value ref gave it, else it fails with
// a *ConflictError; uncommitted changes must be committed or reset first.
func (r *Repository) Revert(ctx context.Context, envName, ref string) (*Commit, error) {
	var out *Commit
	err := r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		if err := r.requireClean(tx, env); err != nil {
			return err
		}
		c, err := r.ownCommit(tx, env, ref)
		if err != nil {
			return err
		}
		id := c.ID
		changes, err := r.changesOf(tx, c)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return fmt.Errorf("%w: commit %s changed nothing", ErrNothingToCommit, id.Short())
		}
		head, err := r.headState(tx, env)
		if err != nil {
			return err
		}
		var conflicts []string
		var inverse []change
		for _, ch := range changes {
			cur, has := head[ch.Key]
			switch ch.Kind {
			case Removed:
				if has {
					conflicts = append(conflicts, ch.Key)
				}
				inverse = append(inverse, change{name: ch.Key, value: ch.Old})
			case Added:
				if !has || !equalValues(cur, ch.New) {
					conflicts = append(conflicts, ch.Key)
				}
				inverse = append(inverse, change{name: ch.Key, del: true})
			case Changed:
				if !has || !equalValues(cur, ch.New) {
					conflicts = append(conflicts, ch.Key)
				}
				inverse = append(inverse, change{name: ch.Key, value: ch.Old})
			}
		}
		if len(conflicts) > 0 {
			return &ConflictError{Op: "revert " + id.Short(), Keys: conflicts}
		}
		subject, _, _ := strings.Cut(c.Message, "\n")
		msg := fmt.Sprintf("Revert %q\n\nThis reverts commit %s.", subject, id)
		if out, err = r.commitChanges(tx, env, inverse, msg, false); err != nil {
			return err
		}
		return tx.ClearWorking(env.ID)
	})
	return out, err
}

// ownCommit resolves ref to a verified commit of env itself (revert and
// reset cannot take another environment's commit).
func (r *Repository) ownCommit(tx *sqlite.Tx, env sqlite.Env, ref string) (*Commit, error) {
	id, err := r.resolve(tx, env, ref)
	if err != nil {
		return nil, err
	}
	c, err := r.trustedCommit(tx, id)
	if err != nil {
		return nil, err
	}
	if c.Env != env.Name {
		return nil, fmt.Errorf("%w: commit %s belongs to env %q, not %q", ErrInvalid, id.Short(), c.Env, env.Name)
	}
	return c, nil
}

// requireClean fails with ErrDirty when env has effective uncommitted changes.
func (r *Repository) requireClean(tx *sqlite.Tx, env sqlite.Env) error {
	work, err := r.loadWorking(tx, env)
	if err != nil || len(work) == 0 {
		return err
	}
	head, err := r.headState(tx, env)
	if err != nil {
		return err
	}
	for _, c := range work {
		v, ok := head[c.name]
		if c.del == ok || !c.del && !equalValues(v, c.value) {
			return fmt.Errorf("env %q: %w", env.Name, ErrDirty)
		}
	}
	return nil
}

// Reset moves env to the commit at ref. Uncommitted changes are kept,
// unless hard, which discards them.
func (r *Repository) Reset(ctx context.Context, envName, ref string, hard bool) (*Commit, error) {
	var out *Commit
	err := r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		c, err := r.ownCommit(tx, env, ref)
		if err != nil {
			return err
		}
		id := c.ID
		head, err := r.head(tx, env.Name)
		if err != nil {
			return err
		}
		if err := tx.SetRef(refName(env.Name), id, head); err != nil {
			return err
		}
		if err := r.refreshHead(tx, env, c); err != nil {
			return err
		}
		out = c
		if hard {
			return tx.ClearWorking(env.ID)
		}
		return nil
	})
	return out, err
}
