package run

import (
	"reflect"
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := buildEnv(parent, secrets, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	if _, err := buildEnv(parent, secrets, envSpec{only: []string{"NOPE"}}); err == nil {
		t.Fatal("--only with a missing key")
	}
}
