package repo

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// The HEAD file holds an environment's HEAD cache once more, in a file of
// its own beside the database (.egide/head-<env id in hex>), where one
// read brings it in: 'egide run' on 10,000 keys otherwise spends ~1.4 ms
// having SQLite assemble the row from its overflow pages. Its plaintext
// holds each entry as "NAME=VALUE", so that a child's environment is
// sliced from it, not built.
//
// It is a cache, never a source of truth:
//
//   - sealed under the environment key like the row, with its clear header
//     (environment, epoch, commit id) in the associated data, so a file
//     that was damaged, forged without the key, or made for another
//     environment or commit does not open;
//   - used only when it names the commit that the environment's ref points
//     to, read from the database in the same transaction that reads the
//     uncommitted changes and overrides, so a stale file is never used;
//   - written (temporary file, 0600, then rename) by every transaction that
//     writes the HEAD cache row, just before it commits, and rewritten from
//     the row by a reader that finds it missing, stale or damaged. Failing
//     to write it is not an error: the row still serves.
//
// A crash leaves the database as it was before or after the transaction,
// and the file naming either commit, or absent, or a leftover temporary
// file: each case is detected, and the row serves.
const (
	headFilePrefix = "head-"
	headFileMagic  = "EGH\x01"
	headFileDomain = "egide v1 head file\x00"
	// magic ‖ env ‖ epoch:4 ‖ commit
	headFileHeaderSize = len(headFileMagic) + object.EnvSize + 4 + object.Size
)

// headFilePath returns the path of env's HEAD file.
func (r *Repository) headFilePath(env object.EnvID) string {
	return filepath.Join(r.root, DirName, headFilePrefix+env.String())
}

func headFileHeader(env object.EnvID, epoch uint32, commit object.ID) []byte {
	b := make([]byte, 0, headFileHeaderSize)
	b = append(b, headFileMagic...)
	b = append(b, env[:]...)
	b = binary.BigEndian.AppendUint32(b, epoch)
	return append(b, commit[:]...)
}

func headFileAAD(header []byte) []byte {
	return append([]byte(headFileDomain), header...)
}

// sealHeadFile returns the HEAD file of env at commit, whose sorted state
// is es, sealed under k (the key of epoch).
func sealHeadFile(k *vault.Key, env object.EnvID, epoch uint32, commit object.ID, es []Entry) []byte {
	size := binary.MaxVarintLen64
	for _, e := range es {
		size += len(e.Key) + len(e.Value) + 1 + 2*binary.MaxVarintLen32
	}
	body := appendHeadFileBody(make([]byte, 0, size), es)
	header := headFileHeader(env, epoch, commit)
	out := make([]byte, 0, len(header)+vault.Overhead+len(body))
	out = k.Seal(append(out, header...), headFileAAD(header), body)
	clear(body)
	return out
}

// secrets is an environment's state as a read found it: entries, or the
// HEAD file's "NAME=VALUE" pairs (sorted by name), from which entries are
// made only when asked for. At 10,000 keys the entries alone are 320 KB of
// fresh memory, which 'egide run' does not need.
type secrets struct {
	entries  []Entry
	pairs    []string
	mayRefer bool // with pairs: some value may hold "${" (false is certain)
}

// list returns the entries, made from the pairs on first use.
func (s *secrets) list() []Entry {
	if s.entries == nil && s.pairs != nil {
		s.entries = make([]Entry, len(s.pairs))
		for i, p := range s.pairs {
			k := len(PairName(p))
			s.entries[i] = Entry{Key: p[:k], Value: p[k+1:]}
		}
	}
	return s.entries
}

// readHeadFile returns env's state at commit from its HEAD file; ok is
// false when the file is absent, names another environment or commit, or
// does not open or decode.
func (r *Repository) readHeadFile(tx *sqlite.Tx, env sqlite.Env, commit object.ID) (secrets, bool) {
	data, err := os.ReadFile(r.headFilePath(env.ID))
	if err != nil || len(data) < headFileHeaderSize+vault.Overhead {
		return secrets{}, false
	}
	header := data[:headFileHeaderSize]
	if string(header[:len(headFileMagic)]) != headFileMagic {
		return secrets{}, false
	}
	p := len(headFileMagic)
	if object.EnvID(header[p:p+object.EnvSize]) != env.ID {
		return secrets{}, false
	}
	p += object.EnvSize
	epoch := binary.BigEndian.Uint32(header[p:])
	p += 4
	if object.ID(header[p:]) != commit || epoch == 0 || epoch > env.Epoch {
		return secrets{}, false
	}
	// An error here (say, no envelope of that epoch for this identity) is
	// the file's to ignore: the row, if it serves, reports its own.
	k, err := r.key(tx, env, epoch)
	if err != nil {
		return secrets{}, false
	}
	// Decrypted in place, the file's buffer becomes the one string that
	// every pair is a substring of.
	body, err := k.OpenInPlace(headFileAAD(header), data[headFileHeaderSize:])
	if err != nil {
		return secrets{}, false
	}
	sb := unsafe.String(unsafe.SliceData(body), len(body))
	pairs, err := decodeHeadFile(sb)
	if err != nil {
		return secrets{}, false
	}
	// One scan of the whole body (~15 µs at 10,000 keys) instead of one
	// per value; the lengths between the pairs can only add false alarms.
	return secrets{pairs: pairs, mayRefer: strings.Contains(sb, "${")}, true
}

