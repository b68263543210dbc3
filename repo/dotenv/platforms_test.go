package dotenv

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var platformValues = []Entry{
	{Key: "PLAIN", Value: "postgres://db:5432/app?ssl=on"},
	{Key: "EMPTY", Value: ""},
	{Key: "QUOTES", Value: `it's "x" $HOME ${A} #c =e`},
	{Key: "SPACES", Value: "  padded  "},
	{Key: "UNICODE", Value: "héllo ☃"},
}

var multiline = Entry{Key: "PEM", Value: "-----BEGIN KEY-----\nabc\n\tdef\n-----END KEY-----\n"}

func TestDockerEnvFile(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, platformValues, FormatDocker); err != nil {
		t.Fatal(err)
	}
	// docker reads each line as KEY=VALUE, literally, splitting at the
	// first '='.
	got := map[string]string{}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		got[k] = v
	}
	for _, e := range platformValues {
		if got[e.Key] != e.Value {
			t.Errorf("%s = %q, want %q", e.Key, got[e.Key], e.Value)
		}
	}
	buf.Reset()
	err := Encode(&buf, append([]Entry{multiline}, platformValues...), FormatDocker)
	if err == nil || !strings.Contains(err.Error(), "PEM") || strings.Contains(err.Error(), "BEGIN") {
		t.Fatalf("multi-line value: err = %v", err)
	}
	if buf.Len() != 0 {
		t.Fatal("wrote output before failing")
	}
}

func TestK8sSecret(t *testing.T) {
	all := append([]Entry{multiline}, platformValues...)
	var buf bytes.Buffer
	if err := EncodeWith(&buf, all, FormatK8sSecret, EncodeOptions{Name: "app-prod"}); err != nil {
		t.Fatal(err)
	}
	var s struct {
		APIVersion string                `yaml:"apiVersion"`
		Kind       string                `yaml:"kind"`
		Type       string                `yaml:"type"`
		Metadata   struct{ Name string } `yaml:"metadata"`
		Data       map[string]string     `yaml:"data"`
	}
	if err := yaml.Unmarshal(buf.Bytes(), &s); err != nil {
		t.Fatalf("a YAML decoder cannot read it: %v\n%s", err, buf.String())
	}
	if s.APIVersion != "v1" || s.Kind != "Secret" || s.Type != "Opaque" || s.Metadata.Name != "app-prod" {
		t.Fatalf("manifest = %+v", s)
	}
	for _, e := range all {
		v, err := base64.StdEncoding.DecodeString(s.Data[e.Key])
		if err != nil || string(v) != e.Value {
			t.Errorf("%s = %q (%v), want %q", e.Key, v, err, e.Value)
		}
	}
	if strings.Contains(buf.String(), "padded") {
		t.Fatal("a value is in the clear in the manifest")
	}
}

// parseGitHubEnv reads a $GITHUB_ENV file as the Actions runner does:
// NAME=VALUE lines, or NAME<<DELIM, value lines, DELIM.
func parseGitHubEnv(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("unterminated value of %s", name)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		out[k] = v
	}
	return out
}

func TestGitHubActions(t *testing.T) {
	all := append([]Entry{multiline}, platformValues...)
	var buf bytes.Buffer
	if err := Encode(&buf, all, FormatGitHubActions); err != nil {
		t.Fatal(err)
	}
	got := parseGitHubEnv(t, buf.String())
	for _, e := range all {
		if got[e.Key] != e.Value {
			t.Errorf("%s = %q, want %q", e.Key, got[e.Key], e.Value)
		}
	}
	var again bytes.Buffer
	Encode(&again, all, FormatGitHubActions)
	if again.String() == buf.String() {
		t.Fatal("the delimiter is not random")
	}
}
