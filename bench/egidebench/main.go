// Command egidebench is the benchmark of issues #3, #4 and #6: it builds the data sets,
// times egide's commands as whole processes beside "egide version" (the cost
// of egide's own start) and, where it installs, SOPS on the same data, and
// prints a Markdown table. bench/run.sh builds egide and runs it.
//
// Every timed command runs interleaved with its baseline, in a fresh random
// order each round, so the drifts of a shared machine hit both; the table
// gives medians, p90s and the ratio of medians.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/egide/egide/repo"
	"github.com/egide/egide/vault"
)

// config holds the command-line flags.
type config struct {
	egide      string
	runs       int
	warmup     int
	keys       int
	bigKeys    int
	commitRuns int
	history    int
	sops       string
	cache      string
	out        string
	cmdline    string
	keep       bool
	probe      bool
	seed       uint64
	steps      string
}

// bench is one benchmark run.
type bench struct {
	cfg     config
	r       *runner
	rng     *rand.Rand // orders the interleaved rounds
	gen     *gen
	tmp     string
	env     []string // environment of every egide process
	id      *vault.Identity
	secret  string
	tab     *table
	notes   []string
	sopsRes []string // the SOPS comparison lines
	probes  []string // the phase tables
	getKey  string
	// the 10,000-key project of the commit benchmark, timed again by runBig
	bigDir  string
	bigData *dataset
	// dataset A's timings, kept for the SOPS comparison
	egideGet, egideExport time.Duration
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "probe" {
		if err := runProbe(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "egidebench:", err)
			os.Exit(1)
		}
		return
	}
	var c config
	flag.StringVar(&c.egide, "egide", "", "egide binary to time (required)")
	flag.IntVar(&c.runs, "runs", 21, "timed runs of each command")
	flag.StringVar(&c.steps, "steps", "", "comma-separated steps to run (default all): data set A, commit, history, run on the big environment, transit, pki")
	flag.IntVar(&c.warmup, "warmup", 2, "untimed rounds before the timed ones")
	flag.IntVar(&c.keys, "keys", 1000, "keys of the environment in data sets A and C")
	flag.IntVar(&c.bigKeys, "bigkeys", 10000, "keys changed by each timed commit")
	flag.IntVar(&c.commitRuns, "commit-runs", 11, "timed commits of -bigkeys changed keys")
	flag.IntVar(&c.history, "history", 10000, "one-key commits in the history data set")
	flag.StringVar(&c.sops, "sops", "auto", "SOPS binary: a path, 'auto' (cached in -cache, else go install) or 'off'")
	flag.StringVar(&c.cache, "cache", "", "folder where the SOPS and mkcert binaries are cached (auto)")
	flag.StringVar(&c.out, "out", "", "also write the report to this file")
	flag.StringVar(&c.cmdline, "cmdline", "", "the command line to print in the report (default: this one)")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary folders")
	flag.BoolVar(&c.probe, "probe", true, "also split get, export, log, diff into in-process phases")
	flag.Uint64Var(&c.seed, "seed", 3, "seed of the generated data")
	flag.Parse()
	if c.egide == "" || flag.NArg() > 0 || c.runs < 1 || c.keys < 200 || c.history < 10 {
		fmt.Fprintln(os.Stderr, "usage: egidebench -egide PATH [-runs N] [-history N] [-keys N] … (run bench/run.sh)")
		os.Exit(2)
	}
	if c.cmdline == "" {
		c.cmdline = strings.Join(os.Args, " ")
	}
	if err := run(context.Background(), c); err != nil {
		fmt.Fprintln(os.Stderr, "egidebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) error {
	var err error
	if c.egide, err = filepath.Abs(c.egide); err != nil {
		return err
	}
	b := &bench{
		cfg: c,
		rng: rand.New(rand.NewPCG(c.seed, 1)),
		gen: newGen(c.seed),
		tab: &table{indicativeOnly: c.keys != 1000 || c.bigKeys != 10000 || c.history != 10000},
	}
	if b.r, err = newRunner(); err != nil {
		return err
	}
	if b.tmp, err = os.MkdirTemp("", "egidebench-"); err != nil {
		return err
	}
	if c.keep {
		logf("keeping %s", b.tmp)
	} else {
		defer os.RemoveAll(b.tmp)
	}
	if b.id, b.secret, err = vault.GenerateIdentity(); err != nil {
		return err
	}
	home := filepath.Join(b.tmp, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return err
	}
	b.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"TMPDIR=" + b.tmp,
		"EGIDE_IDENTITY=" + b.secret,
		"EGIDE_NO_KEYRING=1",
		"EGIDE_AUTHOR=Bench <bench@example.com>",
	}
	b.getKey, _ = keyName(170) // SERVICE_17_API_KEY
	if c.keep {
		// To rerun a command by hand: . $tmp/env.sh; cd $tmp/a; egide get …
		var sh strings.Builder
		for _, kv := range b.env[1:] {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&sh, "export %s='%s'\n", k, v)
		}
		if err := os.WriteFile(filepath.Join(b.tmp, "env.sh"), []byte(sh.String()), 0o600); err != nil {
			return err
		}
	}

	started := time.Now()
	loadBefore := loadavg()
	steps := []struct {
		name string
		f    func(context.Context) error
	}{
		{"data set A", b.datasetA},
		{"commit", b.bigCommit},
		{"history", b.historySet},
		{"run on the big environment", b.runBig},
		{"transit", b.transitBench},
		{"pki", b.pkiBench},
	}
	for _, s := range steps {
		if c.steps != "" && !slices.Contains(strings.Split(c.steps, ","), s.name) {
			continue
		}
		logf("%s…", s.name)
		if err := s.f(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	trace, err := b.r.inittrace(c.egide, b.env, b.tmp, max(c.runs, 5))
	if err != nil {
		return err
	}

	var rep strings.Builder
	fmt.Fprintf(&rep, "# Egide benchmark (issues #3, #4, #6 and #7)\n\n")
	fmt.Fprintf(&rep, "%s, %d timed runs per command (after %d warm-up rounds), interleaved in random order with `egide version`; the run took %s. Load average before: %s, after: %s.\n\n",
		started.UTC().Format(time.RFC3339), c.runs, c.warmup, time.Since(started).Round(time.Second), loadBefore, loadavg())
	rep.WriteString(b.tab.markdown())
	if b.tab.indicativeOnly {
		fmt.Fprintf(&rep, "\n\\* indicative only: the parameters differ from the issues' (1,000 keys, 10,000-key commits and run, 10,000-commit history).\n")
	}
	fmt.Fprintf(&rep, "\n%d PASS, %d FAIL.\n\n", b.tab.pass, b.tab.fail)
	for _, n := range b.notes {
		fmt.Fprintf(&rep, "- %s\n", n)
	}
	rep.WriteString("\n## SOPS on the same data\n\n")
	for _, s := range b.sopsRes {
		rep.WriteString(s + "\n")
	}
	if len(b.probes) > 0 {
		rep.WriteString("\n## Where the time goes\n\n")
		rep.WriteString("`egidebench probe` does, in a fresh process each time, what the command does through the library (repo.Open, ResolveEnv, the call), twice, and times each phase; it is run interleaved as often as the commands. The last column is the command's whole-process median minus `egide version`'s in the same run: what the phases do not explain is the CLI layer, the extra page faults of a process that touches more code and data, and exit.\n\n")
		rep.WriteString(strings.Join(b.probes, "\n"))
	}
	rep.WriteString("\n## Start-up\n\n" + trace)
	rep.WriteString("\n## Environment\n\n" + environment())
	fmt.Fprintf(&rep, "- temporary folders under %s\n", filepath.Dir(b.tmp))
	fmt.Fprintf(&rep, "\nCommand line:\n\n    %s\n", c.cmdline)

	fmt.Print(rep.String())
	if c.out != "" {
		if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(c.out, []byte(rep.String()), 0o644); err != nil {
			return err
		}
		logf("wrote %s", c.out)
	}
	return nil
}

// egideProc is an egide command line run in dir.
func (b *bench) egideProc(label, dir string, args ...string) proc {
	return proc{label: label, argv: append([]string{b.cfg.egide}, args...), dir: dir, env: b.env}
}

// must runs an egide command that prepares data.
func (b *bench) must(dir string, args ...string) (string, error) {
	out, _, err := b.r.output(b.egideProc("egide "+strings.Join(args, " "), dir, args...))
	return out, err
}

func (b *bench) newProject(name string) (string, error) {
	dir := filepath.Join(b.tmp, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	_, err := b.must(dir, "init", "--name", name)
	return dir, err
}

// datasetA times get and export on a 1,000-key environment, and SOPS on the
// same data.
func (b *bench) datasetA(ctx context.Context) error {
	dir, err := b.newProject("a")
	if err != nil {
		return err
	}
	d := b.gen.dataset(b.cfg.keys)
	file := filepath.Join(b.tmp, "a.env")
	if err := d.writeDotenv(file); err != nil {
		return err
	}
	if _, err := b.must(dir, "import", file); err != nil {
		return err
	}
	if _, err := b.must(dir, "commit", "-m", "import"); err != nil {
		return err
	}
	// Check what egide holds before timing it.
	out, err := b.must(dir, "export", "--format", "json")
	if err != nil {
		return err
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		return fmt.Errorf("export --format json: %w", err)
	}
	for i, k := range d.keys {
		if got[k] != d.values[i] {
			return fmt.Errorf("export: %s differs from the imported value", k)
		}
	}
	if len(got) != len(d.keys) {
		return fmt.Errorf("export: %d keys, want %d", len(got), len(d.keys))
	}
	if v, err := b.must(dir, "get", b.getKey); err != nil || v != d.lookup(b.getKey) {
		return fmt.Errorf("get %s: wrong value (%v)", b.getKey, err)
	}

	if err := b.checkRun(dir, d); err != nil {
		return err
	}

	ps := []proc{
		b.egideProc("egide version", dir, "version"),
		b.egideProc("egide get "+b.getKey, dir, "get", b.getKey),
		b.egideProc("egide export --format dotenv", dir, "export", "--format", "dotenv"),
		b.egideProc("egide run -- true", dir, "run", "--", "true"),
	}
	if hello, err := b.buildHello(); err != nil {
		b.notes = append(b.notes, "empty Go program: not built ("+err.Error()+")")
	} else {
		ps = append(ps, proc{label: "empty Go program (reference)", argv: []string{hello}, dir: dir, env: b.env})
	}
	// SOPS is timed in a block of its own (below): its 24 ms, multi-threaded
	// runs evict the caches the next process would use, which costs egide's
	// commands more than the baseline and would skew their ratios.
	sops, sopsProcs, err := b.sopsSetup(ctx, d)
	if err != nil {
		b.sopsRes = append(b.sopsRes, fmt.Sprintf("SOPS: not installed (%v)", err))
	}
	logf("timing %d commands × %d runs", len(ps), b.cfg.runs)
	ts, err := b.r.interleave(ps, b.cfg.runs, b.cfg.warmup, b.rng)
	if err != nil {
		return err
	}
	ver := ts[0]
	b.tab.section(fmt.Sprintf("A. %s-key environment", thousands(b.cfg.keys)))
	b.tab.add(ps[0].label+" (baseline)", ver, nil, 0, 0, "—")
	b.tab.add(ps[1].label, ts[1], ver, 1.5, 15*time.Millisecond, "")
	b.tab.add(ps[2].label, ts[2], ver, 1.5, 15*time.Millisecond, "")
	b.tab.add(ps[3].label, ts[3], ver, 1.5, 0, "")
	b.egideGet, b.egideExport = median(ts[1]), median(ts[2])
	for i := 4; i < len(ps); i++ {
		b.tab.add(ps[i].label, ts[i], ver, 0, 0, "reference")
	}
	if b.cfg.probe {
		rows, err := b.probe(dir, []string{ps[1].label, ps[2].label}, [][]string{{"get", b.getKey}, {"export"}})
		if err != nil {
			return err
		}
		b.probes = append(b.probes, probeTable(rows, []time.Duration{median(ts[1]) - median(ver), median(ts[2]) - median(ver)}))
	}
	if sops != "" {
		logf("timing SOPS against egide, %d runs", b.cfg.runs)
		block := append([]proc{ps[1], ps[2], ps[3]}, sopsProcs...)
		ts, err := b.r.interleave(block, b.cfg.runs, b.cfg.warmup, b.rng)
		if err != nil {
			return err
		}
		eGet, eAll, eRun, sGet, sAll, sRun := median(ts[0]), median(ts[1]), median(ts[2]), median(ts[3]), median(ts[4]), median(ts[5])
		b.egideGet, b.egideExport = eGet, eAll
		runRatio := float64(eRun) / float64(sRun)
		b.sopsRes = append(b.sopsRes,
			fmt.Sprintf("SOPS %s (`%s`), age recipient, %d keys in its dotenv format, SOPS_AGE_KEY in the environment. Same run, same data, interleaved with egide's get and export in a block of their own (SOPS's runs would skew the ratios to `egide version` above):\n", sopsVersion(b.r, sops, b.env), sops, b.cfg.keys),
			"| one key | median | whole file | median |\n|---|---:|---|---:|",
			fmt.Sprintf("| egide get | %s | egide export --format dotenv | %s |", ms(b.egideGet), ms(b.egideExport)),
			fmt.Sprintf("| sops decrypt --extract | %s | sops decrypt | %s |", ms(sGet), ms(sAll)),
			fmt.Sprintf("| **egide / SOPS** | **%.2f×** | | **%.2f×** |", float64(b.egideGet)/float64(sGet), float64(b.egideExport)/float64(sAll)),
			"",
			"| run a program | median | target | result |\n|---|---:|---|---|",
			fmt.Sprintf("| egide run -- true | %s | | |", ms(eRun)),
			fmt.Sprintf("| sops exec-env secrets.env true | %s | | |", ms(sRun)),
			fmt.Sprintf("| **egide / SOPS** | **%.2f×** | ≤ 0.25× | %s |", runRatio, b.tab.verdict(runRatio <= 0.25)))
	}
	return nil
}

// checkRun checks, before timing it, that 'egide run' gives a child d's
// values: the benchmark's key and a multi-line one.
func (b *bench) checkRun(dir string, d *dataset) error {
	for i, k := range d.keys {
		if k != b.getKey && !(d.pem[i] && i < 2*pemEvery) {
			continue
		}
		got, _, err := b.r.output(b.egideProc("egide run -- printenv "+k, dir, "run", "--", "printenv", k))
		if err != nil {
			return err
		}
		if got != d.values[i]+"\n" {
			return fmt.Errorf("egide run -- printenv %s: wrong value", k)
		}
	}
	return nil
}

// buildHello builds an empty Go program, the floor of any Go process's start.
func (b *bench) buildHello() (string, error) {
	dir := filepath.Join(b.tmp, "hello")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hello")
	c := exec.Command("go", "build", "-o", bin, "main.go")
	c.Dir = dir
	c.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off")
	if out, err := c.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// bigCommit times commits of bigKeys changed keys: each round stages new
// values for every key with import (untimed), then times commit beside
// version.
func (b *bench) bigCommit(ctx context.Context) error {
	dir, err := b.newProject("c")
	if err != nil {
		return err
	}
	g := newGen(b.cfg.seed + 1)
	d := g.dataset(b.cfg.bigKeys)
	file := filepath.Join(b.tmp, "c.env")
	if err := d.writeDotenv(file); err != nil {
		return err
	}
	if _, err := b.must(dir, "import", file); err != nil {
		return err
	}
	commit := b.egideProc(fmt.Sprintf("egide commit -m x (%s changed keys)", thousands(b.cfg.bigKeys)), dir, "commit", "-m", "x")
	first, err := b.r.time(commit)
	if err != nil {
		return err
	}
	version := b.egideProc("egide version", dir, "version")
	imp := b.egideProc("egide import", dir, "import", file)
	var ver, com, imps []time.Duration
	for i := range b.cfg.commitRuns {
		g.refresh(d)
		if err := d.writeDotenv(file); err != nil {
			return err
		}
		t, err := b.r.time(imp)
		if err != nil {
			return err
		}
		imps = append(imps, t)
		order := []proc{version, commit}
		if i%2 == 1 {
			order = []proc{commit, version}
		}
		for _, p := range order {
			t, err := b.r.time(p)
			if err != nil {
				return err
			}
			if p.label == commit.label {
				com = append(com, t)
			} else {
				ver = append(ver, t)
			}
		}
	}
	k := d.keys[len(d.keys)/2]
	if v, err := b.must(dir, "get", k); err != nil || v != d.lookup(k) {
		return fmt.Errorf("get %s after the commits: wrong value (%v)", k, err)
	}
	b.bigDir, b.bigData = dir, d
	b.tab.section(fmt.Sprintf("B. commit of %s changed keys (%d commits)", thousands(b.cfg.bigKeys), b.cfg.commitRuns))
	b.tab.add("egide version (baseline)", ver, nil, 0, 0, "—")
	b.tab.add(commit.label, com, ver, 0, 300*time.Millisecond, "")
	b.tab.add(fmt.Sprintf("egide import (staging %s changed keys)", thousands(b.cfg.bigKeys)), imps, ver, 0, 0, "setup, untargeted")
	b.tab.add(fmt.Sprintf("egide commit -m x (%s added keys, once)", thousands(b.cfg.bigKeys)), []time.Duration{first}, ver, 0, 0, "first commit, untargeted")
	return nil
}

// historySet builds, in process, a keys-key environment and then history
// one-key commits (each Set and Commit its own transaction, as the CLI does,
// with no maintenance in between), then times log, diff and get --at.
func (b *bench) historySet(ctx context.Context) error {
	dir, err := b.newProject("h")
	if err != nil {
		return err
	}
	g := newGen(b.cfg.seed + 2)
	d := g.dataset(b.cfg.keys)
	opts := repo.Options{
		Identity: func() (*vault.Identity, error) { return b.id, nil },
		Author:   func() string { return "Bench <bench@example.com>" },
	}
	r, err := repo.Open(ctx, dir, opts)
	if err != nil {
		return err
	}
	entries := make([]repo.Entry, len(d.keys))
	for i := range d.keys {
		entries[i] = repo.Entry{Key: d.keys[i], Value: d.values[i]}
	}
	if err := r.Set(ctx, "dev", entries); err != nil {
		r.Close()
		return err
	}
	first, err := r.Commit(ctx, "dev", "import")
	if err != nil {
		r.Close()
		return err
	}
	if err := r.Close(); err != nil {
		return err
	}
	egideDir := filepath.Join(dir, repo.DirName)
	base, err := dirSize(egideDir)
	if err != nil {
		return err
	}

	initial := slices.Clone(d.values)
	gi := slices.Index(d.keys, b.getKey)
	getAt := []string{d.values[gi]} // getKey's value after each commit
	var last *repo.Commit
	t0 := time.Now()
	if r, err = repo.Open(ctx, dir, opts); err != nil {
		return err
	}
	for i := 1; i <= b.cfg.history; i++ {
		k := g.rng.IntN(len(d.keys))
		d.values[k] = g.value(d.pem[k])
		if err := r.Set(ctx, "dev", []repo.Entry{{Key: d.keys[k], Value: d.values[k]}}); err != nil {
			r.Close()
			return err
		}
		if last, err = r.Commit(ctx, "dev", "change "+d.keys[k]); err != nil {
			r.Close()
			return err
		}
		getAt = append(getAt, d.values[gi])
		if i%1000 == 0 {
			logf("  %d/%d commits, %s", i, b.cfg.history, time.Since(t0).Round(time.Millisecond))
		}
	}
	if err := r.Close(); err != nil {
		return err
	}
	build := time.Since(t0)
	size, err := dirSize(egideDir)
	if err != nil {
		return err
	}
	files, err := fileSizes(egideDir)
	if err != nil {
		return err
	}
	changed := 0
	for i := range initial {
		if initial[i] != d.values[i] {
			changed++
		}
	}

	// Check the commands' output before timing them.
	back := b.cfg.history / 2
	at := fmt.Sprintf("HEAD~%d", back)
	if v, err := b.must(dir, "get", b.getKey, "--at", at); err != nil || v != getAt[b.cfg.history-back] {
		return fmt.Errorf("get %s --at %s: wrong value (%v)", b.getKey, at, err)
	}
	out, err := b.must(dir, "log", "-n", "20", "--json")
	if err != nil {
		return err
	}
	var log []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		return fmt.Errorf("log --json: %w", err)
	}
	if len(log) != min(20, b.cfg.history+1) || log[0].ID != last.ID.String() {
		return fmt.Errorf("log -n 20 --json: %d commits, want 20 starting with the last one", len(log))
	}
	out, err = b.must(dir, "diff", first.ID.String(), "HEAD")
	if err != nil {
		return err
	}
	if n := strings.Count(out, "\n"); n != changed {
		return fmt.Errorf("diff first HEAD: %d lines, want %d changed keys", n, changed)
	}

	ps := []proc{
		b.egideProc("egide version", dir, "version"),
		b.egideProc("egide log -n 20", dir, "log", "-n", "20"),
		b.egideProc("egide log -n 20 -p", dir, "log", "-n", "20", "-p"),
		b.egideProc("egide diff <first commit> HEAD", dir, "diff", first.ID.String(), "HEAD"),
		b.egideProc(fmt.Sprintf("egide get %s --at %s", b.getKey, at), dir, "get", b.getKey, "--at", at),
	}
	logf("timing %d commands × %d runs", len(ps), b.cfg.runs)
	ts, err := b.r.interleave(ps, b.cfg.runs, b.cfg.warmup, b.rng)
	if err != nil {
		return err
	}
	if b.cfg.probe {
		rows, err := b.probe(dir, []string{ps[1].label, ps[2].label, ps[3].label, ps[4].label},
			[][]string{{"log", "20"}, {"log", "20", "-p"}, {"diff", first.ID.String(), "HEAD"}, {"getat", b.getKey, at}})
		if err != nil {
			return err
		}
		var excess []time.Duration
		for _, t := range ts[1:] {
			excess = append(excess, median(t)-median(ts[0]))
		}
		b.probes = append(b.probes, probeTable(rows, excess))
	}
	b.tab.section(fmt.Sprintf("C. history: %s-key environment, %s one-key commits", thousands(b.cfg.keys), thousands(b.cfg.history)))
	sizeRow := row{
		measurement: ".egide/ size (all files, db closed)",
		median:      fmt.Sprintf("%.1f MB (%.1f MiB)", float64(size)/1e6, float64(size)/(1<<20)),
		p90:         "—", ratio: "—",
		target: "≤ 32 MB (10⁶ bytes)",
		result: b.tab.verdict(size <= 32e6),
	}
	b.tab.rows = append(b.tab.rows, sizeRow)
	b.tab.add(ps[0].label+" (baseline)", ts[0], nil, 0, 0, "—")
	b.tab.add(ps[1].label, ts[1], ts[0], 2, 0, "")
	b.tab.add(ps[2].label, ts[2], ts[0], 3, 0, "")
	b.tab.add(ps[3].label+fmt.Sprintf(" (%d keys differ)", changed), ts[3], ts[0], 3, 0, "")
	b.tab.add(ps[4].label, ts[4], ts[0], 2, 0, "")
	b.notes = append(b.notes,
		fmt.Sprintf("History built in process (repo.Set then repo.Commit per change, as the CLI does) in %s: %.2f ms per commit. .egide/ holds %d bytes (%.1f MB = %.2f MiB): %.1f MB after the first, %d-key commit, then %.0f bytes per one-key commit.",
			build.Round(time.Millisecond), float64(build)/float64(time.Millisecond)/float64(b.cfg.history),
			size, float64(size)/1e6, float64(size)/(1<<20), float64(base)/1e6, b.cfg.keys, float64(size-base)/float64(b.cfg.history)),
		fmt.Sprintf(".egide/ files after close: %s.", files))
	return nil
}

// runBig times 'egide run -- true' on the commit benchmark's environment
// of bigKeys keys, beside version.
func (b *bench) runBig(ctx context.Context) error {
	if err := b.checkRun(b.bigDir, b.bigData); err != nil {
		return err
	}
	ps := []proc{
		b.egideProc("egide version", b.bigDir, "version"),
		b.egideProc("egide run -- true", b.bigDir, "run", "--", "true"),
	}
	logf("timing %d commands × %d runs", len(ps), b.cfg.runs)
	ts, err := b.r.interleave(ps, b.cfg.runs, b.cfg.warmup, b.rng)
	if err != nil {
		return err
	}
	b.tab.section(fmt.Sprintf("D. egide run on a %s-key environment", thousands(b.cfg.bigKeys)))
	b.tab.add(ps[0].label+" (baseline)", ts[0], nil, 0, 0, "—")
	b.tab.add(ps[1].label, ts[1], ts[0], 2.5, 0, "")
	return nil
}

// dirSize returns the total size of the regular files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	return n, err
}

// fileSizes lists the files in dir with their sizes in MB.
func fileSizes(dir string) (string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, e := range es {
		info, err := e.Info()
		if err != nil {
			return "", err
		}
		if info.Mode().IsRegular() {
			parts = append(parts, fmt.Sprintf("%s %.2f MB", e.Name(), float64(info.Size())/1e6))
		}
	}
	return strings.Join(parts, ", "), nil
}

// sopsSetup finds or installs SOPS, encrypts d with it and returns the
// commands to time: --extract of the benchmark's key, and the whole file.
func (b *bench) sopsSetup(ctx context.Context, d *dataset) (string, []proc, error) {
	bin, err := b.findSOPS(ctx)
	if err != nil {
		return "", nil, err
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(b.tmp, "home"), "TMPDIR=" + b.tmp}
	dir := filepath.Join(b.tmp, "sops")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", nil, err
	}
	plain, enc := filepath.Join(dir, "plain.env"), filepath.Join(dir, "secrets.env")
	if err := d.writeSOPSDotenv(plain); err != nil {
		return "", nil, err
	}
	encrypt := proc{label: "sops encrypt", dir: dir, env: env, argv: []string{bin, "encrypt", "--age", b.id.Recipient(),
		"--input-type", "dotenv", "--output-type", "dotenv", "--output", enc, plain}}
	if _, _, err := b.r.output(encrypt); err != nil {
		return "", nil, err
	}
	if err := os.Remove(plain); err != nil {
		return "", nil, err
	}
	env = append(env, "SOPS_AGE_KEY="+b.secret)
	extract := fmt.Sprintf(`["%s"]`, b.getKey)
	ps := []proc{
		{label: fmt.Sprintf("sops decrypt --extract '%s'", extract), dir: dir, env: env,
			argv: []string{bin, "decrypt", "--extract", extract, "--input-type", "dotenv", "--output-type", "dotenv", enc}},
		{label: "sops decrypt (whole file, dotenv)", dir: dir, env: env,
			argv: []string{bin, "decrypt", "--input-type", "dotenv", "--output-type", "dotenv", enc}},
		{label: "sops exec-env secrets.env true", dir: dir, env: env,
			argv: []string{bin, "exec-env", enc, "true"}},
	}
	if v, _, err := b.r.output(ps[0]); err != nil || v != d.lookup(b.getKey) {
		return "", nil, fmt.Errorf("sops decrypt --extract gave a wrong value (%v)", err)
	}
	check := proc{label: "sops exec-env printenv", dir: dir, env: env, argv: []string{bin, "exec-env", enc, "printenv " + b.getKey}}
	if v, _, err := b.r.output(check); err != nil || v != d.lookup(b.getKey)+"\n" {
		return "", nil, fmt.Errorf("sops exec-env gave the child a wrong value (%v)", err)
	}
	return bin, ps, nil
}

