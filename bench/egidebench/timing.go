package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// proc is one command line to time as a whole process.
type proc struct {
	label string   // row label in the table
	argv  []string // argv[0] is the program's path
	dir   string
	env   []string
}

// runner starts processes with their output discarded.
type runner struct {
	devnull *os.File
}

func newRunner() (*runner, error) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	return &runner{devnull: f}, nil
}

// time runs p once and returns its wall-clock time from fork to exit. On
// failure it runs p again to report its standard error.
func (r *runner) time(p proc) (time.Duration, error) {
	c := exec.Command(p.argv[0], p.argv[1:]...)
	c.Dir, c.Env, c.Stdout, c.Stderr = p.dir, p.env, r.devnull, r.devnull
	t0 := time.Now()
	err := c.Run()
	d := time.Since(t0)
	if err != nil {
		_, stderr, _ := r.output(p)
		return 0, fmt.Errorf("%s: %v: %s", p.label, err, strings.TrimSpace(stderr))
	}
	return d, nil
}

// output runs p and returns what it printed.
func (r *runner) output(p proc) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	c := exec.Command(p.argv[0], p.argv[1:]...)
	c.Dir, c.Env, c.Stdout, c.Stderr = p.dir, p.env, &o, &e
	err = c.Run()
	if err != nil {
		err = fmt.Errorf("%s: %v: %s", p.label, err, strings.TrimSpace(e.String()))
	}
	return o.String(), e.String(), err
}

// interleave times every process runs times, after warmup untimed rounds.
// Each round runs all of them once in a fresh random order, so a load drift
// hits the commands and their baseline alike.
func (r *runner) interleave(ps []proc, runs, warmup int, rng *rand.Rand) ([][]time.Duration, error) {
	out := make([][]time.Duration, len(ps))
	for round := range warmup + runs {
		for _, i := range rng.Perm(len(ps)) {
			d, err := r.time(ps[i])
			if err != nil {
				return nil, err
			}
			if round >= warmup {
				out[i] = append(out[i], d)
			}
		}
	}
	return out, nil
}

// median returns the median of ds (the mean of the two middle values for an
// even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// p90 returns the nearest-rank 90th percentile of ds.
func p90(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(math.Ceil(0.9*float64(len(s))))-1]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
