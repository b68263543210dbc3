package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// pkiBench times the PKI engine as whole processes (issue #7): 'egide pki
// dev localhost' with the dev CA present and 'egide pki issue' of an ECDSA
// P-256 leaf, against 'mkcert -ecdsa localhost' in the same interleaved run.
func (b *bench) pkiBench(ctx context.Context) error {
	dir, err := b.newProject("p")
	if err != nil {
		return err
	}
	for _, args := range [][]string{
		{"pki", "dev", "--out", "dev-first"},
		{"pki", "root", "create", "--cn", "Bench Root CA"},
		{"pki", "role", "create", "web", "--allowed-domains", "example.com", "--allow-subdomains"},
		{"pki", "issue", "web", "--cn", "svc.example.com", "--out", "issue-first"},
	} {
		if _, err := b.must(dir, args...); err != nil {
			return err
		}
	}
	for _, f := range []string{"dev-first/cert.pem", "dev-first/key.pem", "issue-first/chain.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("pki set-up: %w", err)
		}
	}
	ps := []proc{
		b.egideProc("egide version", dir, "version"),
		b.egideProc("egide pki dev localhost (dev CA present)", dir, "pki", "dev", "localhost", "--out", "dev", "--force"),
		b.egideProc("egide pki issue (ECDSA P-256)", dir, "pki", "issue", "web", "--cn", "svc.example.com", "--out", "issue", "--force"),
	}
	mkcert, err := b.goTool(ctx, "mkcert", "filippo.io/mkcert@latest")
	if err != nil {
		b.notes = append(b.notes, fmt.Sprintf("mkcert could not be installed (%v): the PKI rows have no mkcert comparison.", err))
	} else {
		mdir := filepath.Join(b.tmp, "mkcert")
		if err := os.MkdirAll(mdir, 0o755); err != nil {
			return err
		}
		env := append(append([]string(nil), b.env...), "CAROOT="+filepath.Join(mdir, "caroot"))
		mk := proc{label: "mkcert -ecdsa localhost", argv: []string{mkcert, "-ecdsa", "localhost"}, dir: mdir, env: env}
		if _, stderr, err := b.r.output(mk); err != nil { // makes mkcert's CA, untimed
			return fmt.Errorf("mkcert: %v: %s", err, strings.TrimSpace(stderr))
		}
		if _, err := os.Stat(filepath.Join(mdir, "localhost-key.pem")); err != nil {
			return fmt.Errorf("mkcert wrote no key: %w", err)
		}
		ps = append(ps, mk)
	}
	logf("timing %d commands × %d runs", len(ps), b.cfg.runs)
	ts, err := b.r.interleave(ps, b.cfg.runs, b.cfg.warmup, b.rng)
	if err != nil {
		return err
	}
	b.tab.section("P. PKI engine (issue #7)")
	b.tab.add(ps[0].label+" (baseline)", ts[0], nil, 0, 0, "—")
	if len(ps) == 3 {
		b.tab.add(ps[1].label, ts[1], ts[0], 0, 0, "no mkcert to compare with")
		b.tab.add(ps[2].label, ts[2], ts[0], 0, 0, "no mkcert to compare with")
		return nil
	}
	b.tab.add(ps[3].label+" (reference)", ts[3], ts[0], 0, 0, "reference")
	for _, i := range []int{1, 2} {
		r := float64(median(ts[i])) / float64(median(ts[3]))
		b.tab.rows = append(b.tab.rows, row{
			measurement: ps[i].label, median: ms(median(ts[i])), p90: ms(p90(ts[i])),
			ratio:  fmt.Sprintf("%.2f×", float64(median(ts[i]))/float64(median(ts[0]))),
			target: "≤ 2× mkcert",
			result: fmt.Sprintf("%.2f× mkcert %s", r, b.tab.verdict(r <= 2)),
		})
	}
	return nil
}
