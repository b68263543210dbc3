package transit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egide/egide/vault/internal/testtool"
)

func requireOpenSSL(t *testing.T) string { return testtool.Require(t, "openssl") }

// TestOpenSSLVerifies: signatures made by the engine verify with OpenSSL,
// given only the public key the engine shows and the raw signature bytes;
// a changed message does not.
func TestOpenSSLVerifies(t *testing.T) {
	openssl := requireOpenSSL(t)
	tests := []struct {
		typ KeyType
		o   SignOptions
	}{
		{Ed25519, SignOptions{}},
		{ECDSAP256, SignOptions{Hash: SHA2_256}},
		{ECDSAP256, SignOptions{Hash: SHA2_384}},
		{ECDSAP384, SignOptions{Hash: SHA2_256}},
		{ECDSAP384, SignOptions{Hash: SHA2_384}},
		{RSA2048, SignOptions{Hash: SHA2_256, Algorithm: PSS}},
		{RSA2048, SignOptions{Hash: SHA2_512, Algorithm: PSS}},
		{RSA2048, SignOptions{Hash: SHA2_256, Algorithm: PKCS1v15}},
		{RSA2048, SignOptions{Hash: SHA2_384, Algorithm: PKCS1v15}},
	}
	e, _ := newTestEngine(t, Options{})
	msg := []byte("verified by OpenSSL\n")
	for _, tc := range tests {
		t.Run(strings.Trim(string(tc.typ)+"/"+tc.o.Hash+"/"+tc.o.Algorithm, "/"), func(t *testing.T) {
			name := string(tc.typ)
			if _, err := e.Key(t.Context(), name); err != nil {
				createKey(t, e, name, CreateOptions{Type: tc.typ})
			}
			sig, err := e.Sign(t.Context(), name, msg, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			write := func(file string, data []byte) string {
				p := filepath.Join(dir, file)
				if err := os.WriteFile(p, data, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			pub := write("pub.pem", []byte(keyInfo(t, e, name).Versions[0].PublicKey))
			sigFile := write("sig", payload(t, sig))
			good := write("msg", msg)
			bad := write("tampered", append([]byte("X"), msg[1:]...))

			args := func(in string) []string {
				if tc.typ == Ed25519 {
					return []string{"pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", in, "-sigfile", sigFile}
				}
				a := []string{"dgst", "-" + strings.Replace(tc.o.Hash, "sha2-", "sha", 1), "-verify", pub, "-signature", sigFile}
				if tc.o.Algorithm == PSS {
					a = append(a, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:auto")
				}
				return append(a, in)
			}
			out, err := exec.Command(openssl, args(good)...).CombinedOutput()
			text := string(out)
			if err != nil || !(strings.Contains(text, "Verified OK") || strings.Contains(text, "Signature Verified Successfully")) {
				t.Fatalf("openssl %s: %v\n%s", strings.Join(args(good), " "), err, out)
			}
			out, err = exec.Command(openssl, args(bad)...).CombinedOutput()
			if err == nil || strings.Contains(string(out), "Verified OK") || strings.Contains(string(out), "Verified Successfully") {
				t.Fatalf("openssl verifies a changed message: %v\n%s", err, out)
			}
		})
	}
}
