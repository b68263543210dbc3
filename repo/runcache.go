package repo

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unsafe"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// Resolved is an environment as 'egide run' injects it: its secrets with
// the personal overrides applied and the references between them
// resolved.
type Resolved struct {
	Env  string    // the environment's name
	Head object.ID // its HEAD commit; zero before the first commit
	// Pairs are the secrets as "NAME=VALUE" strings, sorted by name: a
	// process's environment is sliced from them.
	Pairs []string
}

// Entries returns the secrets as entries, sorted by key.
func (r *Resolved) Entries() []Entry {
	return (&secrets{pairs: r.Pairs}).list()
}

// RunEnv returns environment name's secrets as a program gets them: the
// working state (with at, the committed state there), the personal
// overrides on top, references resolved (ResolveRefs).
//
// Without at, it also writes the run cache that CachedRunEnv reads, when
// it can prove that what it read is the database's current state.
func (r *Repository) RunEnv(ctx context.Context, name, at string) (Resolved, error) {
	dbPath := filepath.Join(r.root, DirName, DBName)
	var before sqlite.Stamp
	stamped := false
	if r.mayCacheRun(name, at) {
		if before, stamped = sqlite.ReadStamp(dbPath); !stamped && sqlite.RepairStamp(dbPath) == nil {
			before, stamped = sqlite.ReadStamp(dbPath)
		}
	}
	snap, err := r.Snapshot(ctx, name, at)
	if err != nil {
		return Resolved{}, err
	}
	res := Resolved{Env: snap.Env, Head: snap.Head, Pairs: snap.Pairs()}
	if res.Pairs == nil || len(snap.Local) > 0 || snap.MayRefer() {
		entries, err := ResolveRefs(overlay(snap.Entries(), snap.Local))
		if err != nil {
			return Resolved{}, err
		}
		res.Pairs = pairsOf(entries)
	}
	if r.afterRunRead != nil {
		r.afterRunRead()
	}
	// A selection that a git branch decided is not cached: the branch can
	// change without the database knowing.
	if stamped && !(name == "" && snap.mapped) {
		if after, ok := sqlite.ReadStamp(dbPath); ok && after == before {
			r.writeRunCache(name, before, &res)
		}
	}
	return res, nil
}

// mayCacheRun says whether RunEnv may write the run cache of selection
// name: not for a read at a REF; not from a database whose writers may not
// announce their writes (an older schema) or whose WAL SQLite ignores
// (immutable); and not for the current environment ("") when this
// Repository cannot see git branches, which would choose it for the CLI.
func (r *Repository) mayCacheRun(name, at string) bool {
	return at == "" && !r.store.Outdated() && !r.store.Immutable() && (name != "" || r.opts.Branch != nil)
}

