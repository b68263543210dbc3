package repo

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// commitDomain prefixes the bytes a commit signature covers.
const commitDomain = "egide v1 commit\x00"

// Commit is a decoded commit.
type Commit struct {
	ID        object.ID
	Env       string // the environment's current name
	Epoch     uint32
	Tree      object.ID
	Parents   []object.ID
	Author    string
	Signer    ed25519.PublicKey
	Time      time.Time
	Message   string
	Signature []byte

	// Verified is true when Signature is Signer's valid signature.
	Verified bool
	// Member is the age recipient of the member whose key signed, if known.
	Member string

	envID   object.EnvID
	checked bool // Verified is set
}

// unsigned encodes everything but the signature.
func (c *Commit) unsigned() []byte {
	b := []byte{1}
	b = append(b, c.Tree[:]...)
	b = binary.AppendUvarint(b, uint64(len(c.Parents)))
	for _, p := range c.Parents {
		b = append(b, p[:]...)
	}
	b = appendBytes(b, c.Author)
	b = append(b, c.Signer...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Time.Unix()))
	b = appendBytes(b, c.Message)
	return b
}

func signedBytes(env object.EnvID, unsigned []byte) []byte {
	b := make([]byte, 0, len(commitDomain)+len(env)+len(unsigned))
	b = append(b, commitDomain...)
	b = append(b, env[:]...)
	return append(b, unsigned...)
}

func decodeCommit(b []byte) (*Commit, error) {
	c := &Commit{}
	if len(b) < 1+object.Size || b[0] != 1 {
		return nil, fmt.Errorf("unknown commit version")
	}
	b = b[1:]
	copy(c.Tree[:], b)
	b = b[object.Size:]
	np, k := object.Uvarint(b)
	if k <= 0 || np > 64 || uint64(len(b)-k) < np*object.Size {
		return nil, fmt.Errorf("bad parents")
	}
	b = b[k:]
	for i := uint64(0); i < np; i++ {
		var p object.ID
		copy(p[:], b)
		c.Parents = append(c.Parents, p)
		b = b[object.Size:]
	}
	author, b, ok := readBytes(b)
	if !ok || len(b) < ed25519.PublicKeySize+8 {
		return nil, fmt.Errorf("truncated commit")
	}
	c.Author = string(author)
	c.Signer = ed25519.PublicKey(append([]byte(nil), b[:ed25519.PublicKeySize]...))
	b = b[ed25519.PublicKeySize:]
	c.Time = time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	b = b[8:]
	msg, b, ok := readBytes(b)
	if !ok || len(b) != ed25519.SignatureSize {
		return nil, fmt.Errorf("truncated commit")
	}
	c.Message = string(msg)
	c.Signature = append([]byte(nil), b...)
	return c, nil
}

// readCommit reads, decodes and verifies a commit of any environment. The
// result (signature status included) is cached for the Repository's life:
// callers must not modify it.
func (r *Repository) readCommit(tx *sqlite.Tx, id object.ID) (*Commit, error) {
	c, err := r.decodeCommitObject(tx, id)
	if err != nil {
		return nil, err
	}
	env, ok, err := r.envByID(tx, c.envID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &CorruptObjectError{ID: id.String(), Why: "belongs to an unknown environment"}
	}
	c.Env = env.Name
	if !c.checked {
		if r.stamped(tx, c) {
			c.Verified = true // this identity verified (or made) it before
		} else {
			c.Verified = vault.Verify(c.Signer, signedBytes(c.envID, c.unsigned()), c.Signature)
			if c.Verified && tx.Writable() {
				if id, err := r.identity(); err == nil {
					if err := tx.StampCommit(c.ID, id.Stamp(stampCommit, c.ID[:])); err != nil {
						return nil, err
					}
				}
			}
		}
		c.checked = true
	}
	members, err := r.loadMembers(tx)
	if err != nil {
		return nil, err
	}
	c.Member, _ = memberBySigningKey(members, c.Signer)
	return c, nil
}

// stamped reports whether this identity's stamp in the commit index says
// it verified c's signature before (it stamps the commits it makes and, in
// write transactions, those it verifies).
func (r *Repository) stamped(tx *sqlite.Tx, c *Commit) bool { return r.stampedID(tx, c.ID) }

func (r *Repository) stampedID(tx *sqlite.Tx, commit object.ID) bool {
	id, err := r.identity()
	if err != nil {
		return false
	}
	stamp, err := tx.CommitStamp(commit)
	return err == nil && id.CheckStamp(stampCommit, commit[:], stamp)
}

