package run

import (
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"github.com/egide/egide/repo"
)

// hidden are variables of egide's own that never reach a child: the
// identity secret above all.
var hidden = map[string]bool{
	"EGIDE_IDENTITY":      true,
	"EGIDE_IDENTITY_FILE": true,
}

// pristineKeep are the variables --pristine keeps from the parent.
var pristineKeep = []string{"PATH", "HOME", "USER", "TERM", "LANG"}

// envSpec says how to build a child's environment.
type envSpec struct {
	only, except []string
	prefix       string
	preserve     []string // names, or "all"
	pristine     bool
}

// pvar is one of the parent's variables.
type pvar struct {
	name, kv string
	gone     bool // replaced by a secret
}

// parentVars returns the parent's variables that the child may get, each
// once (the last one wins, as getenv would see it), and their index by
// name.
func parentVars(parent []string, s envSpec) ([]pvar, map[string]int) {
	var vars []pvar
	idx := map[string]int{}
	keep := setOf(pristineKeep)
	for _, kv := range parent {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || hidden[k] || s.pristine && !keep[k] {
			continue
		}
		if i, seen := idx[k]; seen {
			vars[i].kv = kv
			continue
		}
		idx[k] = len(vars)
		vars = append(vars, pvar{name: k, kv: kv})
	}
	return vars, idx
}

// buildEnv returns the child's environment: the parent's (or, pristine, a
// minimal PATH/HOME/USER/TERM/LANG), then the secrets (filtered, prefixed),
// which win unless preserved. Only the parent's few variables go into a
// map; the secrets stream straight into the result.
func buildEnv(parent []string, secrets []repo.Entry, s envSpec) ([]string, error) {
	vars, idx := parentVars(parent, s)
	only := setOf(s.only)
	except := setOf(s.except)
	preserveAll := len(s.preserve) == 1 && s.preserve[0] == "all"
	preserve := setOf(s.preserve)
	for k := range only {
		if !hasKey(secrets, k) {
			return nil, fmt.Errorf("--only names %s, which is not in the environment", k)
		}
	}
	// The injected NAME=VALUE strings are cut from one buffer: one
	// allocation instead of one per secret.
	size := 0
	for _, e := range secrets {
		size += len(s.prefix) + len(e.Key) + 1 + len(e.Value)
	}
	arena := make([]byte, 0, size)
	injected := make([]string, 0, len(secrets))
	for _, e := range secrets {
		if len(only) > 0 && !only[e.Key] || except[e.Key] {
			continue
		}
		name := s.prefix + e.Key
		if i, ok := idx[name]; ok {
			if preserveAll || preserve[name] || preserve[e.Key] {
				continue
			}
			vars[i].gone = true
		}
		start := len(arena)
		arena = append(append(append(arena, name...), '='), e.Value...)
		injected = append(injected, unsafe.String(&arena[start], len(arena)-start))
	}
	out := make([]string, 0, len(vars)+len(injected))
	for _, v := range vars {
		if !v.gone {
			out = append(out, v.kv)
		}
	}
	return append(out, injected...), nil
}

// buildEnvPairs is buildEnv, without a prefix, for secrets given as
// "NAME=VALUE" strings sorted by name (repo.Snapshot.Pairs): the secrets'
// strings are the pairs themselves, and each of the parent's few variables
// looks for its name among them (binary search) instead of each secret
// looking in a map. The result is buildEnv's.
func buildEnvPairs(parent []string, pairs []string, s envSpec) ([]string, error) {
	vars, _ := parentVars(parent, s)
	only := setOf(s.only)
	except := setOf(s.except)
	preserveAll := len(s.preserve) == 1 && s.preserve[0] == "all"
	preserve := setOf(s.preserve)
	find := func(name string) (int, bool) {
		return sort.Find(len(pairs), func(i int) int { return strings.Compare(name, repo.PairName(pairs[i])) })
	}
	for k := range only {
		if _, ok := find(k); !ok {
			return nil, fmt.Errorf("--only names %s, which is not in the environment", k)
		}
	}
	selected := func(name string) bool { return (len(only) == 0 || only[name]) && !except[name] }
	var skip map[int]bool // secrets that a preserved parent variable keeps out
	for j, v := range vars {
		i, found := find(v.name)
		if !found || !selected(v.name) {
			continue
		}
		if preserveAll || preserve[v.name] {
			if skip == nil {
				skip = map[int]bool{}
			}
			skip[i] = true
			continue
		}
		vars[j].gone = true
	}
	out := make([]string, 0, len(vars)+len(pairs))
	for _, v := range vars {
		if !v.gone {
			out = append(out, v.kv)
		}
	}
	if len(only) == 0 && len(except) == 0 && skip == nil {
		return append(out, pairs...), nil
	}
	for i, p := range pairs {
		if selected(repo.PairName(p)) && !skip[i] {
			out = append(out, p)
		}
	}
	return out, nil
}

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, v := range list {
		m[v] = true
	}
	return m
}

func hasKey(es []repo.Entry, k string) bool {
	for _, e := range es {
		if e.Key == k {
			return true
		}
	}
	return false
}
