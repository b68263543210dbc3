package repo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"unsafe"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
)

// The HEAD cache holds, per environment, the whole state at its HEAD commit
// as one sealed row (sorted key/value pairs), so that export, list and run
// read one row instead of walking the tree. It is derived data: sealed under
// the environment key with the environment, epoch and commit id as
// associated data, rewritten by every command that moves HEAD, ignored when
// it names another commit than HEAD, and checked against the tree by fsck.
// The HEAD file (headfile.go) holds the same state again, beside the
// database, where one read brings it in; readers try it first.
const headDomain = "egide v1 head cache\x00"

func headAAD(env object.EnvID, epoch uint32, commit object.ID) []byte {
	b := append([]byte(headDomain), env[:]...)
	b = binary.BigEndian.AppendUint32(b, epoch)
	return append(b, commit[:]...)
}

// cachedHead returns env's state at commit from the HEAD file, else from
// the HEAD cache row, or ok false when neither holds it (they hold HEAD's).
// With rebuild, a row that serves rewrites the missing, stale or damaged
// file: commit must be env's HEAD in tx.
func (r *Repository) cachedHead(tx *sqlite.Tx, env sqlite.Env, commit object.ID, rebuild bool) (secrets, bool, error) {
	if s, ok := r.readHeadFile(tx, env, commit); ok {
		return s, true, nil
	}
	h, ok, err := tx.HeadCache(env.ID)
	if err != nil || !ok || h.Commit != commit {
		return secrets{}, false, err
	}
	es, ok, err := r.openHeadCache(tx, env, h)
	if err != nil || !ok {
		return secrets{}, false, err
	}
	if rebuild {
		r.rebuildHeadFile(tx, env, h.Epoch, commit, es)
	}
	return secrets{entries: es}, true, nil
}

// cachedHeadRow returns env's state at commit from the HEAD cache row
// alone, or ok false.
func (r *Repository) cachedHeadRow(tx *sqlite.Tx, env sqlite.Env, commit object.ID) ([]Entry, bool, error) {
	h, ok, err := tx.HeadCache(env.ID)
	if err != nil || !ok || h.Commit != commit {
		return nil, false, err
	}
	return r.openHeadCache(tx, env, h)
}

// openHeadCache decrypts and decodes a HEAD cache row.
func (r *Repository) openHeadCache(tx *sqlite.Tx, env sqlite.Env, h sqlite.HeadCache) ([]Entry, bool, error) {
	commit := h.Commit
	k, err := r.key(tx, env, h.Epoch)
	if err != nil {
		return nil, false, err
	}
	// Decrypted in place, the row's buffer becomes the plaintext; nothing
	// else refers to it, so it becomes, without a copy, the one string the
	// entries are substrings of (10,000 keys: ~0.6 MB not copied twice).
	body, err := k.OpenInPlace(headAAD(env.ID, h.Epoch, commit), h.Data)
	if err != nil {
		return nil, false, fmt.Errorf("head cache of env %q: %w", env.Name, ErrCorrupt)
	}
	out, err := decodeHead(unsafe.String(unsafe.SliceData(body), len(body)))
	if err != nil {
		return nil, false, fmt.Errorf("head cache of env %q: %w", env.Name, ErrCorrupt)
	}
	return out, true, nil
}

// decodeHead decodes a HEAD cache body: a count, then that many
// length-prefixed (name, value) pairs.
func decodeHead(sb string) ([]Entry, error) {
	bad := errors.New("malformed head cache")
	n, p := uvarintString(sb)
	if p <= 0 || n > uint64(len(sb)) {
		return nil, bad
	}
	out := make([]Entry, 0, n)
	for i := uint64(0); i < n; i++ {
		var name, value string
		var ok bool
		if name, p, ok = substr(sb, p); !ok {
			return nil, bad
		}
		if value, p, ok = substr(sb, p); !ok {
			return nil, bad
		}
		out = append(out, Entry{Key: name, Value: value})
	}
	if p != len(sb) {
		return nil, bad
	}
	return out, nil
}

// uvarintString decodes a minimal uvarint at the start of s without
// copying (the string twin of object.Uvarint).
func uvarintString(s string) (uint64, int) {
	var v uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i > 0 && c == 0 || i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -1
			}
			return v | uint64(c)<<(7*i), i + 1
		}
		v |= uint64(c&0x7f) << (7 * i)
	}
	return 0, -1
}

// substr reads a length-prefixed string at s[p:], returning it and the
// offset after it.
func substr(s string, p int) (string, int, bool) {
	l, k := uvarintString(s[p:])
	if k <= 0 || uint64(len(s)-p-k) < l {
		return "", p, false
	}
	start := p + k
	return s[start : start+int(l)], start + int(l), true
}

// putHead caches state as env's state at commit, in the row and, when the
// transaction succeeds, in the HEAD file.
func (r *Repository) putHead(tx *sqlite.Tx, env sqlite.Env, commit object.ID, state map[string]string) error {
	k, err := r.key(tx, env, env.Epoch)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(state))
	size := 8
	for n, v := range state {
		names = append(names, n)
		size += len(n) + len(v) + 6
	}
	sort.Strings(names)
	es := make([]Entry, len(names))
	for i, n := range names {
		es[i] = Entry{Key: n, Value: state[n]}
	}
	body := make([]byte, 0, size)
	body = binary.AppendUvarint(body, uint64(len(es)))
	for _, e := range es {
		body = appendBytes(body, e.Key)
		body = appendBytes(body, e.Value)
	}
	data := k.Seal(nil, headAAD(env.ID, env.Epoch, commit), body)
	clear(body)
	if err := tx.PutHeadCache(env.ID, sqlite.HeadCache{Commit: commit, Epoch: env.Epoch, Data: data}); err != nil {
		return err
	}
	r.queueHeadFile(env.ID, sealHeadFile(k, env.ID, env.Epoch, commit, es))
	return nil
}

// refreshHead rebuilds env's cache for commit from the commit's tree.
func (r *Repository) refreshHead(tx *sqlite.Tx, env sqlite.Env, c *Commit) error {
	state, err := r.treeState(tx, c.Tree)
	if err != nil {
		return err
	}
	return r.putHead(tx, env, c.ID, state)
}