// findSOPS returns the SOPS binary: the -sops path, the cached one, or a
// fresh go install cached for later runs.
func (b *bench) findSOPS(ctx context.Context) (string, error) {
	switch b.cfg.sops {
	case "off":
		return "", errors.New("SOPS=off")
	case "auto":
	default:
		return b.cfg.sops, nil
	}
	return b.goTool(ctx, "sops", "github.com/getsops/sops/v3/cmd/sops@latest")
}

// goTool returns the cached binary name in -cache, installing pkg with go
// install first when it is not there.
func (b *bench) goTool(ctx context.Context, name, pkg string) (string, error) {
	if b.cfg.cache == "" {
		return "", errors.New("no -cache folder to install it in")
	}
	cached := filepath.Join(b.cfg.cache, name)
	if info, err := os.Stat(cached); err == nil && info.Mode().IsRegular() {
		return cached, nil
	}
	gobin := filepath.Join(b.tmp, "gobin")
	logf("installing %s with go install (this can take minutes)…", pkg)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "go", "install", pkg)
	c.Dir = b.tmp // outside egide's module
	c.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0")
	if out, err := c.CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return "", fmt.Errorf("go install %s: %v: %s", pkg, err, lines[len(lines)-1])
	}
	if err := os.MkdirAll(b.cfg.cache, 0o755); err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(gobin, name))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(cached, data, 0o755); err != nil {
		return "", err
	}
	return cached, nil
}

// sopsVersion returns the first word of "sops --version" after "sops".
func sopsVersion(r *runner, bin string, env []string) string {
	out, _, err := r.output(proc{label: "sops --version", argv: []string{bin, "--version", "--disable-version-check"}, env: env})
	if err != nil {
		out, _, _ = r.output(proc{label: "sops --version", argv: []string{bin, "--version"}, env: env})
	}
	if f := strings.Fields(out); len(f) >= 2 && f[0] == "sops" {
		return f[1]
	}
	return "(unknown version)"
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "egidebench: "+format+"\n", args...)
}
