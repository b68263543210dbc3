package pki

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/egide/egide/vault/internal/testtool"
)

// tlsCert loads an issued leaf as a TLS server or client would: from the
// PEM files `egide pki issue` writes (chain.pem, key.pem).
func tlsCert(t testing.TB, iss *Issued) tls.Certificate {
	t.Helper()
	key, err := iss.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.X509KeyPair(iss.ChainPEM(), key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rootPool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// tlsServer serves one TLS connection per accept on 127.0.0.1: it reads a
// line and answers "pong: " and the line. Handshake errors go to errs.
func tlsServer(t *testing.T, cfg *tls.Config) (addr string, errs <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan error, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				tc := tls.Server(conn, cfg)
				if err := tc.HandshakeContext(t.Context()); err != nil {
					ch <- err
					return
				}
				ch <- nil
				line, err := bufio.NewReader(tc).ReadString('\n')
				if err != nil {
					return
				}
				fmt.Fprintf(tc, "pong: %s", line)
			}()
		}
	}()
	return ln.Addr().String(), ch
}

// roundTrip dials addr, sends "ping\n" and returns the connection state
// and the answer.
func roundTrip(addr string, cfg *tls.Config) (tls.ConnectionState, string, error) {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return tls.ConnectionState{}, "", err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "ping\n"); err != nil {
		return conn.ConnectionState(), "", err
	}
	answer, err := bufio.NewReader(conn).ReadString('\n')
	return conn.ConnectionState(), answer, err
}

// TestTLS13Handshake: a server with a leaf from an intermediate, a client
// that trusts only the root: TLS 1.3, verified, data flows. A client
// trusting another root, or asking for another name, refuses.
func TestTLS13Handshake(t *testing.T) {
	for _, kt := range []KeyType{ECP256, Ed25519, RSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			h := newHierarchy(t, kt)
			createRole(t, h.e, Role{Name: "tls", Issuer: "int", AllowLocalhost: true, AllowIPSANs: true, KeyType: kt})
			leaf := issue(t, h.e, Request{Role: "tls", CommonName: "localhost", SANs: []string{"IP:127.0.0.1"}})
			addr, errs := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{tlsCert(t, leaf)}, MinVersion: tls.VersionTLS13})

			state, answer, err := roundTrip(addr, &tls.Config{RootCAs: rootPool(h.root.Cert), ServerName: "localhost", MinVersion: tls.VersionTLS13})
			if err != nil {
				t.Fatalf("client: %v", err)
			}
			if err := <-errs; err != nil {
				t.Fatalf("server: %v", err)
			}
			if state.Version != tls.VersionTLS13 {
				t.Errorf("version %#x, want TLS 1.3", state.Version)
			}
			if answer != "pong: ping\n" {
				t.Errorf("answer %q", answer)
			}
			if len(state.VerifiedChains) != 1 || len(state.VerifiedChains[0]) != 3 || !state.VerifiedChains[0][0].Equal(leaf.Cert) ||
				!state.VerifiedChains[0][2].Equal(h.root.Cert) {
				t.Errorf("verified chains %v", state.VerifiedChains)
			}
			// By IP address too.
			if _, _, err := roundTrip(addr, &tls.Config{RootCAs: rootPool(h.root.Cert), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13}); err != nil {
				t.Errorf("by IP: %v", err)
			}
			if err := <-errs; err != nil {
				t.Errorf("server, by IP: %v", err)
			}

			// A root of the same name with another key is not trusted.
			e, _, _ := newTestEngine(t)
			otherRoot := createRoot(t, e, CARequest{Name: "other", CommonName: h.root.Cert.Subject.CommonName, MaxPathLen: -1}).Cert
			_, _, err = roundTrip(addr, &tls.Config{RootCAs: rootPool(otherRoot), ServerName: "localhost", MinVersion: tls.VersionTLS13})
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Errorf("a client trusting another root: %v, want an unknown authority", err)
			}
			<-errs
			_, _, err = roundTrip(addr, &tls.Config{RootCAs: rootPool(h.root.Cert), ServerName: "other.example.com", MinVersion: tls.VersionTLS13})
			var wrongHost x509.HostnameError
			if !errors.As(err, &wrongHost) {
				t.Errorf("a client asking for another name: %v, want a hostname error", err)
			}
			<-errs
		})
	}
}

