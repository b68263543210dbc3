package repo

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// Tree shape parameters. They are part of the format: a tree written with
// other values is still readable (readers follow whatever nodes say), but
// writers must agree for the shape to be canonical.
const (
	fanout    = 16         // children per internal node (one nibble of the slot)
	leafMax   = 16         // a subtree with at most this many keys is a leaf
	inlineMax = 256        // values up to this size live inside the leaf
	maxDepth  = 2 * 32     // nibbles in a slot; below this a leaf holds all
	nodeLeaf  = byte(0x00) // node body kinds
	nodeInner = byte(0x01)
)

// entry is one key in a leaf. A value over inlineMax lives in a blob.
type entry struct {
	name   string
	slot   [32]byte // valid when slotted
	value  string
	blob   object.ID // non-zero when the value is a blob
	loaded bool      // value is valid (always true for inline values)
	// slotted is true once slot is computed: reads never need it, so it is
	// computed only when a tree is written.
	slotted bool
}

type node struct {
	leaf     bool
	epoch    uint32
	entries  []entry // leaf, sorted by slot
	children [fanout]object.ID
	counts   [fanout]int
}

func (n *node) count() int {
	if n.leaf {
		return len(n.entries)
	}
	s := 0
	for _, c := range n.counts {
		s += c
	}
	return s
}

func nibble(slot [32]byte, depth int) int {
	b := slot[depth/2]
	if depth%2 == 0 {
		return int(b >> 4)
	}
	return int(b & 0x0f)
}

// tree reads and writes the nodes of one environment's tree, whose layout
// is that of one key epoch.
type tree struct {
	r     *Repository
	tx    *sqlite.Tx
	env   sqlite.Env
	epoch uint32
	key   *vault.Key
}

// openTree prepares to read the tree rooted at root (its epoch is read from
// the root's header). A zero root is the empty tree.
func (r *Repository) openTree(tx *sqlite.Tx, env sqlite.Env, root object.ID) (*tree, error) {
	epoch := env.Epoch
	if n, ok := r.nodes[root]; ok {
		epoch = n.epoch
	} else if !root.IsZero() {
		data, ok, err := tx.Object(root)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &CorruptObjectError{ID: root.String(), Why: "missing from the repository"}
		}
		h, _, err := object.Decode(data)
		if err != nil {
			return nil, &CorruptObjectError{ID: root.String(), Why: err.Error()}
		}
		epoch = h.Epoch
	}
	k, err := r.key(tx, env, epoch)
	if err != nil {
		return nil, err
	}
	return &tree{r: r, tx: tx, env: env, epoch: epoch, key: k}, nil
}

func (t *tree) load(id object.ID) (*node, error) {
	if n, ok := t.r.nodes[id]; ok {
		return n, t.sameEpoch(id, n)
	}
	data, ok, err := t.tx.Object(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &CorruptObjectError{ID: id.String(), Why: "missing from the repository"}
	}
	return t.decode(id, data)
}

