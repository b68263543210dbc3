// Package repo is Egide's repository: encrypted, content-addressed objects,
// environments as branches, signed commits, the uncommitted working state,
// history, diffs and integrity checks.
//
// # Model
//
// An environment (dev, staging, prod, …) is a ref, envs/<name>, to its newest
// commit. A commit names a tree, its parents, its author, a time and a
// message, and carries the author's Ed25519 signature; everything but the
// referenced ids is sealed (see package repo/object for the byte format).
//
// The tree is a hash array mapped trie over a keyed hash of each key name
// (vault.Key.Slot): 16 children per internal node, chosen by successive
// nibbles of the hash, and leaves of at most 16 entries. A subtree is a leaf
// exactly when it holds at most 16 keys, so the shape depends only on the set
// of names, and a commit that changes k keys writes O(k·depth) small nodes,
// sharing every other node with its parent: storage grows with what changed,
// not with the environment's size. Values up to 256 bytes live inline in the
// leaf; larger values are separate blob objects the leaf references. Because
// slots are keyed by the environment key, a new key epoch re-lays the tree out:
// the first commit after rotate-key rebuilds it (and re-seals its blobs) under
// the new epoch.
//
// The working state is HEAD plus uncommitted changes, one sealed row per
// changed key, indexed by another keyed hash of the name. Set and unset only
// add rows, so concurrent writers of different keys never conflict; status,
// commit and reads compare those rows with HEAD.
//
// A derived index (the commits table) stores each commit's first-parent depth
// and a skip-list pointer, so REF~N costs O(log N) lookups on any history.
//
// Every method that writes runs in one store transaction.
package repo
