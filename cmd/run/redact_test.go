package run

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/egide/egide/repo"
)

func redactAll(t *testing.T, entries []repo.Entry, input string, cuts []int) string {
	t.Helper()
	var out bytes.Buffer
	r := newRedactor(&out, entries)
	prev := 0
	for _, c := range cuts {
		if c <= prev || c >= len(input) {
			continue
		}
		r.Write([]byte(input[prev:c]))
		prev = c
	}
	r.Write([]byte(input[prev:]))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestRedactor(t *testing.T) {
	es := []repo.Entry{
		{Key: "TOKEN", Value: "abcdef"},
		{Key: "LONG", Value: "abcdefgh"},
		{Key: "PW", Value: "hunter2"},
		{Key: "SHORT", Value: "on"},
	}
	tests := []struct{ in, want string }{
		{"token=abcdef\n", "token=[REDACTED:TOKEN]\n"},
		{"abcdefgh!", "[REDACTED:LONG]!"},
		{"abcdefg", "[REDACTED:TOKEN]g"},
		{"pw hunter2 hunter2", "pw [REDACTED:PW] [REDACTED:PW]"},
		{"on and on", "on and on"},
		{"abcde", "abcde"},
		{"", ""},
		{"aabcdef", "a[REDACTED:TOKEN]"},
	}
	for _, tt := range tests {
		// Every way of cutting the input into two writes, and byte by byte.
		for c := 0; c <= len(tt.in); c++ {
			if got := redactAll(t, es, tt.in, []int{c}); got != tt.want {
				t.Fatalf("%q cut at %d = %q, want %q", tt.in, c, got, tt.want)
			}
		}
		var all []int
		for c := 1; c < len(tt.in); c++ {
			all = append(all, c)
		}
		if got := redactAll(t, es, tt.in, all); got != tt.want {
			t.Fatalf("%q byte by byte = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactorRandom checks random texts with planted secrets under random
// write boundaries: no secret survives and nothing else changes.
func TestRedactorRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	es := []repo.Entry{{Key: "A", Value: "s3cr3t-value"}, {Key: "B", Value: "xyzzy"}, {Key: "C", Value: "s3cr3"}}
	for n := 0; n < 500; n++ {
		var in, want strings.Builder
		for k := 0; k < 20; k++ {
			switch rng.IntN(4) {
			case 0:
				e := es[rng.IntN(len(es))]
				in.WriteString(e.Value)
				want.WriteString("[REDACTED:" + e.Key + "]")
			default:
				w := []string{"plain ", "s3c ", "xyz ", "\n", "value "}[rng.IntN(5)]
				in.WriteString(w)
				want.WriteString(w)
			}
		}
		var cuts []int
		for c := 0; c < 6; c++ {
			cuts = append(cuts, rng.IntN(in.Len()+1))
		}
		sortInts(cuts)
		if got := redactAll(t, es, in.String(), cuts); got != want.String() {
			t.Fatalf("input %q cuts %v:\n got %q\nwant %q", in.String(), cuts, got, want.String())
		}
	}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
