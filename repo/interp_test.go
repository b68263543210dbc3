package repo

import (
	"errors"
	"strings"
	"testing"
)

func ent(k, v string) Entry { return Entry{Key: k, Value: v} }

func TestResolveRefs(t *testing.T) {
	tests := []struct {
		name string
		in   []Entry
		want map[string]string
		err  string
	}{
		{"none", []Entry{ent("A", "pa$word"), ent("B", "$A")}, map[string]string{"A": "pa$word", "B": "$A"}, ""},
		{"simple", []Entry{ent("HOST", "db"), ent("URL", "postgres://${HOST}:5432")}, map[string]string{"URL": "postgres://db:5432"}, ""},
		{"chain, any order", []Entry{ent("C", "${B}!"), ent("B", "${A}${A}"), ent("A", "x")}, map[string]string{"C": "xx!", "B": "xx"}, ""},
		{"default when missing", []Entry{ent("A", "${NOPE:-fallback}")}, map[string]string{"A": "fallback"}, ""},
		{"default when empty", []Entry{ent("E", ""), ent("A", "${E:-d}")}, map[string]string{"A": "d"}, ""},
		{"nested default", []Entry{ent("X", "1"), ent("A", "${NOPE:-${X}-${Y:-2}}")}, map[string]string{"A": "1-2"}, ""},
		{"escape", []Entry{ent("A", "$${HOME} and ${B}"), ent("B", "b")}, map[string]string{"A": "${HOME} and b"}, ""},
		{"empty set value", []Entry{ent("E", ""), ent("A", "[${E}]")}, map[string]string{"A": "[]"}, ""},
		{"missing", []Entry{ent("A", "${NOPE}")}, nil, "A refers to ${NOPE}, which is not set"},
		{"self cycle", []Entry{ent("A", "${A}")}, nil, "cycle: A → A"},
		{"cycle", []Entry{ent("A", "${B}"), ent("B", "${C}"), ent("C", "${A}")}, nil, "cycle: A → B → C → A"},
		{"unclosed", []Entry{ent("A", "${B")}, nil, "unclosed ${"},
		{"bad name", []Entry{ent("A", "${1x}")}, nil, "not a key name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ResolveRefs(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err %v is not ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range out {
				got[e.Key] = e.Value
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if len(out) != len(tt.in) {
				t.Fatalf("%d entries, want %d", len(out), len(tt.in))
			}
		})
	}
}

func TestResolveRefsKeepsSecretsOutOfErrors(t *testing.T) {
	_, err := ResolveRefs([]Entry{ent("A", "hunter2-${NOPE}")})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzResolveRefs checks that resolution never panics or loops, and that
// values without "${" pass through unchanged.
func FuzzResolveRefs(f *testing.F) {
	f.Add("${B}", "${C:-x${A}}", "$${A}")
	f.Add("plain", "${A}", "${B:-}")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		in := []Entry{ent("A", a), ent("B", b), ent("C", c)}
		out, err := ResolveRefs(in)
		if err != nil {
			return
		}
		for i, e := range in {
			if !strings.Contains(e.Value, "${") && out[i].Value != e.Value {
				t.Fatalf("%s changed without a reference", e.Key)
			}
		}
	})
}
