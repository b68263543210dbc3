#!/usr/bin/env bash
# Egide's benchmark (issues #3, #4 and #6): builds egide and the harness, times them and
# prints the table, which it also writes to bench/out/results.md.
#
#   bench/run.sh                      # the full run: RUNS=21 HISTORY=10000
#   RUNS=5 HISTORY=500 bench/run.sh   # a quick smoke run
#
# Settings (environment):
#   RUNS=21          timed runs of each command (medians and p90s over these)
#   HISTORY=10000    one-key commits in the history data set
#   KEYS=1000        keys of the environment timed by get, export, log, diff
#   BIGKEYS=10000    keys changed by each timed commit
#   COMMIT_RUNS=11   timed commits of BIGKEYS changed keys
#   SOPS=auto        SOPS binary: auto (bench/out/sops, else go install, which
#                    can take ~10 min on these machines), a path, or off
#   OUT=bench/out    where binaries and results.md go
#   KEEP=0           1 keeps the temporary data sets (path printed)
#   PROBE=1          0 skips the in-process phase split ("where the time goes")
#   STEPS=           only these steps, comma-separated: "data set A", commit,
#                    history, "run on the big environment", transit (default all)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
RUNS=${RUNS:-21}
HISTORY=${HISTORY:-10000}
KEYS=${KEYS:-1000}
BIGKEYS=${BIGKEYS:-10000}
COMMIT_RUNS=${COMMIT_RUNS:-11}
SOPS=${SOPS:-auto}
KEEP=${KEEP:-0}
PROBE=${PROBE:-1}
out=${OUT:-$here/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)

cmdline="RUNS=$RUNS HISTORY=$HISTORY KEYS=$KEYS BIGKEYS=$BIGKEYS COMMIT_RUNS=$COMMIT_RUNS SOPS=$SOPS bench/run.sh"
echo "building egide and the harness…" >&2
(cd "$root" && CGO_ENABLED=0 go build -o "$out/egide" .)
(cd "$root" && go build -o "$out/egidebench" ./bench/egidebench)

rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
[ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ] && rev="$rev, with uncommitted changes"
extra=()
[ "$KEEP" = 1 ] && extra=(-keep)
[ "$PROBE" = 0 ] && extra+=(-probe=false)
[ -n "${STEPS:-}" ] && extra+=(-steps "$STEPS") && cmdline="STEPS='$STEPS' $cmdline"
"$out/egidebench" -egide "$out/egide" -runs "$RUNS" -history "$HISTORY" -keys "$KEYS" \
	-bigkeys "$BIGKEYS" -commit-runs "$COMMIT_RUNS" -sops "$SOPS" -cache "$out" \
	-out "$out/results.md" -cmdline "$cmdline  # tree at $rev" "${extra[@]}"