// loadMany loads nodes with one query per batch, for walks that visit a
// whole level at once.
func (t *tree) loadMany(ids []object.ID) ([]*node, error) {
	out := make([]*node, len(ids))
	var missing []object.ID
	for i, id := range ids {
		if n, ok := t.r.nodes[id]; ok {
			if err := t.sameEpoch(id, n); err != nil {
				return nil, err
			}
			out[i] = n
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		found, err := t.tx.Objects(missing)
		if err != nil {
			return nil, err
		}
		for i, id := range ids {
			if out[i] != nil {
				continue
			}
			data, ok := found[id]
			if !ok {
				return nil, &CorruptObjectError{ID: id.String(), Why: "missing from the repository"}
			}
			if out[i], err = t.decode(id, data); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (t *tree) decode(id object.ID, data []byte) (*node, error) {
	h, body, err := t.r.checkObject(t.tx, t.env, id, data)
	if err != nil {
		return nil, err
	}
	if h.Type != object.TypeTree {
		return nil, &CorruptObjectError{ID: id.String(), Why: fmt.Sprintf("is a %s where a tree was expected", h.Type)}
	}
	if h.Epoch != t.epoch {
		return nil, &CorruptObjectError{ID: id.String(), Why: "tree node of another key epoch than its root"}
	}
	n, err := t.decodeNode(h, body)
	if err != nil {
		return nil, &CorruptObjectError{ID: id.String(), Why: err.Error()}
	}
	t.r.nodes[id] = n
	return n, nil
}

// sameEpoch refuses a cached node of another layout than this tree's.
func (t *tree) sameEpoch(id object.ID, n *node) error {
	if n.epoch != t.epoch {
		return &CorruptObjectError{ID: id.String(), Why: "tree node of another key epoch than its root"}
	}
	return nil
}

func (t *tree) decodeNode(h object.Header, b []byte) (*node, error) {
	n := &node{epoch: h.Epoch}
	if len(b) < 1 {
		return nil, fmt.Errorf("empty tree node")
	}
	kind, b := b[0], b[1:]
	switch kind {
	case nodeInner:
		if len(b) < 2 {
			return nil, fmt.Errorf("truncated inner node")
		}
		bitmap := binary.BigEndian.Uint16(b)
		b = b[2:]
		ref := 0
		for i := 0; i < fanout; i++ {
			if bitmap&(1<<(15-i)) == 0 {
				continue
			}
			c, k := object.Uvarint(b)
			if k <= 0 || c == 0 || ref >= len(h.Refs) {
				return nil, fmt.Errorf("bad inner node")
			}
			b = b[k:]
			n.children[i], n.counts[i] = h.Refs[ref], int(c)
			ref++
		}
		if ref != len(h.Refs) || len(b) != 0 {
			return nil, fmt.Errorf("inner node references do not match")
		}
	case nodeLeaf:
		n.leaf = true
		// One string for the body: names and values are substrings of it.
		sb := string(b)
		cnt, p := uvarintString(sb)
		if p <= 0 || cnt > uint64(len(sb)) {
			return nil, fmt.Errorf("bad leaf count")
		}
		n.entries = make([]entry, 0, cnt)
		used := make([]bool, len(h.Refs)) // each reference exactly once
		nused := 0
		for i := uint64(0); i < cnt; i++ {
			name, q, ok := substr(sb, p)
			if !ok || q >= len(sb) {
				return nil, fmt.Errorf("truncated leaf")
			}
			e := entry{name: name}
			flag := sb[q]
			p = q + 1
			switch flag {
			case 0:
				v, q, ok := substr(sb, p)
				if !ok {
					return nil, fmt.Errorf("truncated leaf value")
				}
				e.value, e.loaded, p = v, true, q
			case 1:
				idx, k := uvarintString(sb[p:])
				if k <= 0 || idx >= uint64(len(h.Refs)) || used[idx] {
					return nil, fmt.Errorf("bad blob reference")
				}
				used[idx] = true
				e.blob, p = h.Refs[idx], p+k
				nused++
			default:
				return nil, fmt.Errorf("bad leaf entry flag")
			}
			n.entries = append(n.entries, e)
		}
		if p != len(sb) || nused != len(h.Refs) {
			return nil, fmt.Errorf("leaf references do not match")
		}
	default:
		return nil, fmt.Errorf("unknown tree node kind %d", kind)
	}
	return n, nil
}

func readBytes(b []byte) (v, rest []byte, ok bool) {
	l, k := object.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < l {
		return nil, nil, false
	}
	return b[k : k+int(l)], b[k+int(l):], true
}

func appendBytes(b []byte, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// value returns an entry's value, reading its blob if needed.
func (t *tree) value(e *entry) (string, error) {
	if e.loaded {
		return e.value, nil
	}
	_, body, err := t.r.readObject(t.tx, t.env, e.blob, object.TypeBlob)
	if err != nil {
		return "", err
	}
	e.value, e.loaded = string(body), true
	return e.value, nil
}

// get returns name's value under root.
func (t *tree) get(root object.ID, name string) (string, bool, error) {
	e, err := t.lookup(root, name)
	if err != nil || e == nil {
		return "", false, err
	}
	v, err := t.value(e)
	return v, err == nil, err
}

// lookup finds name's entry under root, without reading its blob.
func (t *tree) lookup(root object.ID, name string) (*entry, error) {
	slot := t.key.Slot(name)
	id := root
	for depth := 0; !id.IsZero(); depth++ {
		n, err := t.load(id)
		if err != nil {
			return nil, err
		}
		if n.leaf {
			for i := range n.entries {
				if n.entries[i].name == name {
					return &n.entries[i], nil
				}
			}
			return nil, nil
		}
		id = n.children[nibble(slot, depth)]
	}
	return nil, nil
}

// all returns every entry under id (blobs not read), reading the subtree
// one level at a time.
func (t *tree) all(id object.ID) ([]entry, error) {
	var out []entry
	level := []object.ID{id}
	for len(level) > 0 {
		var next []object.ID
		for _, id := range level {
			if !id.IsZero() {
				next = append(next, id)
			}
		}
		nodes, err := t.loadMany(next)
		if err != nil {
			return nil, err
		}
		level = level[:0]
		for _, n := range nodes {
			if n.leaf {
				out = append(out, n.entries...)
				continue
			}
			for _, c := range n.children {
				if !c.IsZero() {
					level = append(level, c)
				}
			}
		}
	}
	return out, nil
}

// state returns the whole key→value map under root.
func (t *tree) state(root object.ID) (map[string]string, error) {
	es, err := t.all(root)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(es))
	for i := range es {
		v, err := t.value(&es[i])
		if err != nil {
			return nil, err
		}
		m[es[i].name] = v
	}
	return m, nil
}

// change is one key's new value, or its removal.
type change struct {
	name  string
	value string
	del   bool
	slot  [32]byte
}

// prepare computes slots, keeps the last change per name and sorts by slot.
func (t *tree) prepare(ch []change) []change {
	last := make(map[string]int, len(ch))
	for i, c := range ch {
		last[c.name] = i
	}
	out := make([]change, 0, len(last))
	for i, c := range ch {
		if last[c.name] == i {
			c.slot = t.key.Slot(c.name)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i].slot[:]) < string(out[j].slot[:]) })
	return out
}

// apply writes the tree that results from applying ch (prepared) to the
// subtree id at depth, and returns its id and key count. Unchanged subtrees
// keep their ids; a zero id is the empty subtree.
func (t *tree) apply(id object.ID, depth int, ch []change) (object.ID, int, error) {
	var entries []entry
	if !id.IsZero() {
		n, err := t.load(id)
		if err != nil {
			return id, 0, err
		}
		if !n.leaf {
			return t.applyInner(id, n, depth, ch)
		}
		entries = n.entries
	}
	merged, changed, err := t.merge(entries, ch)
	if err != nil || !changed {
		return id, len(entries), err
	}
	if len(merged) == 0 {
		return object.Zero, 0, nil
	}
	return t.build(merged, depth)
}

func (t *tree) applyInner(id object.ID, n *node, depth int, ch []change) (object.ID, int, error) {
	children, counts := n.children, n.counts
	changed := false
	for i := 0; i < len(ch); {
		nb := nibble(ch[i].slot, depth)
		j := i
		for j < len(ch) && nibble(ch[j].slot, depth) == nb {
			j++
		}
		cid, cnt, err := t.apply(children[nb], depth+1, ch[i:j])
		if err != nil {
			return id, 0, err
		}
		if cid != children[nb] {
			changed = true
		}
		children[nb], counts[nb] = cid, cnt
		i = j
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if !changed {
		return id, total, nil
	}
	if total == 0 {
		return object.Zero, 0, nil
	}
	if total <= leafMax {
		var all []entry
		for _, c := range children {
			es, err := t.all(c)
			if err != nil {
				return id, 0, err
			}
			all = append(all, es...)
		}
		t.sortEntries(all)
		nid, err := t.writeLeaf(all)
		return nid, total, err
	}
	nid, err := t.writeInner(children, counts)
	return nid, total, err
}

// merge applies ch to a leaf's entries. changed is false when every change
// was a no-op (a value set to what it already is, a removal of an absent key).
func (t *tree) merge(entries []entry, ch []change) ([]entry, bool, error) {
	idx := make(map[string]int, len(entries))
	out := slices.Clone(entries)
	for i, e := range out {
		idx[e.name] = i
	}
	changed := false
	var drop []int
	for _, c := range ch {
		i, ok := idx[c.name]
		switch {
		case c.del && ok:
			drop = append(drop, i)
			changed = true
		case c.del:
		case ok:
			old, err := t.value(&out[i])
			if err != nil {
				return nil, false, err
			}
			if !equalValues(old, c.value) {
				out[i] = entry{name: c.name, slot: c.slot, slotted: true, value: c.value, loaded: true}
				changed = true
			}
		default:
			idx[c.name] = len(out)
			out = append(out, entry{name: c.name, slot: c.slot, slotted: true, value: c.value, loaded: true})
			changed = true
		}
	}
	if len(drop) > 0 {
		slices.Sort(drop)
		for k := len(drop) - 1; k >= 0; k-- {
			out = slices.Delete(out, drop[k], drop[k]+1)
		}
	}
	t.sortEntries(out)
	return out, changed, nil
}

func equalValues(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// sortEntries orders entries by slot, computing the slots it lacks.
func (t *tree) sortEntries(es []entry) {
	for i := range es {
		if !es[i].slotted {
			es[i].slot, es[i].slotted = t.key.Slot(es[i].name), true
		}
	}
	sort.Slice(es, func(i, j int) bool { return string(es[i].slot[:]) < string(es[j].slot[:]) })
}

// build writes a subtree holding entries (sorted by slot) at depth.
func (t *tree) build(entries []entry, depth int) (object.ID, int, error) {
	if len(entries) <= leafMax || depth >= maxDepth {
		id, err := t.writeLeaf(entries)
		return id, len(entries), err
	}
	var children [fanout]object.ID
	var counts [fanout]int
	for i := 0; i < len(entries); {
		nb := nibble(entries[i].slot, depth)
		j := i
		for j < len(entries) && nibble(entries[j].slot, depth) == nb {
			j++
		}
		id, cnt, err := t.build(entries[i:j], depth+1)
		if err != nil {
			return id, 0, err
		}
		children[nb], counts[nb] = id, cnt
		i = j
	}
	id, err := t.writeInner(children, counts)
	return id, len(entries), err
}

func (t *tree) writeLeaf(entries []entry) (object.ID, error) {
	var refs []object.ID
	body := []byte{nodeLeaf}
	body = binary.AppendUvarint(body, uint64(len(entries)))
	for i := range entries {
		e := &entries[i]
		body = appendBytes(body, e.name)
		if e.blob.IsZero() && len(e.value) > inlineMax {
			id, err := t.write(object.TypeBlob, nil, []byte(e.value))
			if err != nil {
				return id, err
			}
			e.blob = id
		}
		if e.blob.IsZero() {
			body = append(body, 0)
			body = appendBytes(body, e.value)
		} else {
			body = append(body, 1)
			body = binary.AppendUvarint(body, uint64(len(refs)))
			refs = append(refs, e.blob)
		}
	}
	return t.write(object.TypeTree, refs, body)
}

func (t *tree) writeInner(children [fanout]object.ID, counts [fanout]int) (object.ID, error) {
	var bitmap uint16
	var refs []object.ID
	var cnts []byte
	for i, c := range children {
		if c.IsZero() {
			continue
		}
		bitmap |= 1 << (15 - i)
		refs = append(refs, c)
		cnts = binary.AppendUvarint(cnts, uint64(counts[i]))
	}
	body := append([]byte{nodeInner, byte(bitmap >> 8), byte(bitmap)}, cnts...)
	return t.write(object.TypeTree, refs, body)
}

// write seals and stores an object of this tree's epoch.
func (t *tree) write(typ object.Type, refs []object.ID, body []byte) (object.ID, error) {
	return t.r.writeObject(t.tx, object.Header{Type: typ, Env: t.env.ID, Epoch: t.epoch, Refs: refs}, t.key, body)
}

// writeObject seals body under k with h as associated data and stores it.
func (r *Repository) writeObject(tx *sqlite.Tx, h object.Header, k *vault.Key, body []byte) (object.ID, error) {
	data := h.Append(make([]byte, 0, 64+len(h.Refs)*object.Size+len(body)+vault.Overhead))
	data = k.Seal(data, data, body)
	id := object.Hash(data)
	return id, tx.PutObject(id, data)
}

// readObject reads an object of env, verifies its id, type and seal, and
// returns its header and plaintext body.
func (r *Repository) readObject(tx *sqlite.Tx, env sqlite.Env, id object.ID, want object.Type) (object.Header, []byte, error) {
	data, ok, err := tx.Object(id)
	if err != nil {
		return object.Header{}, nil, err
	}
	if !ok {
		return object.Header{}, nil, &CorruptObjectError{ID: id.String(), Why: "missing from the repository"}
	}
	h, body, err := r.checkObject(tx, env, id, data)
	if err != nil {
		return h, nil, err
	}
	if h.Type != want {
		return h, nil, &CorruptObjectError{ID: id.String(), Why: fmt.Sprintf("is a %s where a %s was expected", h.Type, want)}
	}
	return h, body, nil
}

// checkObject verifies data against id and opens it with env's key.
func (r *Repository) checkObject(tx *sqlite.Tx, env sqlite.Env, id object.ID, data []byte) (object.Header, []byte, error) {
	if object.Hash(data) != id {
		return object.Header{}, nil, &CorruptObjectError{ID: id.String(), Why: "content does not match its id"}
	}
	h, n, err := object.Decode(data)
	if err != nil {
		return h, nil, &CorruptObjectError{ID: id.String(), Why: err.Error()}
	}
	if h.Env != env.ID {
		return h, nil, &CorruptObjectError{ID: id.String(), Why: "belongs to another environment"}
	}
	k, err := r.key(tx, env, h.Epoch)
	if err != nil {
		return h, nil, err
	}
	body, err := k.Open(nil, data[:n], data[n:])
	if err != nil {
		return h, nil, &CorruptObjectError{ID: id.String(), Why: "sealed body fails authentication"}
	}
	return h, body, nil
}
