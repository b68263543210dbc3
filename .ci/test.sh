#!/usr/bin/env bash
# The whole test suite: formatting, vet, unit and end-to-end tests under the
# race detector against a real Secret Service (gnome-keyring in a throw-away
# D-Bus session), then a short run of every fuzz target.
#
#   bash .ci/test.sh              # everything (installs dbus/gnome-keyring with apt-get if absent)
#   FUZZTIME=1000000x bash .ci/test.sh # longer fuzzing (executions per target, or a duration)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
# The fuzz budget is a count of executions, not a duration: with a duration,
# Go 1.26's fuzz coordinator can report "context deadline exceeded" as a
# failure when the deadline lands while a worker is busy (golang/go#75804,
# fixed in Go 1.27). A count has no deadline to race. Minimising a new input
# is bounded separately so a slow minimisation cannot stall the run.
fuzztime="${FUZZTIME:-100000x}"

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "cross-build and vet for the release targets (.goreleaser.yaml: macOS and Windows)"
for os in darwin windows; do
	GOOS=$os CGO_ENABLED=0 go vet ./...
	GOOS=$os CGO_ENABLED=0 go build -o /dev/null .
done

step "go test -race, then the end-to-end suite (real OS keyring through gnome-keyring's Secret Service)"
# EGIDE_REQUIRE_KEYRING turns the real-keyring test's skip into a failure,
# EGIDE_REQUIRE_TMUX the terminal UI's tmux test's, EGIDE_REQUIRE_OPENSSL
# the transit and PKI engines' openssl cross-checks' (and the end-to-end
# scripts' openssl lines), EGIDE_REQUIRE_CURL the PKI's curl checks',
# EGIDE_REQUIRE_JQ and EGIDE_REQUIRE_GIT the scripts' jq and git lines;
# EGIDE_TEST_SYSTEM_TRUST=1 runs 'egide pki trust' against this machine's
# real Debian trust store, and undoes it: .ci/run sets it (CI machines are
# throw-away); run by hand, this script leaves the trust store alone.
# The end-to-end tests in cmd/ (build tag !race) run real egide processes by
# the hundred: they run in the second, race-free pass, since a race-built
# child process starts 40 times slower.
EGIDE_REQUIRE_KEYRING=1 EGIDE_REQUIRE_TMUX=1 EGIDE_REQUIRE_OPENSSL=1 EGIDE_REQUIRE_CURL=1 EGIDE_REQUIRE_JQ=1 EGIDE_REQUIRE_GIT=1 EGIDE_TEST_SYSTEM_TRUST=${EGIDE_TEST_SYSTEM_TRUST:-0} vault/keyring/realtest/with-keyring.sh sh -c \
	'go test -race -count=1 -timeout 20m ./... && go test -count=1 -timeout 20m ./cmd/'


step "fuzz (${fuzztime} each)"
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "-- $pkg $target"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "$pkg"
	done
done

step "all checks passed"
