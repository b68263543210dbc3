package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/egide/egide/repo/dotenv"
)

// suffixes name the kinds of secret a service typically has; key i is
// SERVICE_<i/len>_<suffix>, so 1,000 keys give 100 services.
var suffixes = []string{
	"API_KEY", "API_SECRET", "DATABASE_URL", "DB_PASSWORD", "CLIENT_ID",
	"CLIENT_SECRET", "TOKEN", "WEBHOOK_SECRET", "SIGNING_KEY", "REDIS_URL",
}

// pemEvery makes one key in pemEvery a multi-line PEM-like value of about
// 1.5 KiB (a TLS private key); the others are 16–64 random printable bytes.
const pemEvery = 100

// printable is every printable ASCII byte but space and backslash: SOPS's
// dotenv store reads "\n" in a value as a line break, so a backslash would
// make the two tools hold different data.
var printable = func() []byte {
	var b []byte
	for c := byte('!'); c <= '~'; c++ {
		if c != '\\' {
			b = append(b, c)
		}
	}
	return b
}()

// gen produces deterministic test data.
type gen struct{ rng *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// keyName is the name of key i; isPEM says whether it holds a PEM value.
func keyName(i int) (name string, isPEM bool) {
	if i%pemEvery == pemEvery/3 {
		return fmt.Sprintf("SERVICE_%d_TLS_PRIVATE_KEY", i/len(suffixes)), true
	}
	return fmt.Sprintf("SERVICE_%d_%s", i/len(suffixes), suffixes[i%len(suffixes)]), false
}

// value returns a fresh value of the given kind.
func (g *gen) value(isPEM bool) string {
	if isPEM {
		return g.pem()
	}
	n := 16 + g.rng.IntN(49)
	b := make([]byte, n)
	for {
		for i := range b {
			b[i] = printable[g.rng.IntN(len(printable))]
		}
		// "${" starts a reference that egide run resolves (and rejects
		// when it names no key): the data holds plain values only.
		if !bytes.Contains(b, []byte("${")) {
			return string(b)
		}
	}
}

// pem returns a PEM-shaped block of about 1.5 KiB: 1,100 random bytes in
// base64, 64 columns wide.
func (g *gen) pem() string {
	raw := make([]byte, 1100)
	for i := range raw {
		raw[i] = byte(g.rng.Uint32())
	}
	s := base64.StdEncoding.EncodeToString(raw)
	var sb strings.Builder
	sb.WriteString("-----BEGIN PRIVATE KEY-----\n")
	for len(s) > 64 {
		sb.WriteString(s[:64])
		sb.WriteByte('\n')
		s = s[64:]
	}
	sb.WriteString(s)
	sb.WriteString("\n-----END PRIVATE KEY-----")
	return sb.String()
}

// dataset is an environment's content in key order of creation.
type dataset struct {
	keys   []string
	pem    []bool
	values []string
}

func (g *gen) dataset(n int) *dataset {
	d := &dataset{keys: make([]string, n), pem: make([]bool, n), values: make([]string, n)}
	for i := range n {
		d.keys[i], d.pem[i] = keyName(i)
		d.values[i] = g.value(d.pem[i])
	}
	return d
}

// refresh gives every key a new value.
func (g *gen) refresh(d *dataset) {
	for i := range d.values {
		d.values[i] = g.value(d.pem[i])
	}
}

func (d *dataset) lookup(key string) string {
	for i, k := range d.keys {
		if k == key {
			return d.values[i]
		}
	}
	return ""
}

// writeDotenv writes d as a dotenv file egide imports exactly (egide's own
// encoder picks the quoting).
func (d *dataset) writeDotenv(path string) error {
	entries := make([]dotenv.Entry, len(d.keys))
	for i := range d.keys {
		entries[i] = dotenv.Entry{Key: d.keys[i], Value: d.values[i]}
	}
	var buf bytes.Buffer
	if err := dotenv.Encode(&buf, entries, dotenv.FormatDotenv); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// writeSOPSDotenv writes d in SOPS's dotenv dialect: KEY=raw value, line
// breaks written as \n.
func (d *dataset) writeSOPSDotenv(path string) error {
	var buf bytes.Buffer
	for i := range d.keys {
		fmt.Fprintf(&buf, "%s=%s\n", d.keys[i], strings.ReplaceAll(d.values[i], "\n", `\n`))
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}
