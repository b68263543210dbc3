//go:build !race && unix

// The end-to-end tests re-run this test binary as egide in hundreds of
// processes; under -race each would carry the race runtime (40 times
// slower). .ci/test.sh runs them without -race, and everything else with.

package cmd_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/egide/egide/cmd"
	"github.com/egide/egide/vault"
	"github.com/egide/egide/vault/keyring"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// Passphrase-encrypted identity files use scrypt; its default cost
	// (about 1 s and 256 MiB) is pointless in tests. Never an env var.
	keyring.SetTestScryptWorkFactor(10)
	testscript.Main(m, map[string]func(){
		"egide": func() { os.Exit(cmd.Execute()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real egide binary (this test binary re-executed as egide).
//
// Each script starts with: HOME and XDG folders inside $WORK, the OS keyring
// off (EGIDE_NO_KEYRING=1), a fresh identity in EGIDE_IDENTITY (its
// recipient in $RECIPIENT) and a fixed author. Scripts that test the
// no-identity path unset EGIDE_IDENTITY themselves.
//
// Scripts guard lines that need openssl, curl, jq or git with
// [exec:openssl] and the like; EGIDE_REQUIRE_OPENSSL=1, EGIDE_REQUIRE_CURL=1,
// EGIDE_REQUIRE_JQ=1 and EGIDE_REQUIRE_GIT=1 (CI sets them all) make a
// missing tool a failure instead of skipped lines.
func TestScripts(t *testing.T) {
	for tool, v := range map[string]string{"openssl": "OPENSSL", "curl": "CURL", "jq": "JQ", "git": "GIT"} {
		if _, err := exec.LookPath(tool); err != nil && os.Getenv("EGIDE_REQUIRE_"+v) == "1" {
			t.Fatalf("%s is required (EGIDE_REQUIRE_%s is set) but not found: %v", tool, v, err)
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"serve-tls": serveTLS},
		UpdateScripts:       os.Getenv("EGIDE_UPDATE_SCRIPTS") == "1",
		Setup: func(e *testscript.Env) error {
			id, secret, err := vault.GenerateIdentity()
			if err != nil {
				return err
			}
			home := filepath.Join(e.WorkDir, "home")
			for _, kv := range [][2]string{
				{"HOME", home},
				{"XDG_CONFIG_HOME", filepath.Join(home, ".config")},
				{"XDG_DATA_HOME", filepath.Join(home, ".local", "share")},
				{"XDG_RUNTIME_DIR", filepath.Join(e.WorkDir, "run")},
				{"EGIDE_NO_KEYRING", "1"},
				{"EGIDE_IDENTITY", secret},
				{"RECIPIENT", id.Recipient()},
				{"EGIDE_AUTHOR", "Test <test@example.com>"},
				{"NO_COLOR", "1"},
				{"GIT_CONFIG_NOSYSTEM", "1"},
			} {
				e.Setenv(kv[0], kv[1])
			}
			if err := os.MkdirAll(filepath.Join(e.WorkDir, "run"), 0o700); err != nil {
				return err
			}
			return os.MkdirAll(home, 0o700)
		},
	})
}

// serveTLS is the script command "serve-tls CHAIN KEY [CLIENT_CA]": an
// HTTPS server on 127.0.0.1 presenting CHAIN (PEM, leaf first) with KEY,
// answering "hello from egide pki" to GET /. With CLIENT_CA it requires a
// client certificate that chains to it (mTLS) and greets the client's CN.
// $TLS_PORT is its port; it stops when the script ends.
func serveTLS(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: serve-tls CHAIN KEY [CLIENT_CA]")
	}
	cert, err := tls.LoadX509KeyPair(ts.MkAbs(args[0]), ts.MkAbs(args[1]))
	ts.Check(err)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if len(args) == 3 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(ts.ReadFile(args[2]))) {
			ts.Fatalf("%s: no certificate", args[2])
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, TLSConfig: cfg, ErrorLog: log.New(io.Discard, "", 0),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			who := ""
			if len(r.TLS.PeerCertificates) > 0 {
				who = " to " + r.TLS.PeerCertificates[0].Subject.CommonName
			}
			fmt.Fprintf(w, "hello from egide pki%s over %s\n", who, tls.VersionName(r.TLS.Version))
		})}
	go srv.ServeTLS(ln, "", "")
	ts.Defer(func() { srv.Close() })
	ts.Setenv("TLS_PORT", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
}
