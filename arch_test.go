package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/egide/egide"

// layer returns the architectural layer of an egide package path.
func layer(pkg string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	if rel == "" {
		return "main"
	}
	top, _, _ := strings.Cut(rel, "/")
	return top
}

// allowed lists, per layer, the egide layers it may import (DESIGN.md §1:
// arrows only point down).
var allowed = map[string][]string{
	"main":   {"cmd"},
	"cmd":    {"cmd", "tui", "server", "sync", "repo", "vault"},
	"tui":    {"tui", "repo", "vault"},
	"server": {"server", "sync", "repo", "vault"},
	"sync":   {"sync", "repo", "vault"},
	"repo":   {"repo", "vault"},
	"vault":  {"vault"},
	"bench":  {"bench", "cmd", "tui", "server", "sync", "repo", "vault"}, // tools, never imported
}

// vaultThirdParty is all vault may import besides the standard library.
var vaultThirdParty = []string{"filippo.io/age", "golang.org/x/crypto", "github.com/zalando/go-keyring"}

// TestArchitecture fails on any import that points up DESIGN.md §1's table.
func TestArchitecture(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Standard   bool
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		from := layer(p.ImportPath)
		ok, known := allowed[from]
		if !known {
			t.Errorf("%s: top-level folder %q is not in DESIGN.md's package table", p.ImportPath, from)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				if to := layer(imp); !contains(ok, to) {
					t.Errorf("%s imports %s: %s may not import %s", p.ImportPath, imp, from, to)
				}
				continue
			}
			if from == "vault" && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !hasPrefix(imp, vaultThirdParty) {
				t.Errorf("%s imports %s: vault may only use the standard library, age, x/crypto and go-keyring", p.ImportPath, imp)
			}
		}
	}
	if n < 5 {
		t.Fatalf("go list returned only %d packages", n)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}
