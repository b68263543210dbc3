package dotenv

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// encodeDocker writes docker's --env-file format: KEY=VALUE per line, taken
// literally (no quotes, no escapes). It cannot hold a line break, so a
// multi-line value is an error naming the key.
func encodeDocker(buf *bytes.Buffer, entries []Entry) error {
	for _, e := range entries {
		if strings.ContainsAny(e.Value, "\n\r") {
			return fmt.Errorf("value of %s spans several lines, which docker's --env-file cannot hold (use --format k8s-secret, json or dotenv)", e.Key)
		}
		buf.WriteString(e.Key)
		buf.WriteByte('=')
		buf.WriteString(e.Value)
		buf.WriteByte('\n')
	}
	return nil
}

// encodeK8sSecret writes a Kubernetes Secret (v1, type Opaque) whose data
// holds each value base64-encoded, so every byte survives.
func encodeK8sSecret(buf *bytes.Buffer, entries []Entry, name string) error {
	if name == "" {
		name = "egide"
	}
	data := &yaml.Node{Kind: yaml.MappingNode}
	for _, e := range entries {
		data.Content = append(data.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.Key},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: base64.StdEncoding.EncodeToString([]byte(e.Value))})
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str("v1"),
		str("kind"), str("Secret"),
		str("metadata"), {Kind: yaml.MappingNode, Content: []*yaml.Node{str("name"), str(name)}},
		str("type"), str("Opaque"),
		str("data"), data,
	}}
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// encodeGitHubActions writes lines for the $GITHUB_ENV file of a GitHub
// Actions step: NAME<<DELIMITER, the value, DELIMITER — GitHub's multi-line
// syntax, used for every value so that none is misread. The delimiter is
// random and checked not to occur in any value.
func encodeGitHubActions(buf *bytes.Buffer, entries []Entry) error {
	var raw [12]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	delim := "EGIDE_EOF_" + hex.EncodeToString(raw[:])
	for _, e := range entries {
		if strings.Contains(e.Value, delim) {
			return fmt.Errorf("value of %s contains the random delimiter; run again", e.Key)
		}
		fmt.Fprintf(buf, "%s<<%s\n%s\n%s\n", e.Key, delim, e.Value, delim)
	}
	return nil
}
