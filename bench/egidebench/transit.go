package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// transitBench times the transit engine as whole processes (issue #6): one
// encrypt of 32 bytes beside 'egide version', one batch of 1,000 items, and
// 1,000 single encrypt calls in a row.
func (b *bench) transitBench(ctx context.Context) error {
	dir, err := b.newProject("t")
	if err != nil {
		return err
	}
	if _, err := b.must(dir, "transit", "key", "create", "bench"); err != nil {
		return err
	}
	plain := bytes.Repeat([]byte("0123456789abcdef"), 2) // 32 bytes
	in := filepath.Join(b.tmp, "plain32")
	if err := os.WriteFile(in, plain, 0o600); err != nil {
		return err
	}
	const items = 1000
	type item struct {
		Plaintext string `json:"plaintext"`
	}
	batch := make([]item, items)
	for i := range batch {
		batch[i].Plaintext = base64.StdEncoding.EncodeToString(plain)
	}
	batchFile := filepath.Join(b.tmp, "batch1000.json")
	if data, err := json.Marshal(batch); err != nil {
		return err
	} else if err := os.WriteFile(batchFile, data, 0o600); err != nil {
		return err
	}

	// Check the round trip before timing anything.
	ct, err := b.must(dir, "transit", "encrypt", "bench", "--in", in)
	if err != nil {
		return err
	}
	if got, err := b.must(dir, "transit", "decrypt", "bench", strings.TrimSpace(ct)); err != nil || got != string(plain) {
		return fmt.Errorf("transit round trip: got %d bytes back (%v)", len(got), err)
	}
	out, err := b.must(dir, "transit", "encrypt", "bench", "--batch", batchFile)
	if err != nil {
		return err
	}
	var results []struct {
		Ciphertext string `json:"ciphertext"`
		Error      string `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil || len(results) != items || results[items-1].Ciphertext == "" {
		return fmt.Errorf("transit batch: %d results (%v)", len(results), err)
	}

	ps := []proc{
		b.egideProc("egide version", dir, "version"),
		b.egideProc("egide transit encrypt (32 B)", dir, "transit", "encrypt", "bench", "--in", in),
		b.egideProc("egide transit encrypt --batch (1,000 × 32 B)", dir, "transit", "encrypt", "bench", "--batch", batchFile),
	}
	logf("timing %d commands × %d runs", len(ps), b.cfg.runs)
	ts, err := b.r.interleave(ps, b.cfg.runs, b.cfg.warmup, b.rng)
	if err != nil {
		return err
	}
	b.tab.section("T. transit engine (issue #6)")
	b.tab.add(ps[0].label+" (baseline)", ts[0], nil, 0, 0, "—")
	b.tab.add(ps[1].label, ts[1], ts[0], 1.5, 15*time.Millisecond, "")
	b.tab.add(ps[2].label, ts[2], ts[0], 0, 0, "")

	// 1,000 single calls, a few times: each loop is one sample.
	loops := min(3, b.cfg.runs)
	logf("timing %d × %d single transit encrypt calls", loops, items)
	var singles []time.Duration
	for range loops {
		var total time.Duration
		for range items {
			d, err := b.r.time(ps[1])
			if err != nil {
				return err
			}
			total += d
		}
		singles = append(singles, total)
	}
	speedup := float64(median(singles)) / float64(median(ts[2]))
	b.tab.rows = append(b.tab.rows, row{
		measurement: fmt.Sprintf("1,000 single `egide transit encrypt` calls (%d loops)", loops),
		median:      ms(median(singles)), p90: ms(p90(singles)), ratio: "—",
		target: "batch ≥ 10× faster",
		result: fmt.Sprintf("%.0f× %s", speedup, b.tab.verdict(speedup >= 10)),
	})
	return nil
}
