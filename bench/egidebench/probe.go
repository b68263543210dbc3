package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/egide/egide/repo"
	"github.com/egide/egide/repo/dotenv"
	"github.com/egide/egide/vault"
)

// The probe splits a command's time into phases. "egidebench probe OP ARGS"
// runs in a fresh process, in the project folder, what the CLI does for OP
// through the library, and prints each phase's time as JSON: parsing the
// identity, opening the repository, resolving the environment, the call
// itself cold (first key unwrap, first statements, first pages read), the
// same call again warm, and closing. The harness runs it as often as the
// commands and reports the medians next to the whole-process figures.

// probeOps are the calls the probe knows, by the CLI command they mirror.
var probeOps = map[string]func(ctx context.Context, r *repo.Repository, env string, args []string) error{
	"get": func(ctx context.Context, r *repo.Repository, env string, a []string) error {
		_, err := r.Get(ctx, env, a[0], "")
		return err
	},
	"getat": func(ctx context.Context, r *repo.Repository, env string, a []string) error {
		_, err := r.Get(ctx, env, a[0], a[1])
		return err
	},
	"export": func(ctx context.Context, r *repo.Repository, env string, _ []string) error {
		es, err := r.Entries(ctx, env, "")
		if err != nil {
			return err
		}
		out := make([]dotenv.Entry, len(es))
		for i, e := range es {
			out[i] = dotenv.Entry{Key: e.Key, Value: e.Value}
		}
		return dotenv.Encode(io.Discard, out, dotenv.FormatDotenv)
	},
	"log": func(ctx context.Context, r *repo.Repository, env string, a []string) error {
		n, err := strconv.Atoi(a[0])
		if err != nil {
			return err
		}
		_, err = r.Log(ctx, env, repo.LogOptions{Max: n, Patch: len(a) > 1 && a[1] == "-p"})
		return err
	},
	"diff": func(ctx context.Context, r *repo.Repository, env string, a []string) error {
		_, err := r.Diff(ctx, env, a[0], a[1])
		return err
	},
}

// probePhases names the phases in the order the probe reports them.
var probePhases = []string{"identity", "open", "env", "call (cold)", "call (warm)", "close"}

// runProbe is the probe's main.
func runProbe(args []string) error {
	if len(args) == 0 || probeOps[args[0]] == nil {
		return fmt.Errorf("probe: unknown operation %q", strings.Join(args, " "))
	}
	ctx := context.Background()
	op := probeOps[args[0]]
	var times []int64
	t := time.Now()
	lap := func() {
		now := time.Now()
		times = append(times, int64(now.Sub(t)))
		t = now
	}
	id, err := vault.ParseIdentity(os.Getenv("EGIDE_IDENTITY"))
	if err != nil {
		return err
	}
	lap()
	r, err := repo.Open(ctx, ".", repo.Options{Identity: func() (*vault.Identity, error) { return id, nil }})
	if err != nil {
		return err
	}
	lap()
	env, err := r.ResolveEnv(ctx, "")
	if err != nil {
		return err
	}
	lap()
	for range 2 {
		if err := op(ctx, r, env, args[1:]); err != nil {
			return err
		}
		lap()
	}
	if err := r.Close(); err != nil {
		return err
	}
	lap()
	return json.NewEncoder(os.Stdout).Encode(times)
}

// probeRow is one command's phase medians.
type probeRow struct {
	label  string
	phases []time.Duration
}

// probe runs the probe for each labelled operation, runs times each,
// interleaved, and returns the medians of every phase.
func (b *bench) probe(dir string, labels []string, ops [][]string) ([]probeRow, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	samples := make([][][]time.Duration, len(ops)) // op, phase, run
	for i := range samples {
		samples[i] = make([][]time.Duration, len(probePhases))
	}
	for range b.cfg.runs {
		for _, i := range b.rng.Perm(len(ops)) {
			out, _, err := b.r.output(proc{label: "probe " + labels[i], argv: append([]string{self, "probe"}, ops[i]...), dir: dir, env: b.env})
			if err != nil {
				return nil, err
			}
			var ns []int64
			if err := json.Unmarshal([]byte(out), &ns); err != nil || len(ns) != len(probePhases) {
				return nil, fmt.Errorf("probe %s: bad output %q", labels[i], out)
			}
			for p, n := range ns {
				samples[i][p] = append(samples[i][p], time.Duration(n))
			}
		}
	}
	rows := make([]probeRow, len(ops))
	for i := range ops {
		rows[i].label = labels[i]
		for p := range probePhases {
			rows[i].phases = append(rows[i].phases, median(samples[i][p]))
		}
	}
	return rows, nil
}

// probeTable renders probe rows as Markdown, with each command's whole-process
// excess over version (median minus version's median) for comparison.
func probeTable(rows []probeRow, excess []time.Duration) string {
	var b strings.Builder
	b.WriteString("| in-process phases, median ms | " + strings.Join(probePhases, " | ") + " | sum but warm | whole process − version |\n")
	b.WriteString("|---" + strings.Repeat("|---:", len(probePhases)+2) + "|\n")
	for i, r := range rows {
		var sum time.Duration
		fmt.Fprintf(&b, "| %s |", r.label)
		for p, d := range r.phases {
			if probePhases[p] != "call (warm)" { // the command calls once
				sum += d
			}
			fmt.Fprintf(&b, " %.2f |", float64(d)/1e6)
		}
		fmt.Fprintf(&b, " %.2f | %.2f |\n", float64(sum)/1e6, float64(excess[i])/1e6)
	}
	return b.String()
}
