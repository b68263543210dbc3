package run

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/egide/egide/repo"
)

func TestBuildEnv(t *testing.T) {
	parent := []string{"PATH=/bin", "A=parent", "X=1", "X=2", "EGIDE_IDENTITY=AGE-SECRET-KEY-1", "EGIDE_IDENTITY_FILE=/id", "HOME=/h", "NOEQ"}
	secrets := []repo.Entry{{Key: "A", Value: "secret"}, {Key: "B", Value: "b"}}
	tests := []struct {
		name string
		spec envSpec
		want []string
	}{
		{"secrets win", envSpec{}, []string{"PATH=/bin", "X=2", "HOME=/h", "A=secret", "B=b"}},
		{"preserve one", envSpec{preserve: []string{"A"}}, []string{"PATH=/bin", "A=parent", "X=2", "HOME=/h", "B=b"}},
		{"preserve all", envSpec{preserve: []string{"all"}}, []string{"PATH=/bin", "A=parent", "X=2", "HOME=/h", "B=b"}},
		{"only", envSpec{only: []string{"B"}}, []string{"PATH=/bin", "A=parent", "X=2", "HOME=/h", "B=b"}},
		{"except", envSpec{except: []string{"B"}}, []string{"PATH=/bin", "X=2", "HOME=/h", "A=secret"}},
		{"prefix", envSpec{prefix: "APP_"}, []string{"PATH=/bin", "A=parent", "X=2", "HOME=/h", "APP_A=secret", "APP_B=b"}},
		{"pristine", envSpec{pristine: true}, []string{"PATH=/bin", "HOME=/h", "A=secret", "B=b"}},
	}
	// The same secrets as the HEAD file gives them: "NAME=VALUE" pairs.
	pairs := []string{"A=secret", "B=b"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := buildEnv(parent, secrets, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
			if tt.spec.prefix != "" {
				return // buildEnvPairs is not used with a prefix
			}
			got, err = buildEnvPairs(parent, pairs, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("with pairs: got  %q\nwant %q", got, tt.want)
			}
		})
	}
	if _, err := buildEnv(parent, secrets, envSpec{only: []string{"NOPE"}}); err == nil {
		t.Fatal("--only with a missing key")
	}
	if _, err := buildEnvPairs(parent, pairs, envSpec{only: []string{"NOPE"}}); err == nil {
		t.Fatal("--only with a missing key, pairs")
	}
}

// TestBuildEnvPairs checks that slicing the pairs gives what building the
// strings gives, on many secrets (sorted by name, which is not the order of
// the pairs: "K1=" sorts before "K=") and parent variables that collide
// with them in every way the flags allow.
func TestBuildEnvPairs(t *testing.T) {
	var secrets []repo.Entry
	var pairs []string
	names := []string{"K", "K_", "K0"}
	for i := range 300 {
		names = append(names, fmt.Sprintf("K%03d", i))
	}
	sort.Strings(names)
	for i, k := range names {
		secrets = append(secrets, repo.Entry{Key: k, Value: fmt.Sprint("v=", i)})
		pairs = append(pairs, k+"="+fmt.Sprint("v=", i))
	}
	parent := []string{"PATH=/bin", "K000=p0", "K150=p150", "K299=p299", "K150=again", "ZZ=z", "AA=a", "K0=short", "K=k", "K_=u"}
	specs := []envSpec{
		{},
		{preserve: []string{"K150"}},
		{preserve: []string{"all"}},
		{only: []string{"K000", "K150", "K200"}},
		{only: []string{"K150"}, preserve: []string{"K150"}},
		{except: []string{"K000", "K001"}},
		{except: []string{"K150"}, preserve: []string{"K299"}},
		{only: []string{"K", "K0", "K_"}, preserve: []string{"K_"}},
		{except: []string{"K"}, preserve: []string{"K0", "K299"}},
		{pristine: true},
	}
	for _, s := range specs {
		want, err := buildEnv(parent, secrets, s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := buildEnvPairs(parent, pairs, s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%+v: with pairs\n%q\nwithout\n%q", s, got, want)
		}
	}
}