// TestMutualTLS: a server that requires client certificates from the
// root accepts a leaf of a client role and refuses one of a server-only
// role, and a client without a certificate.
func TestMutualTLS(t *testing.T) {
	h := newHierarchy(t, ECP256)
	server := issue(t, h.e, Request{Role: "web", CommonName: "localhost"})
	client := issue(t, h.e, Request{Role: "client", CommonName: "agent.clients.example.com"})
	serverOnly := issue(t, h.e, Request{Role: "web", CommonName: "svc.example.com"})
	addr, errs := tlsServer(t, &tls.Config{
		Certificates: []tls.Certificate{tlsCert(t, server)},
		ClientCAs:    rootPool(h.root.Cert),
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
	})
	dial := func(certs ...tls.Certificate) (string, error, error) {
		_, answer, err := roundTrip(addr, &tls.Config{RootCAs: rootPool(h.root.Cert), ServerName: "localhost", MinVersion: tls.VersionTLS13,
			Certificates: certs})
		return answer, err, <-errs
	}

	answer, clientErr, serverErr := dial(tlsCert(t, client))
	if clientErr != nil || serverErr != nil || answer != "pong: ping\n" {
		t.Errorf("client role: answer %q, client %v, server %v", answer, clientErr, serverErr)
	}

	answer, clientErr, serverErr = dial(tlsCert(t, serverOnly))
	var verr *tls.CertificateVerificationError
	if !errors.As(serverErr, &verr) || !wrongUsage(verr.Err) {
		t.Errorf("server-only leaf as a client: server %v, want an incompatible key usage", serverErr)
	}
	if clientErr == nil || answer != "" {
		t.Errorf("server-only leaf as a client: the client got %q, %v", answer, clientErr)
	}

	_, clientErr, serverErr = dial()
	if serverErr == nil || clientErr == nil {
		t.Errorf("no client certificate: server %v, client %v", serverErr, clientErr)
	}
}

func requireCurl(t *testing.T) string { return testtool.Require(t, "curl") }

// TestCurl: curl, trusting only the root given with --cacert, fetches
// from an HTTPS server using an issued certificate: a Dev leaf (the root
// signs it) and a leaf from an intermediate (the server sends the chain).
// With another root curl refuses.
func TestCurl(t *testing.T) {
	curl := requireCurl(t)
	h := newHierarchy(t, ECP256)
	dev, err := h.e.Dev(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	viaInt := issue(t, h.e, Request{Role: "web", CommonName: "localhost"})
	other, _, _ := newTestEngine(t)
	otherRoot := createRoot(t, other, CARequest{Name: "other", CommonName: "Other Root", MaxPathLen: -1})

	for _, tc := range []struct {
		what string
		iss  *Issued
	}{
		{"dev", dev.Issued},
		{"intermediate", viaInt},
	} {
		t.Run(tc.what, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "hello from %s over %s\n", r.Host, tlsVersion(r.TLS))
			}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{tlsCert(t, tc.iss)}, MinVersion: tls.VersionTLS12}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused fetch below aborts a handshake
			srv.StartTLS()
			defer srv.Close()
			_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			rootFile := filepath.Join(dir, "root.pem")
			otherFile := filepath.Join(dir, "other.pem")
			if err := os.WriteFile(rootFile, tc.iss.RootPEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(otherFile, PEMCert(otherRoot.Cert.Raw), 0o644); err != nil {
				t.Fatal(err)
			}
			fetch := func(caFile string) (string, error) {
				// -q: no ~/.curlrc; --resolve: localhost is this listener's
				// 127.0.0.1, whatever /etc/hosts says.
				cmd := exec.CommandContext(t.Context(), curl, "-q", "--silent", "--show-error", "--fail", "--noproxy", "*",
					"--cacert", caFile, "--resolve", "localhost:"+port+":127.0.0.1", "https://localhost:"+port+"/")
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			out, err := fetch(rootFile)
			if err != nil || out != "hello from localhost:"+port+" over TLS 1.3\n" {
				t.Fatalf("curl --cacert root.pem: %v\n%s", err, out)
			}
			if out, err := fetch(otherFile); err == nil {
				t.Errorf("curl trusting another root fetched:\n%s", out)
			}
		})
	}
}

func tlsVersion(cs *tls.ConnectionState) string {
	if cs == nil {
		return "plain HTTP"
	}
	return tls.VersionName(cs.Version)
}