// decodeCommitObject reads and decodes a commit, checking its id and seal
// but not yet its signature (walks that only need a parent's tree use it).
func (r *Repository) decodeCommitObject(tx *sqlite.Tx, id object.ID) (*Commit, error) {
	if c, ok := r.commits[id]; ok {
		return c, nil
	}
	data, ok, err := tx.Object(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("commit %s: %w", id.Short(), ErrNotFound)
	}
	h, _, err := object.Decode(data)
	if err != nil {
		return nil, &CorruptObjectError{ID: id.String(), Why: err.Error()}
	}
	env, ok, err := r.envByID(tx, h.Env)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &CorruptObjectError{ID: id.String(), Why: "belongs to an unknown environment"}
	}
	h, body, err := r.checkObject(tx, env, id, data)
	if err != nil {
		return nil, err
	}
	if h.Type != object.TypeCommit {
		return nil, fmt.Errorf("%s is a %s, not a commit: %w", id.Short(), h.Type, ErrInvalid)
	}
	c, err := decodeCommit(body)
	if err != nil {
		return nil, &CorruptObjectError{ID: id.String(), Why: err.Error()}
	}
	if len(h.Refs) != 1+len(c.Parents) || h.Refs[0] != c.Tree {
		return nil, &CorruptObjectError{ID: id.String(), Why: "header references do not match the commit"}
	}
	for i, p := range c.Parents {
		if h.Refs[1+i] != p {
			return nil, &CorruptObjectError{ID: id.String(), Why: "header references do not match the commit"}
		}
	}
	c.ID, c.Env, c.Epoch, c.envID = id, env.Name, h.Epoch, h.Env
	r.commits[id] = c
	return c, nil
}

// trustedCommit reads a commit whose content is about to be used, and
// refuses one whose signature does not verify.
func (r *Repository) trustedCommit(tx *sqlite.Tx, id object.ID) (*Commit, error) {
	c, err := r.readCommit(tx, id)
	if err != nil {
		return nil, err
	}
	if !c.Verified {
		return nil, fmt.Errorf("commit %s: %w", id.Short(), vault.ErrBadSignature)
	}
	return c, nil
}

// commitChanges applies changes to env's HEAD and records a commit. It
// fails with ErrNothingToCommit when nothing would change, unless allowEmpty.
func (r *Repository) commitChanges(tx *sqlite.Tx, env sqlite.Env, changes []change, message string, allowEmpty bool) (*Commit, error) {
	id, err := r.ensureMember(tx)
	if err != nil {
		return nil, err
	}
	head, hasHead, err := tx.Ref(refName(env.Name))
	if err != nil {
		return nil, err
	}
	var root object.ID
	var parents []object.ID
	if hasHead {
		pc, err := r.trustedCommit(tx, head)
		if err != nil {
			return nil, err
		}
		root, parents = pc.Tree, []object.ID{head}
	}
	newRoot, err := r.applyToTree(tx, env, root, changes)
	if err != nil {
		return nil, err
	}
	if newRoot == root && hasHead && !allowEmpty {
		return nil, ErrNothingToCommit
	}
	k, err := r.key(tx, env, env.Epoch)
	if err != nil {
		return nil, err
	}
	author := ""
	if r.opts.Author != nil {
		author = r.opts.Author()
	}
	c := &Commit{Env: env.Name, Epoch: env.Epoch, Tree: newRoot, Parents: parents, Author: author,
		Signer: id.SigningKey(), Time: r.opts.Now(), Message: message, Verified: true, Member: id.Recipient(),
		envID: env.ID, checked: true}
	unsigned := c.unsigned()
	c.Signature = id.Sign(signedBytes(env.ID, unsigned))
	h := object.Header{Type: object.TypeCommit, Env: env.ID, Epoch: env.Epoch, Refs: append([]object.ID{newRoot}, parents...)}
	c.ID, err = r.writeObject(tx, h, k, append(unsigned, c.Signature...))
	if err != nil {
		return nil, err
	}
	if err := r.indexCommit(tx, env, c); err != nil {
		return nil, err
	}
	if err := tx.SetRef(refName(env.Name), c.ID, head); err != nil {
		return nil, err
	}
	return c, r.advanceHead(tx, env, head, hasHead, c, changes)
}

// advanceHead moves env's HEAD cache from the parent to c by applying
// changes, or rebuilds it from c's tree when the parent was not cached.
func (r *Repository) advanceHead(tx *sqlite.Tx, env sqlite.Env, parent object.ID, hasParent bool, c *Commit, changes []change) error {
	state := map[string]string{}
	if hasParent {
		s, ok, err := r.cachedHead(tx, env, parent, false)
		if err != nil {
			return err
		}
		if !ok {
			return r.refreshHead(tx, env, c)
		}
		for _, e := range s.list() {
			state[e.Key] = e.Value
		}
	}
	for _, ch := range changes {
		if ch.del {
			delete(state, ch.name)
		} else {
			state[ch.name] = ch.value
		}
	}
	return r.putHead(tx, env, c.ID, state)
}