// appendHeadFileBody appends the HEAD file body of es (sorted by key).
func appendHeadFileBody(b []byte, es []Entry) []byte {
	b = binary.AppendUvarint(b, uint64(len(es)))
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(len(e.Key)))
		b = binary.AppendUvarint(b, uint64(len(e.Value)))
		b = append(append(append(b, e.Key...), '='), e.Value...)
	}
	return b
}

// appendPairsBody is appendHeadFileBody for "NAME=VALUE" pairs (sorted by
// name).
func appendPairsBody(b []byte, pairs []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(pairs)))
	for _, p := range pairs {
		k := len(PairName(p))
		b = binary.AppendUvarint(b, uint64(k))
		b = binary.AppendUvarint(b, uint64(len(p)-k-1))
		b = append(b, p...)
	}
	return b
}

var errHeadFile = errors.New("malformed head file")

// decodeHeadFile decodes a HEAD file body: uvarint(n), then n entries
// uvarint(len(name)) ‖ uvarint(len(value)) ‖ name ‖ "=" ‖ value, with
// names strictly increasing and without "=". It returns each entry as
// "NAME=VALUE", a substring of sb.
func decodeHeadFile(sb string) ([]string, error) {
	n, p := uvarintString(sb)
	// An entry takes at least 4 bytes: two lengths, a name, "=".
	if p <= 0 || n > uint64(len(sb)-p)/4 {
		return nil, errHeadFile
	}
	pairs := make([]string, n)
	prev := ""
	for i := range pairs {
		ln, k := uvarintString(sb[p:])
		if k <= 0 {
			return nil, errHeadFile
		}
		p += k
		lv, k := uvarintString(sb[p:])
		if k <= 0 {
			return nil, errHeadFile
		}
		p += k
		rest := uint64(len(sb) - p)
		if ln == 0 || ln >= rest || lv > rest-ln-1 {
			return nil, errHeadFile
		}
		eq := p + int(ln)
		end := eq + 1 + int(lv)
		name := sb[p:eq]
		if sb[eq] != '=' || i > 0 && name <= prev || strings.IndexByte(name, '=') >= 0 {
			return nil, errHeadFile
		}
		pairs[i] = sb[p:end]
		prev, p = name, end
	}
	if p != len(sb) {
		return nil, errHeadFile
	}
	return pairs, nil
}

// queueHeadFile records env's new HEAD file (nil: remove the file) for
// update to write when its function succeeds.
func (r *Repository) queueHeadFile(env object.EnvID, data []byte) {
	if r.headFiles == nil {
		r.headFiles = map[object.EnvID][]byte{}
	}
	r.headFiles[env] = data
}

// writeHeadFiles writes (or removes) the queued HEAD files. Failures are
// ignored: a file that stays behind names an older commit, or is absent.
func (r *Repository) writeHeadFiles() {
	for env, data := range r.headFiles {
		if data == nil {
			os.Remove(r.headFilePath(env))
			continue
		}
		r.writeHeadFile(env, data)
	}
}

// rebuildHeadFile rewrites env's HEAD file at commit from es, its state
// read from the row sealed in epoch (whose key is at hand).
func (r *Repository) rebuildHeadFile(tx *sqlite.Tx, env sqlite.Env, epoch uint32, commit object.ID, es []Entry) {
	k, err := r.key(tx, env, epoch)
	if err != nil {
		return
	}
	data := sealHeadFile(k, env.ID, epoch, commit, es)
	if tx.Writable() {
		r.queueHeadFile(env.ID, data)
		return
	}
	r.writeHeadFile(env.ID, data)
}

// writeHeadFile replaces env's HEAD file.
func (r *Repository) writeHeadFile(env object.EnvID, data []byte) error {
	return writePrivateFile(r.headFilePath(env), data)
}

// writePrivateFile replaces the file at path atomically: a temporary file
// (0600) in the same folder, renamed over it.
func writePrivateFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