// removeRunCaches removes every run cache of the repository (each
// identity's, each selection's): after a write none is current, and none
// should keep sealed secrets of a deleted environment or an old key
// around. Failures are ignored (a stale cache is never used).
func (r *Repository) removeRunCaches() {
	dir := filepath.Join(r.root, DirName)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		// run-<32 hex digits>; temporary files being written have more.
		if n := e.Name(); strings.HasPrefix(n, runCachePrefix) && len(n) == len(runCachePrefix)+32 {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// overlay returns entries with the personal overrides in local replacing
// or adding keys.
func overlay(entries, local []Entry) []Entry {
	if len(local) == 0 {
		return entries
	}
	idx := make(map[string]int, len(entries))
	out := append([]Entry(nil), entries...)
	for i, e := range out {
		idx[e.Key] = i
	}
	for _, l := range local {
		if i, ok := idx[l.Key]; ok {
			out[i] = l
		} else {
			out = append(out, l)
		}
	}
	return out
}

// pairsOf returns entries as "NAME=VALUE" strings sorted by name, cut from
// one buffer.
func pairsOf(entries []Entry) []string {
	size := 0
	for _, e := range entries {
		size += len(e.Key) + 1 + len(e.Value)
	}
	buf := make([]byte, 0, size)
	pairs := make([]string, 0, len(entries))
	for _, e := range entries {
		start := len(buf)
		buf = append(append(append(buf, e.Key...), '='), e.Value...)
		pairs = append(pairs, unsafe.String(&buf[start], len(buf)-start))
	}
	slices.SortFunc(pairs, func(a, b string) int { return strings.Compare(PairName(a), PairName(b)) })
	return pairs
}

// PairName returns the NAME of a "NAME=VALUE" pair (names hold no "=").
func PairName(p string) string {
	name, _, _ := strings.Cut(p, "=")
	return name
}

// The run cache (.egide/run-<name>, one per identity and environment
// selection) holds what RunEnv returned, so that 'egide run' can start a
// program without opening the database: on 1,000 keys, opening SQLite and
// reading the few rows that prove the HEAD file current is ~0.6 ms of a
// ~1.5 ms run.
//
// It is a cache, never a source of truth:
//
//   - sealed for the identity alone (vault.Identity.SealLocal), with the
//     selection (the environment name asked for, "" for the current one)
//     in the associated data, under a file name that is a keyed hash of
//     the selection;
//   - stamped with the database's generation (sqlite.ReadStamp) taken
//     before and after the read transaction that made it, and written only
//     when the two are equal: every commit changes the generation first,
//     so a file whose stamp is the current one holds the current state;
//   - not written when a git branch decided the environment, or for a
//     read at a REF;
//   - written through a temporary file (0600) renamed over the old one;
//     failing to write it is not an error.
const (
	runCachePrefix = "run-"
	runCacheMagic  = "EGR\x01"
	runCacheDomain = "egide v1 run cache\x00"
	// magic ‖ stamp
	runCacheHeaderSize = len(runCacheMagic) + sqlite.StampSize
)

// runCachePath returns the run cache of selection name for id.
func runCachePath(root string, id *vault.Identity, name string) string {
	return filepath.Join(root, DirName, runCachePrefix+id.LocalName("run cache", name))
}

func runCacheAAD(header []byte, name string) []byte {
	aad := make([]byte, 0, len(runCacheDomain)+len(header)+len(name))
	return append(append(append(aad, runCacheDomain...), header...), name...)
}

// writeRunCache writes the run cache of selection name: res, read while
// the database's stamp was stamp.
func (r *Repository) writeRunCache(name string, stamp sqlite.Stamp, res *Resolved) {
	id, err := r.identity()
	if err != nil {
		return
	}
	size := binary.MaxVarintLen64 + len(res.Env) + object.Size + binary.MaxVarintLen64
	for _, p := range res.Pairs {
		size += len(p) + 2*binary.MaxVarintLen32
	}
	body := appendRunCacheBody(make([]byte, 0, size), res)
	header := append([]byte(runCacheMagic), stamp[:]...)
	out := make([]byte, 0, len(header)+vault.LocalOverhead+len(body))
	out = id.SealLocal(append(out, header...), runCacheAAD(header, name), body)
	clear(body)
	writePrivateFile(runCachePath(r.root, id, name), out)
}

// CachedRunEnv returns what RunEnv(ctx, name, "") would, from the run
// cache of the repository at root, without opening its database. ok is
// false when there is no cache for id and name, when the database has
// changed since it was written (or cannot say: a write in progress or
// interrupted), or when it does not open or decode: RunEnv then serves.
func CachedRunEnv(root string, id *vault.Identity, name string) (res Resolved, ok bool) {
	stamp, ok := sqlite.ReadStamp(filepath.Join(root, DirName, DBName))
	if !ok {
		return res, false
	}
	data, err := os.ReadFile(runCachePath(root, id, name))
	if err != nil || len(data) < runCacheHeaderSize+vault.LocalOverhead {
		return res, false
	}
	header := data[:runCacheHeaderSize]
	if string(header[:len(runCacheMagic)]) != runCacheMagic || string(header[len(runCacheMagic):]) != string(stamp[:]) {
		return res, false
	}
	// Decrypted in place, the buffer becomes the one string that every
	// pair is a substring of.
	body, err := id.OpenLocalInPlace(runCacheAAD(header, name), data[runCacheHeaderSize:])
	if err != nil {
		return res, false
	}
	res, err = decodeRunCache(unsafe.String(unsafe.SliceData(body), len(body)))
	return res, err == nil
}

// appendRunCacheBody appends the run cache body of res (decodeRunCache).
func appendRunCacheBody(b []byte, res *Resolved) []byte {
	b = binary.AppendUvarint(b, uint64(len(res.Env)))
	b = append(append(b, res.Env...), res.Head[:]...)
	return appendPairsBody(b, res.Pairs)
}

// decodeRunCache decodes a run cache body: uvarint(len(env)) ‖ env ‖ HEAD
// commit id ‖ the pairs as in a HEAD file body (decodeHeadFile).
func decodeRunCache(sb string) (Resolved, error) {
	n, p := uvarintString(sb)
	if p <= 0 || n > uint64(len(sb)-p) || uint64(len(sb)-p)-n < object.Size {
		return Resolved{}, errHeadFile
	}
	var res Resolved
	res.Env = sb[p : p+int(n)]
	p += int(n)
	copy(res.Head[:], sb[p:p+object.Size])
	pairs, err := decodeHeadFile(sb[p+object.Size:])
	if err != nil || ValidateEnvName(res.Env) != nil {
		return Resolved{}, errHeadFile
	}
	res.Pairs = pairs
	return res, nil
}
