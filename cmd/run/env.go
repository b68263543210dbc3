package run

import (
	"fmt"
	"sort"
	"strings"

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

// buildEnv returns the child's environment: the parent's (or, pristine, a
// minimal PATH/HOME/USER/TERM/LANG), then the secrets (filtered, prefixed),
// which win unless preserved. It also returns the names it injected.
func buildEnv(parent []string, secrets []repo.Entry, s envSpec) ([]string, []string, error) {
	base := map[string]string{}
	var order []string
	for _, kv := range parent {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || hidden[k] {
			continue
		}
		if _, seen := base[k]; !seen {
			order = append(order, k)
		}
		base[k] = v
	}
	if s.pristine {
		kept := map[string]string{}
		order = order[:0]
		for _, k := range pristineKeep {
			if v, ok := base[k]; ok {
				kept[k] = v
				order = append(order, k)
			}
		}
		base = kept
	}
	only := setOf(s.only)
	except := setOf(s.except)
	preserveAll := len(s.preserve) == 1 && s.preserve[0] == "all"
	preserve := setOf(s.preserve)
	for k := range only {
		if !hasKey(secrets, k) {
			return nil, nil, fmt.Errorf("--only names %s, which is not in the environment", k)
		}
	}
	var injected []string
	for _, e := range secrets {
		if len(only) > 0 && !only[e.Key] || except[e.Key] {
			continue
		}
		name := s.prefix + e.Key
		if _, ok := base[name]; ok && (preserveAll || preserve[name] || preserve[e.Key]) {
			continue
		}
		if _, ok := base[name]; !ok {
			order = append(order, name)
		}
		base[name] = e.Value
		injected = append(injected, name)
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+base[k])
	}
	sort.Strings(injected)
	return out, injected, nil
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
