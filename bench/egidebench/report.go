package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// row is one line of the results table.
type row struct {
	measurement, median, p90, ratio, target, result string
}

// table collects the results.
type table struct {
	rows           []row
	pass, fail     int
	indicativeOnly bool // parameters differ from the issues'
}

func (t *table) section(title string) {
	t.rows = append(t.rows, row{measurement: "**" + title + "**"})
}

// add appends a timed row. base is the baseline's samples from the same
// interleaved run (nil for the baseline itself); maxRatio and maxAbs are the
// targets (0: none).
func (t *table) add(label string, ds, base []time.Duration, maxRatio float64, maxAbs time.Duration, info string) {
	r := row{measurement: label, median: ms(median(ds)), p90: ms(p90(ds)), ratio: "—", target: "—", result: info}
	var ratio float64
	if base != nil {
		ratio = float64(median(ds)) / float64(median(base))
		r.ratio = fmt.Sprintf("%.2f×", ratio)
	}
	var targets []string
	ok := true
	if maxRatio > 0 {
		targets = append(targets, fmt.Sprintf("≤ %g× version", maxRatio))
		ok = ok && ratio <= maxRatio
	}
	if maxAbs > 0 {
		targets = append(targets, "≤ "+ms(maxAbs))
		ok = ok && median(ds) <= maxAbs
	}
	if len(targets) > 0 {
		r.target = strings.Join(targets, " and ")
		r.result = t.verdict(ok)
	}
	t.rows = append(t.rows, r)
}

func (t *table) verdict(ok bool) string {
	v := "PASS"
	if ok {
		t.pass++
	} else {
		t.fail++
		v = "**FAIL**"
	}
	if t.indicativeOnly {
		v += "*"
	}
	return v
}

func (t *table) markdown() string {
	var b strings.Builder
	b.WriteString("| measurement | median | p90 | × version | target | result |\n")
	b.WriteString("|---|---:|---:|---:|---|---|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.measurement, r.median, r.p90, r.ratio, r.target, r.result)
	}
	return b.String()
}

var initLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock`)

// inittrace runs "egide version" with GODEBUG=inittrace=1 n times and
// summarizes package initialization: the median total, the median time at
// which the last init ends, and the five slowest packages.
func (r *runner) inittrace(egide string, env []string, dir string, n int) (string, error) {
	var totals, ends []time.Duration
	perPkg := map[string][]time.Duration{}
	for range n {
		_, stderr, err := r.output(proc{label: "inittrace", argv: []string{egide, "version"}, dir: dir, env: append(slices.Clone(env), "GODEBUG=inittrace=1")})
		if err != nil {
			return "", err
		}
		var total, end time.Duration
		seen := map[string]time.Duration{}
		sc := bufio.NewScanner(strings.NewReader(stderr))
		for sc.Scan() {
			m := initLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			at, _ := strconv.ParseFloat(m[2], 64)
			clock, _ := strconv.ParseFloat(m[3], 64)
			d := time.Duration(clock * float64(time.Millisecond))
			total += d
			seen[m[1]] += d
			if e := time.Duration((at + clock) * float64(time.Millisecond)); e > end {
				end = e
			}
		}
		if len(seen) == 0 {
			return "", fmt.Errorf("inittrace: no init lines in egide's standard error")
		}
		for p, d := range seen {
			perPkg[p] = append(perPkg[p], d)
		}
		totals, ends = append(totals, total), append(ends, end)
	}
	type pkg struct {
		name string
		d    time.Duration
	}
	var pkgs []pkg
	for p, ds := range perPkg {
		for len(ds) < n { // a package that did not report counts as 0
			ds = append(ds, 0)
		}
		pkgs = append(pkgs, pkg{p, median(ds)})
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].d > pkgs[j].d })
	var b strings.Builder
	fmt.Fprintf(&b, "`GODEBUG=inittrace=1 egide version`, %d runs: package init takes %s in total (median; %d packages), and the last init ends %s after the runtime started.\n\n",
		n, msPrec(median(totals)), len(pkgs), msPrec(median(ends)))
	b.WriteString("| package | init (median) |\n|---|---:|\n")
	for _, p := range pkgs[:min(5, len(pkgs))] {
		fmt.Fprintf(&b, "| %s | %s |\n", p.name, msPrec(p.d))
	}
	return b.String(), nil
}

func msPrec(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

// environment describes the machine and toolchain.
func environment() string {
	var b strings.Builder
	gover := runtime.Version()
	if out, err := exec.Command("go", "version").Output(); err == nil {
		gover = strings.TrimSpace(string(out))
	}
	fmt.Fprintf(&b, "- %s; %d CPUs (runtime.NumCPU)", gover, runtime.NumCPU())
	if out, err := exec.Command("nproc").Output(); err == nil {
		fmt.Fprintf(&b, ", nproc %s", strings.TrimSpace(string(out)))
	}
	b.WriteString("\n")
	if out, err := exec.Command("uname", "-srm").Output(); err == nil {
		fmt.Fprintf(&b, "- %s", strings.TrimSpace(string(out)))
	}
	if cpu := cpuModel(); cpu != "" {
		fmt.Fprintf(&b, "; %s", cpu)
	}
	b.WriteString("\n")
	return b.String()
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadavg returns /proc/loadavg's first three fields, or "?".
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// thousands formats n with comma separators: 10000 is "10,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