// applyToTree returns the root of root's tree with changes applied, written
// in env's newest epoch. A tree of an older epoch is rebuilt whole under the
// new epoch's layout, its blobs re-sealed.
func (r *Repository) applyToTree(tx *sqlite.Tx, env sqlite.Env, root object.ID, changes []change) (object.ID, error) {
	old, err := r.openTree(tx, env, root)
	if err != nil {
		return root, err
	}
	t := old
	if old.epoch != env.Epoch {
		k, err := r.key(tx, env, env.Epoch)
		if err != nil {
			return root, err
		}
		t = &tree{r: r, tx: tx, env: env, epoch: env.Epoch, key: k}
		state, err := old.state(root)
		if err != nil {
			return root, err
		}
		for name, v := range state {
			changes = append([]change{{name: name, value: v}}, changes...)
		}
		root = object.Zero
	}
	ch := t.prepare(changes)
	if len(ch) > 64 && !root.IsZero() {
		// A large change visits most nodes: read the tree a level per
		// query instead of a node per query.
		if _, err := t.all(root); err != nil {
			return root, err
		}
	}
	newRoot, _, err := t.apply(root, 0, ch)
	if err != nil {
		return root, err
	}
	if newRoot.IsZero() {
		// The empty tree is an empty leaf, so that every commit names a tree.
		if root.IsZero() || len(ch) > 0 {
			return t.writeLeaf(nil)
		}
	}
	return newRoot, nil
}

// indexCommit records c's first-parent depth and skip pointer. The pointer
// follows the skew-binary scheme: jumps double in length, so that any
// ancestor depth is reached in O(log n) steps.
func (r *Repository) indexCommit(tx *sqlite.Tx, env sqlite.Env, c *Commit) error {
	ci := sqlite.CommitIndex{ID: c.ID, Env: env.ID}
	if id, err := r.identity(); err == nil && c.checked && c.Verified {
		ci.Stamp = id.Stamp(stampCommit, c.ID[:])
	}
	if len(c.Parents) > 0 {
		p, ok, err := tx.CommitIndex(c.Parents[0])
		if err != nil {
			return err
		}
		if !ok {
			return &CorruptObjectError{ID: c.Parents[0].String(), Why: "parent missing from the commit index"}
		}
		ci.Depth, ci.Parent, ci.Jump = p.Depth+1, p.ID, p.ID
		if !p.Jump.IsZero() {
			pj, ok, err := tx.CommitIndex(p.Jump)
			if err != nil {
				return err
			}
			if ok && !pj.Jump.IsZero() {
				pjj, ok, err := tx.CommitIndex(pj.Jump)
				if err != nil {
					return err
				}
				if ok && p.Depth-pj.Depth == pj.Depth-pjj.Depth {
					ci.Jump = pjj.ID
				}
			}
		}
	}
	return tx.PutCommitIndex(ci)
}

// ancestor returns the first-parent ancestor n generations above id.
func (r *Repository) ancestor(tx *sqlite.Tx, id object.ID, n int) (object.ID, error) {
	c, ok, err := tx.CommitIndex(id)
	if err != nil {
		return id, err
	}
	if !ok {
		return id, fmt.Errorf("commit %s: %w", id.Short(), ErrNotFound)
	}
	target := c.Depth - int64(n)
	if target < 0 {
		return id, &NotFoundError{What: "ref", Why: fmt.Sprintf("history has only %d commit(s) before %s", c.Depth, id.Short())}
	}
	for c.Depth > target {
		next := c.Parent
		if !c.Jump.IsZero() {
			j, ok, err := tx.CommitIndex(c.Jump)
			if err != nil {
				return id, err
			}
			if ok && j.Depth >= target {
				c = j
				continue
			}
		}
		if c, ok, err = tx.CommitIndex(next); err != nil {
			return id, err
		} else if !ok {
			return id, &CorruptObjectError{ID: next.String(), Why: "missing from the commit index"}
		}
	}
	return c.ID, nil
}

// Commit records env's uncommitted changes as a new signed commit.
//
// When every staged change is a no-op (values set to what they already
// are), the staged rows are dropped and ErrNothingToCommit is returned.
func (r *Repository) Commit(ctx context.Context, envName, message string) (*Commit, error) {
	var c *Commit
	noop := false
	err := r.update(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		work, err := r.loadWorking(tx, env)
		if err != nil {
			return err
		}
		if len(work) == 0 {
			return ErrNothingToCommit
		}
		c, err = r.commitChanges(tx, env, work, message, false)
		if errors.Is(err, ErrNothingToCommit) {
			noop = true
			return tx.ClearWorking(env.ID)
		}
		if err != nil {
			return err
		}
		return tx.ClearWorking(env.ID)
	})
	if err == nil && noop {
		return nil, ErrNothingToCommit
	}
	return c, err
}
