package repo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
	"github.com/egide/egide/vault"
)

// Problem is one fault fsck found.
type Problem struct {
	Object string `json:"object"` // object id, ref name, "env NAME" or "engine NAME"
	What   string `json:"problem"`
}

// FsckReport is the result of Fsck.
type FsckReport struct {
	Objects    int `json:"objects"`
	Commits    int `json:"commits"`
	Refs       int `json:"refs"`
	Signatures int `json:"signatures_verified"`
	// EngineEntries counts the engine entries (transit keys) opened.
	EngineEntries int       `json:"engine_entries"`
	Problems      []Problem `json:"problems"`
	// Unreadable lists environments whose contents could not be checked
	// because this identity is not a recipient (hashes were still checked).
	Unreadable []string `json:"unreadable_envs"`
}

// OK reports whether fsck found no fault.
func (f *FsckReport) OK() bool { return len(f.Problems) == 0 }

// Fsck verifies every object's hash and header, every reference between
// objects, every ref, every key envelope's signature and, where this identity
// can open the environment, every seal and every commit signature.
func (r *Repository) Fsck(ctx context.Context) (*FsckReport, error) {
	rep := &FsckReport{Problems: []Problem{}, Unreadable: []string{}}
	if _, err := r.identity(); err != nil {
		return nil, err
	}
	err := r.view(ctx, func(tx *sqlite.Tx) error {
		envs, err := tx.Envs()
		if err != nil {
			return err
		}
		byID := map[object.EnvID]sqlite.Env{}
		for _, e := range envs {
			byID[e.ID] = e
		}
		unreadable := map[string]bool{}
		failed := map[keyID]bool{} // reported once per env and epoch
		problem := func(obj, format string, args ...any) {
			rep.Problems = append(rep.Problems, Problem{Object: obj, What: fmt.Sprintf(format, args...)})
		}
		// openable reports whether env's key for epoch opens, recording why not.
		openable := func(env sqlite.Env, epoch uint32) bool {
			if unreadable[env.Name] || failed[keyID{env.ID, epoch}] {
				return false
			}
			_, err := r.key(tx, env, epoch)
			switch {
			case err == nil:
				return true
			case errors.Is(err, vault.ErrNotRecipient):
				unreadable[env.Name] = true
			default:
				failed[keyID{env.ID, epoch}] = true
				problem("env "+env.Name, "key of epoch %d: %v", epoch, err)
			}
			return false
		}
		type meta struct {
			h   object.Header
			bad bool
		}
		objs := map[object.ID]*meta{}
		var ids []object.ID
		err = tx.ForEachObject(func(id object.ID, data []byte) error {
			rep.Objects++
			m := &meta{}
			objs[id] = m
			ids = append(ids, id)
			if object.Hash(data) != id {
				m.bad = true
				problem(id.String(), "content does not match its id (damaged or tampered with)")
				return nil
			}
			h, _, err := object.Decode(data)
			if err != nil {
				m.bad = true
				problem(id.String(), "%v", err)
				return nil
			}
			m.h = h
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			m := objs[id]
			if m.bad {
				continue
			}
			for _, ref := range m.h.Refs {
				if _, ok := objs[ref]; !ok {
					problem(id.String(), "references missing object %s", ref)
				}
			}
			env, ok := byID[m.h.Env]
			if !ok {
				problem(id.String(), "belongs to an unknown environment %s", m.h.Env)
				continue
			}
			if !openable(env, m.h.Epoch) {
				continue
			}
			if m.h.Type == object.TypeCommit {
				rep.Commits++
				c, err := r.readCommit(tx, id)
				if err != nil {
					problem(id.String(), "%v", err)
					continue
				}
				// Verify afresh: fsck trusts no earlier stamp.
				if !vault.Verify(c.Signer, signedBytes(c.envID, c.unsigned()), c.Signature) {
					problem(id.String(), "commit signature does not verify")
					continue
				}
				rep.Signatures++
				continue
			}
			data, _, err := tx.Object(id)
			if err != nil {
				return err
			}
			if _, _, err := r.checkObject(tx, env, id, data); err != nil {
				problem(id.String(), "%v", err)
			}
		}
		refs, err := tx.Refs("")
		if err != nil {
			return err
		}
		for name, target := range refs {
			rep.Refs++
			m, ok := objs[target]
			switch {
			case !ok:
				problem(name, "points to missing object %s", target)
			case !m.bad && m.h.Type != object.TypeCommit:
				problem(name, "points to a %s, not a commit", m.h.Type)
			}
		}
		for _, e := range envs {
			if _, ok := refs[refName(e.Name)]; !ok {
				continue
			}
			if err := checkEnvelopes(tx, e.ID, "env "+e.Name, problem); err != nil {
				return err
			}
			if !unreadable[e.Name] && openable(e, e.Epoch) {
				if _, err := r.loadWorking(tx, e); err != nil {
					problem("env "+e.Name, "uncommitted changes: %v", err)
				}
				if err := r.checkHeadCache(tx, e, refs[refName(e.Name)]); err != nil {
					problem("env "+e.Name, "%v", err)
				}
			}
		}
		if err := r.checkEngines(tx, rep, problem); err != nil {
			return err
		}
		for name := range unreadable {
			rep.Unreadable = append(rep.Unreadable, name)
		}
		sort.Strings(rep.Unreadable)
		return nil
	})
	return rep, err
}

// checkEnvelopes verifies the signature of every envelope of id (an
// environment or an engine) afresh.
func checkEnvelopes(tx *sqlite.Tx, id object.EnvID, owner string, problem func(obj, format string, args ...any)) error {
	envelopes, err := tx.Envelopes(id)
	if err != nil {
		return err
	}
	for _, v := range envelopes {
		ve := vaultEnvelope(v)
		if !vault.Verify(v.Signer, ve.SignedBytes(), v.Signature) {
			problem(owner, "key envelope of epoch %d for %s has a bad signature", v.Epoch, v.Recipient)
		}
	}
	return nil
}

// checkHeadCache compares env's HEAD cache row and HEAD file, each when it
// names head, with the state in head's tree. A HEAD file that is absent,
// stale or does not open is no fault: readers ignore it, and rewrite it.
func (r *Repository) checkHeadCache(tx *sqlite.Tx, env sqlite.Env, head object.ID) error {
	row, rowOK, err := r.cachedHeadRow(tx, env, head)
	if err != nil {
		return err
	}
	file, fileOK := r.readHeadFile(tx, env, head)
	if !rowOK && !fileOK {
		return nil
	}
	c, err := r.readCommit(tx, head)
	if err != nil {
		return nil // reported with the commit object
	}
	state, err := r.treeState(tx, c.Tree)
	if err != nil {
		return nil // reported with the tree objects
	}
	if rowOK {
		if err := sameState("head cache", row, state); err != nil {
			return err
		}
	}
	if fileOK {
		return sameState("head file "+filepath.Join(DirName, headFilePrefix+env.ID.String()), file.list(), state)
	}
	return nil
}

// sameState reports how a cached state differs from a tree's.
func sameState(what string, cached []Entry, state map[string]string) error {
	if len(state) != len(cached) {
		return fmt.Errorf("%s holds %d keys, the tree %d", what, len(cached), len(state))
	}
	for _, e := range cached {
		if v, ok := state[e.Key]; !ok || !equalValues(v, e.Value) {
			return fmt.Errorf("%s differs from the tree at key %s", what, e.Key)
		}
	}
	return nil
}
